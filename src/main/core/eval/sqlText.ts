// Text-level SQL rewrites the official execution-accuracy rules apply before running anything. They work on a
// light lexer (string literals, quoted identifiers and comments are opaque) so a DISTINCT inside a string value
// or an identifier is never touched.

type Piece = { kind: 'code' | 'opaque'; text: string }

/** Splits SQL into code and opaque runs ('…', "…", `…`, […], -- and /* comments). Unterminated runs stay opaque. */
function splitOpaque(sql: string): Piece[] {
  const pieces: Piece[] = []
  let code = ''
  let i = 0
  const flushCode = (): void => {
    if (code) pieces.push({ kind: 'code', text: code })
    code = ''
  }
  while (i < sql.length) {
    const ch = sql[i]
    const next = sql[i + 1]
    let end = -1
    if (ch === "'" || ch === '"' || ch === '`') {
      end = i + 1
      // A doubled quote is an escaped quote inside the literal.
      while (end < sql.length) {
        if (sql[end] === ch) {
          if (sql[end + 1] === ch) end += 2
          else break
        } else end++
      }
      end = Math.min(end + 1, sql.length)
    } else if (ch === '[') {
      const close = sql.indexOf(']', i + 1)
      end = close < 0 ? sql.length : close + 1
    } else if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i)
      end = nl < 0 ? sql.length : nl
    } else if (ch === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2)
      end = close < 0 ? sql.length : close + 2
    }
    if (end < 0) {
      code += ch
      i++
      continue
    }
    flushCode()
    pieces.push({ kind: 'opaque', text: sql.slice(i, end) })
    i = end
  }
  flushCode()
  return pieces
}

function mapCode(sql: string, fn: (code: string) => string): string {
  return splitOpaque(sql)
    .map((p) => (p.kind === 'code' ? fn(p.text) : p.text))
    .join('')
}

/** Removes the DISTINCT keyword wherever it is a keyword (as the official evaluation does by default). */
export function stripDistinct(sql: string): string {
  return mapCode(sql, (code) => code.replace(/(?<![\w$])distinct(?![\w$])/gi, ''))
}

/** The official post-processing: "> =" written with a space is still ">=" (the Spider tokenizer splits them). */
export function joinSplitComparisons(sql: string): string {
  return mapCode(sql, (code) => code.replace(/([<>!])\s+=/g, '$1='))
}

/** Gold results are compared as ordered lists exactly when the gold SQL sorts (ORDER BY anywhere in it). */
export function hasOrderBy(sql: string): boolean {
  return splitOpaque(sql).some((p) => p.kind === 'code' && /(?<![\w$])order\s+by(?![\w$])/i.test(p.text))
}

/** SQLite's hint when a double-quoted word names no column (builds without the legacy DQS behaviour). */
const DQS_HINT = /no such column: "((?:[^"]|"")*)" - should this be a string literal in single-quotes\?/

/**
 * Spider writes string values in double quotes, which SQLite used to read as strings when no column had that
 * name ("DQS"); the official evaluation relies on it but our SQLite build turns it off. Given the error such a
 * word causes, returns the SQL with that word as a single-quoted literal — the value legacy SQLite would have
 * used — or null when the error is something else.
 */
export function requoteFromDqsError(sql: string, errorMessage: string): string | null {
  const m = DQS_HINT.exec(errorMessage)
  if (!m) return null
  const word = m[1]
  let changed = false
  const out = splitOpaque(sql)
    .map((p) => {
      if (p.kind !== 'opaque' || !p.text.startsWith('"') || !p.text.endsWith('"') || p.text.length < 2) return p.text
      const inner = p.text.slice(1, -1).replace(/""/g, '"')
      if (inner !== word && p.text.slice(1, -1) !== word) return p.text
      changed = true
      return `'${inner.replace(/'/g, "''")}'`
    })
    .join('')
  return changed ? out : null
}
