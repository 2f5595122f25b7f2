// Schema-aware completion for the SQL editor: table names, column names (qualified by table or alias after
// a dot), and common keywords. The active database's schema is set from the app; one provider serves all.
import type { Schema, Table } from '../../../shared/schema'
import { monaco } from '../monaco'

const KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP BY', 'ORDER BY', 'HAVING', 'LIMIT', 'OFFSET', 'JOIN', 'LEFT JOIN', 'INNER JOIN',
  'CROSS JOIN', 'ON', 'USING', 'AS', 'DISTINCT', 'AND', 'OR', 'NOT', 'IN', 'IS NULL', 'IS NOT NULL', 'LIKE', 'GLOB',
  'BETWEEN', 'EXISTS', 'UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'WITH',
  'RECURSIVE', 'ASC', 'DESC', 'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'TOTAL', 'GROUP_CONCAT', 'COALESCE', 'IFNULL',
  'NULLIF', 'CAST', 'ROUND', 'ABS', 'LENGTH', 'LOWER', 'UPPER', 'SUBSTR', 'TRIM', 'REPLACE', 'DATE', 'TIME',
  'DATETIME', 'STRFTIME', 'JULIANDAY', 'OVER', 'PARTITION BY', 'ROW_NUMBER', 'RANK', 'DENSE_RANK',
]

let schema: Schema | null = null
let registered = false

function ident(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.startsWith('`') || name.startsWith('[') ? name.slice(1, -1) : name
}

/** alias (lowercased) → table, from `FROM t a`, `JOIN t AS a` and plain `FROM t`. */
function aliases(text: string, tables: Table[]): Map<string, Table> {
  const byName = new Map(tables.map((t) => [t.name.toLowerCase(), t]))
  const out = new Map<string, Table>()
  const re = /\b(?:from|join)\s+("[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+)(?:\s+(?:as\s+)?([\w$]+))?/gi
  for (const m of text.matchAll(re)) {
    const table = byName.get(unquote(m[1]!).toLowerCase())
    if (!table) continue
    out.set(table.name.toLowerCase(), table)
    const alias = m[2]?.toLowerCase()
    if (alias && !/^(where|on|using|join|left|inner|cross|natural|group|order|limit|union|natural|outer)$/.test(alias)) out.set(alias, table)
  }
  return out
}

export function setCompletionSchema(next: Schema | null): void {
  schema = next
  if (registered) return
  registered = true
  monaco.languages.registerCompletionItemProvider('sql', {
    triggerCharacters: ['.'],
    provideCompletionItems(model, position) {
      const word = model.getWordUntilPosition(position)
      const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn)
      const before = model.getValueInRange(new monaco.Range(position.lineNumber, 1, position.lineNumber, word.startColumn))
      const Kind = monaco.languages.CompletionItemKind
      const tables = schema?.tables ?? []

      const qualifier = /("[^"]+"|[\w$]+)\.$/.exec(before)
      if (qualifier) {
        const table = aliases(model.getValue(), tables).get(unquote(qualifier[1]!).toLowerCase())
        if (!table) return { suggestions: [] }
        return {
          suggestions: table.columns.map((c) => ({
            label: c.name,
            kind: Kind.Field,
            detail: `${c.type || 'untyped'}${c.primaryKey ? ' · PK' : ''}`,
            insertText: ident(c.name),
            range,
          })),
        }
      }

      const suggestions: monaco.languages.CompletionItem[] = tables.map((t) => ({
        label: t.name,
        kind: t.kind === 'view' ? Kind.Interface : Kind.Class,
        detail: t.kind === 'view' ? 'view' : `table${t.rowCount !== null ? ` · ${t.rowCount} rows` : ''}`,
        insertText: ident(t.name),
        range,
        sortText: `1${t.name}`,
      }))
      // Columns of the tables the statement mentions come first; then every column, so typing still helps early.
      const mentioned = new Set(aliases(model.getValue(), tables).values())
      const column = (t: Table, c: Table['columns'][number], rank: string): monaco.languages.CompletionItem => ({
        label: { label: c.name, description: t.name },
        kind: Kind.Field,
        detail: `${t.name}.${c.name} ${c.type}`,
        insertText: ident(c.name),
        range,
        sortText: `${rank}${c.name}`,
      })
      const mentionedColumns = new Set<string>()
      for (const t of mentioned) {
        for (const c of t.columns) {
          if (mentionedColumns.has(c.name)) continue
          mentionedColumns.add(c.name)
          suggestions.push(column(t, c, '0'))
        }
      }
      for (const t of tables) {
        if (mentioned.has(t)) continue
        for (const c of t.columns) if (!mentionedColumns.has(c.name)) suggestions.push(column(t, c, '2'))
      }
      for (const k of KEYWORDS) suggestions.push({ label: k, kind: Kind.Keyword, insertText: k, range, sortText: `3${k}` })
      return { suggestions }
    },
  })
}
