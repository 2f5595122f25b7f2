// Every table and column the SQL names must exist. SQLite's compile catches most unknown names and we report
// the one it names; the schema check adds what a compile against a different copy of the database would miss
// (qualified alias.column references resolved through FROM/JOIN aliases, quoted names).
import type { Schema } from '../../../../shared/schema'
import { tokenizeSql, type SqlToken } from './statement'
import { fail, PASS, type FilterDb, type Verdict } from './verdict'

const NOT_ALIAS = new Set([
  'where', 'join', 'inner', 'left', 'right', 'full', 'cross', 'natural', 'outer', 'on', 'using', 'group', 'order', 'limit',
  'having', 'union', 'intersect', 'except', 'window', 'as', 'select', 'from', 'offset', 'indexed', 'not',
])

function isName(t: SqlToken | undefined): t is SqlToken {
  return !!t && (t.kind === 'ident' || t.kind === 'quoted')
}

/** Unknown identifiers found against the Schema alone (no database needed). */
export function unknownIdentifiers(sql: string, schema: Schema): string[] {
  const tokens = tokenizeSql(sql)
  const tables = new Map(schema.tables.map((t) => [t.name.toLowerCase(), t]))
  const ctes = new Set<string>()
  const aliases = new Map<string, string | null>()
  const unknown: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    const lower = t.text.toLowerCase()
    // WITH name AS ( … ) and , name AS ( … )
    if (isName(t) && tokens[i + 1]?.text.toLowerCase() === 'as' && tokens[i + 2]?.text === '(') {
      const prev = tokens[i - 1]?.text.toLowerCase()
      if (prev === 'with' || prev === ',' || prev === 'recursive') ctes.add(lower)
    }
    if (t.kind === 'ident' && (lower === 'from' || lower === 'join')) {
      let j = i + 1
      for (;;) {
        const name = tokens[j]
        if (!isName(name) || name.text === '(') break
        const tableName = name.text.toLowerCase()
        let next = j + 1
        if (tokens[next]?.text === '.' && isName(tokens[next + 1])) next += 2 // schema-qualified: main.t
        const qualifiedName = tokens[j + 1]?.text === '.' ? tokens[j + 2].text.toLowerCase() : tableName
        const known = tables.has(qualifiedName) || ctes.has(qualifiedName)
        if (!known) unknown.push(`table ${name.kind === 'quoted' ? `"${name.text}"` : name.text}`)
        aliases.set(qualifiedName, tables.has(qualifiedName) ? qualifiedName : null)
        let k = next
        if (tokens[k]?.text.toLowerCase() === 'as') k++
        if (isName(tokens[k]) && !NOT_ALIAS.has(tokens[k].text.toLowerCase())) {
          aliases.set(tokens[k].text.toLowerCase(), tables.has(qualifiedName) ? qualifiedName : null)
          k++
        }
        if (lower === 'from' && tokens[k]?.text === ',') {
          j = k + 1
          continue
        }
        break
      }
    }
  }
  // Subquery aliases (FROM (SELECT …) AS s) map to null: their columns are not checked.
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (isName(tokens[i]) && tokens[i + 1].text === '.' && (isName(tokens[i + 2]) || tokens[i + 2].text === '*')) {
      if (tokens[i - 1]?.text === '.') continue
      const q = tokens[i].text.toLowerCase()
      const col = tokens[i + 2].text
      if (col === '*') continue
      let tableName: string | null | undefined = aliases.get(q)
      if (tableName === undefined) {
        if (tables.has(q)) tableName = q
        else if (ctes.has(q) || q === 'main' || q === 'temp') continue
        else {
          unknown.push(`table or alias ${tokens[i].text}`)
          continue
        }
      }
      if (tableName === null) continue
      const table = tables.get(tableName)!
      if (!table.columns.some((c) => c.name.toLowerCase() === col.toLowerCase()) && col.toLowerCase() !== 'rowid') {
        unknown.push(`column ${tokens[i].text}.${col}`)
      }
    }
  }
  return [...new Set(unknown)]
}

/**
 * Passes when SQLite compiles the statement (so every name it uses exists) and the Schema knows every table and
 * qualified column. The reason names the unknown identifier.
 */
export async function identifiersExist(sql: string, schema: Schema, db?: FilterDb): Promise<Verdict> {
  if (db) {
    const compiled = await db.compile(sql)
    if (!compiled.ok) {
      const msg = compiled.error.message
      const m = /no such (table|column|function): ([^\s,]+)/i.exec(msg)
      if (m) return fail(`unknown ${m[1].toLowerCase()} ${m[2]}`)
      return fail(`does not compile: ${msg}`)
    }
  }
  const unknown = unknownIdentifiers(sql, schema)
  return unknown.length > 0 ? fail(`unknown ${unknown.join(', ')}`) : PASS
}
