import type { SqlValue } from '../../../shared/schema'

export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

/** Orders SQL values as SQLite does: NULL < numbers < text < blobs. */
export function compareSqlValues(a: SqlValue, b: SqlValue): number {
  const rank = (v: SqlValue) => (v === null ? 0 : typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'object' && '$bigint' in v) ? 1 : typeof v === 'string' ? 2 : 3)
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (ra === 1) {
    const na = typeof a === 'object' && a !== null ? Number((a as { $bigint: string }).$bigint) : Number(a)
    const nb = typeof b === 'object' && b !== null ? Number((b as { $bigint: string }).$bigint) : Number(b)
    return na - nb
  }
  if (ra === 2) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0
  if (ra === 3) return (a as { $blob: number }).$blob - (b as { $blob: number }).$blob
  return 0
}
