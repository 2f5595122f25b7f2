// Where statements begin and end in an editor buffer, and where in a statement SQLite's error points. A small
// lexer (quotes, identifiers in "…", `…`, […], and comments), not a parser: it only has to know which
// semicolons end a statement. Read-only SQL has no trigger bodies, the one place a `;` sits inside a statement.

export interface StatementSpan {
  /** The statement's text, without its terminating semicolon. */
  sql: string
  /** Offsets in the buffer: [start, end) covers the text, `end` is where its `;` (or the buffer's end) is. */
  start: number
  end: number
}

/** Skips a quoted run or a comment starting at i; returns the index after it, or i when none starts there. */
function skipOpaque(text: string, i: number): number {
  const c = text[i]
  if (c === '-' && text[i + 1] === '-') {
    const nl = text.indexOf('\n', i)
    return nl === -1 ? text.length : nl + 1
  }
  if (c === '/' && text[i + 1] === '*') {
    const close = text.indexOf('*/', i + 2)
    return close === -1 ? text.length : close + 2
  }
  const closing = c === "'" || c === '"' || c === '`' ? c : c === '[' ? ']' : null
  if (!closing) return i
  let j = i + 1
  while (j < text.length) {
    if (text[j] === closing) {
      // '' inside '…' (and "" inside "…") is an escaped quote, not the end
      if (closing !== ']' && text[j + 1] === closing) {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return text.length
}

/** True when a span holds nothing but whitespace and comments. */
function isBlank(text: string): boolean {
  let i = 0
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++
      continue
    }
    const next = text[i] === '-' || text[i] === '/' ? skipOpaque(text, i) : i
    if (next === i) return false
    i = next
  }
  return true
}

/** Every statement in the buffer, in order; empty and comment-only pieces are left out. */
export function splitStatements(text: string): StatementSpan[] {
  const spans: StatementSpan[] = []
  let start = 0
  let i = 0
  const close = (end: number) => {
    const sql = text.slice(start, end)
    if (!isBlank(sql)) {
      // the span starts at its first non-space character, so an error offset maps to the right line
      const lead = sql.length - sql.trimStart().length
      spans.push({ sql: sql.slice(lead).trimEnd(), start: start + lead, end })
    }
  }
  while (i < text.length) {
    const next = skipOpaque(text, i)
    if (next !== i) {
      i = next
      continue
    }
    if (text[i] === ';') {
      close(i)
      start = i + 1
    }
    i++
  }
  close(text.length)
  return spans
}

/**
 * The statement the cursor is in. On the blank or comment-only text between two statements, the one before
 * it (the cursor usually sits right after the `;` just typed); before the first, the first.
 */
export function statementAt(text: string, offset: number): StatementSpan | null {
  const spans = splitStatements(text)
  let best: StatementSpan | null = null
  for (const span of spans) {
    if (offset >= span.start && offset <= span.end) return span
    if (span.end < offset) best = span
  }
  return best ?? spans[0] ?? null
}

/** SQLite's wording for the statement's part it could not use. */
const POINTERS: { pattern: RegExp }[] = [
  { pattern: /near "((?:[^"]|"")+)": syntax error/ },
  { pattern: /no such (?:column|table|function|collation sequence|index|module): ([^\s,]+)/ },
  { pattern: /ambiguous column name: ([^\s,]+)/ },
  { pattern: /unrecognized token: "((?:[^"]|"")+)"/ },
  { pattern: /wrong number of arguments to function ([A-Za-z_][\w]*)\(\)/ },
  { pattern: /misuse of aggregate(?: function)? ([A-Za-z_][\w]*)\(\)/ },
]

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** [start, end) of every string literal and comment; quoted identifiers are not among them (names live there). */
function literalRanges(sql: string): [number, number][] {
  const ranges: [number, number][] = []
  let i = 0
  while (i < sql.length) {
    const next = skipOpaque(sql, i)
    if (next === i) {
      i++
      continue
    }
    if (!/["`[]/.test(sql[i]!)) ranges.push([i, next])
    i = next
  }
  return ranges
}

/** The first occurrence of a token outside strings and comments, case-insensitive, on word boundaries. */
function findToken(sql: string, token: string): number {
  const head = /^\w/.test(token) ? '(?<![\\w$])' : ''
  const tail = /\w$/.test(token) ? '(?![\\w$])' : ''
  const re = new RegExp(`${head}${escapeRegExp(token)}${tail}`, 'gi')
  const literals = literalRanges(sql)
  for (const m of sql.matchAll(re)) {
    if (!literals.some(([a, b]) => m.index >= a && m.index < b)) return m.index
  }
  return -1
}

/** Where in `sql` SQLite's message points: [start, end) offsets, or null when it names nothing findable. */
export function errorRange(sql: string, message: string): { start: number; end: number } | null {
  if (/incomplete input/.test(message)) {
    const end = sql.trimEnd().length
    return { start: Math.max(0, end - 1), end }
  }
  for (const { pattern } of POINTERS) {
    const m = pattern.exec(message)
    if (!m) continue
    const token = m[1]!.replace(/""/g, '"')
    let at = findToken(sql, token)
    let length = token.length
    if (at === -1 && token.includes('.')) {
      // "no such column: t.x" where the SQL wrote t . x or "t"."x": point at the column
      const last = token.slice(token.lastIndexOf('.') + 1)
      at = findToken(sql, last)
      length = last.length
    }
    if (at !== -1) return { start: at, end: at + length }
  }
  return null
}
