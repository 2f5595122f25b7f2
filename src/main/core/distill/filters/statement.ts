// Text-level checks that need no database: one statement, and that statement only reads.
import { fail, PASS, type Verdict } from './verdict'

export type SqlToken = { kind: 'string' | 'ident' | 'quoted' | 'number' | 'punct'; text: string }

/** A small SQLite tokenizer: string literals, quoted identifiers ("x", `x`, [x]), words, numbers, punctuation. */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = []
  const re =
    /\s+|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+|<>|!=|<=|>=|==|\|\||[^\s]/gy
  let m: RegExpExecArray | null
  while ((m = re.exec(sql)) !== null) {
    const t = m[0]
    if (/^\s/.test(t) || t.startsWith('--') || t.startsWith('/*')) continue
    if (t.startsWith("'")) tokens.push({ kind: 'string', text: t })
    else if (t.startsWith('"') || t.startsWith('`')) tokens.push({ kind: 'quoted', text: t.slice(1, -1).replace(/""|``/g, (q) => q[0]) })
    else if (t.startsWith('[')) tokens.push({ kind: 'quoted', text: t.slice(1, -1) })
    else if (/^[A-Za-z_\u0080-\uffff]/.test(t)) tokens.push({ kind: 'ident', text: t })
    else if (/^[\d.]/.test(t) && t !== '.') tokens.push({ kind: 'number', text: t })
    else tokens.push({ kind: 'punct', text: t })
  }
  return tokens
}

const WRITE_WORDS = new Set(['insert', 'update', 'delete', 'replace', 'create', 'drop', 'alter', 'attach', 'detach', 'pragma', 'vacuum', 'reindex', 'analyze', 'begin', 'commit', 'rollback', 'savepoint', 'release'])

/** Only SELECT or WITH … SELECT, exactly one statement. */
export function onlySelect(sql: string): Verdict {
  if (typeof sql !== 'string' || sql.trim() === '') return fail('empty SQL')
  const tokens = tokenizeSql(sql)
  // A trailing `;` is fine; anything after a `;` is a second statement.
  const semis = tokens.map((t, i) => (t.kind === 'punct' && t.text === ';' ? i : -1)).filter((i) => i >= 0)
  const lastReal = tokens.length - 1 - [...tokens].reverse().findIndex((t) => !(t.kind === 'punct' && t.text === ';'))
  if (semis.some((i) => i < lastReal)) return fail('more than one statement')
  const words = tokens.filter((t) => t.kind === 'ident').map((t) => t.text.toLowerCase())
  const first = words[0]
  if (first !== 'select' && first !== 'with') return fail(`not a SELECT (starts with ${first ? first.toUpperCase() : 'nothing'})`)
  const writer = words.find((w) => WRITE_WORDS.has(w))
  if (writer) return fail(`contains ${writer.toUpperCase()}, so it is not a pure SELECT`)
  if (first === 'with' && !words.includes('select')) return fail('WITH without a SELECT')
  return PASS
}
