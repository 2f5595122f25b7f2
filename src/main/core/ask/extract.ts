// Finding the SQL in what a model wrote: code fences, leading prose, "SQL:" labels, trailing explanations,
// several statements (the first one wins).

/** The label of a Struct-SQL plan line; a plan-trained student writes one before its SQL, and it is not SQL. */
export const PLAN_PREFIX = 'plan:'
const PLAN_LINE = /^[ \t]*--[ \t]*plan:[^\n]*(?:\n|$)/gim

const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n?([\s\S]*?)(?:```|$)/g
const SQL_START = /\b(SELECT|WITH)\b/i
const LABEL = /^\s*(?:SQL(?:ite)?(?:\s+query)?|Query|Answer|Corrected SQL)\s*:\s*/i
// A line that starts like English rather than SQL ends the statement.
const PROSE_LINE =
  /^\s*(?:This|That|These|The|Here|Note|Explanation|It|In this|I |I'|We |You |Please|Hope|Let me|Output|Result|Answer|Question|--\s*Question)\b/i

/** Index just past the first statement: the first semicolon outside strings, identifiers and comments. */
function statementEnd(sql: string): number {
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]
    if (ch === "'" || ch === '"' || ch === '`') {
      const close = sql.indexOf(ch, i + 1)
      if (close < 0) return sql.length
      i = close + 1
      continue
    }
    if (ch === '[') {
      const close = sql.indexOf(']', i + 1)
      if (close < 0) return sql.length
      i = close + 1
      continue
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      if (nl < 0) return sql.length
      i = nl + 1
      continue
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      if (close < 0) return sql.length
      i = close + 2
      continue
    }
    if (ch === ';') return i
    i++
  }
  return sql.length
}

function cutTrailingProse(text: string): string {
  const lines = text.split('\n')
  const kept: string[] = []
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]
    if (k > 0 && PROSE_LINE.test(line)) break
    // A blank line followed by something that is not SQL continuing ends it too.
    if (k > 0 && line.trim() === '') {
      const next = lines.slice(k + 1).find((l) => l.trim() !== '')
      if (!next || PROSE_LINE.test(next) || !/^\s*(?:FROM|WHERE|JOIN|LEFT|INNER|GROUP|ORDER|HAVING|LIMIT|UNION|AND|OR|ON|\)|,)/i.test(next)) break
    }
    kept.push(line)
  }
  return kept.join('\n')
}

function finish(candidate: string): string | null {
  let text = candidate.replace(LABEL, '')
  const start = text.search(SQL_START)
  if (start < 0) return null
  text = text.slice(start)
  text = text.slice(0, statementEnd(text))
  text = cutTrailingProse(text)
  // Trailing line comments add nothing and would swallow anything appended later (e.g. a LIMIT).
  text = text.replace(/(?:\s*--[^\n]*)+\s*$/, '')
  text = text.trim()
  return text.length > 0 && SQL_START.test(text.slice(0, 6)) ? text : null
}

/**
 * Extracts the first SQL query from model output, or null when there is none. With `prefix` (text the prompt
 * already forced the answer to start with), the output is read as its continuation.
 */
export function extractSql(output: string, prefix = ''): string | null {
  // A plan line names SELECT/WHERE steps in words close to SQL: drop it before looking for the query.
  const text = (prefix + output).replace(PLAN_LINE, '')
  const fences = [...text.matchAll(FENCE)]
  // Prefer a fence labelled sql, then any fence that holds a query.
  const ordered = [
    ...fences.filter((m) => /^(sql|sqlite)$/i.test(m[1])),
    ...fences.filter((m) => !/^(sql|sqlite)$/i.test(m[1])),
  ]
  for (const m of ordered) {
    const sql = finish(m[2])
    if (sql) return sql
  }
  return finish(text.replace(/```[A-Za-z]*/g, ''))
}
