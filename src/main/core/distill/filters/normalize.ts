// Text normalization shared by the dedupe and leakage filters (and the synthesizer's near-duplicate check).

/** Lower-cases keywords and identifiers outside string literals, collapses whitespace, drops a trailing `;`. */
export function normalizeSql(sql: string): string {
  const parts = sql.trim().replace(/[\s;]+$/u, '').split(/('(?:[^']|'')*')/)
  return parts
    .map((part, i) => (i % 2 === 1 ? part : part.toLowerCase().replace(/\s+/g, ' ').replace(/\s*([(),=<>])\s*/g, '$1')))
    .join('')
    .trim()
}

export function questionTokens(question: string): string[] {
  return question
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .split(/\s+/)
    .filter((t) => t.length > 0)
}

export function normalizeQuestion(question: string): string {
  return questionTokens(question).join(' ')
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a)
  const sb = new Set(b)
  if (sa.size === 0 && sb.size === 0) return 1
  let inter = 0
  for (const t of sa) if (sb.has(t)) inter++
  return inter / (sa.size + sb.size - inter)
}

export const NEAR_DUPLICATE_JACCARD = 0.9
