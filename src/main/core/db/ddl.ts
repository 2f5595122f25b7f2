// Reads the few facts the pragmas do not give from the CREATE text in sqlite_schema: a partial index's WHERE
// and a trigger's timing and event. A small tokenizer rather than regular expressions, because names may be
// quoted and contain keywords ("where", "on"), and an index's column list may hold expressions with strings.
import type { TriggerTiming } from '../../../shared/schema'

interface Token {
  /** Upper-cased for bare words; the raw text for quoted names, strings and punctuation. */
  text: string
  bare: boolean
  start: number
  end: number
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? sql.length : nl + 1
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? sql.length : close + 2
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const closeChar = c === '[' ? ']' : c
      let j = i + 1
      for (;;) {
        const k = sql.indexOf(closeChar, j)
        if (k < 0) {
          j = sql.length
          break
        }
        // a doubled quote is an escaped one (not for [brackets], which cannot be escaped)
        if (closeChar !== ']' && sql[k + 1] === closeChar) {
          j = k + 2
          continue
        }
        j = k + 1
        break
      }
      tokens.push({ text: sql.slice(i, j), bare: false, start: i, end: j })
      i = j
    } else if (/[\p{L}\p{N}_$]/u.test(c)) {
      let j = i + 1
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql[j]!)) j++
      tokens.push({ text: sql.slice(i, j).toUpperCase(), bare: true, start: i, end: j })
      i = j
    } else {
      tokens.push({ text: c, bare: false, start: i, end: i + 1 })
      i++
    }
  }
  return tokens
}

/** The condition of `CREATE INDEX … ON t (…) WHERE cond`, or undefined when the index is not partial. */
export function partialIndexWhere(sql: string | null | undefined): string | undefined {
  if (!sql) return undefined
  const tokens = tokenize(sql)
  let depth = 0
  let sawColumns = false
  for (const t of tokens) {
    if (t.text === '(') depth++
    else if (t.text === ')') {
      depth--
      if (depth === 0) sawColumns = true
    } else if (depth === 0 && sawColumns && t.bare && t.text === 'WHERE') {
      const condition = sql.slice(t.end).trim().replace(/;\s*$/, '').trim()
      return condition || undefined
    }
  }
  return undefined
}

/** `CREATE [TEMP] TRIGGER [IF NOT EXISTS] [schema.]name [BEFORE|AFTER|INSTEAD OF] event ON …`: timing and event. */
export function triggerTimingAndEvent(sql: string): { timing: TriggerTiming; event: string } {
  const tokens = tokenize(sql)
  let i = tokens.findIndex((t) => t.bare && t.text === 'TRIGGER') + 1
  if (i === 0) return { timing: 'BEFORE', event: '' }
  if (tokens[i]?.text === 'IF' && tokens[i + 1]?.text === 'NOT' && tokens[i + 2]?.text === 'EXISTS') i += 3
  i++ // the name…
  if (tokens[i]?.text === '.') i += 2 // …or schema.name
  // SQLite's default timing, when none is written, is BEFORE.
  let timing: TriggerTiming = 'BEFORE'
  const word = tokens[i]?.text
  if (word === 'BEFORE' || word === 'AFTER') {
    timing = word
    i++
  } else if (word === 'INSTEAD' && tokens[i + 1]?.text === 'OF') {
    timing = 'INSTEAD OF'
    i += 2
  }
  const event = tokens[i]?.text ?? ''
  if (event === 'UPDATE' && tokens[i + 1]?.text === 'OF') {
    // UPDATE OF a, b ON t: keep the column list as written
    const on = tokens.findIndex((t, k) => k > i + 1 && t.bare && t.text === 'ON')
    const first = tokens[i + 2]
    if (first && on > 0) return { timing, event: `UPDATE OF ${sql.slice(first.start, tokens[on - 1]!.end).replace(/\s+/g, ' ')}` }
  }
  return { timing, event }
}
