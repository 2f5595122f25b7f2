// Schema → CREATE TABLE text, in the shape strong text-to-SQL models are trained on (OmniSQL / Qwen2.5-Coder style):
// one column per line with its type, sample values as a trailing "-- example: [...]" comment, then the primary key
// and the foreign keys (with REFERENCES) as table constraints.
import type { Column, Schema, SqlValue, Table } from '../../../shared/schema'
import { primaryKeyColumns } from '../../../shared/schema'

export interface SerializeOptions {
  /** Sample values shown per column (0 hides them). Default 3. */
  samplesPerColumn?: number
  /** Longer string samples are cut to this many characters. Default 40. */
  maxSampleChars?: number
}

/** A table as the prompt shows it: possibly a subset of its columns. */
export interface TableView {
  table: Table
  /** Column names to show, in table order; undefined shows all. */
  columns?: string[]
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
// Keywords that would make an unquoted identifier ambiguous in a CREATE TABLE line.
const RESERVED = new Set(
  ('select from where group order by having limit join on as and or not null primary key foreign references ' +
    'table create index unique default check constraint values insert update delete into set case when then ' +
    'else end in is like between union all distinct exists')
    .split(' '),
)

export function quoteIdentifier(name: string): string {
  if (PLAIN_IDENTIFIER.test(name) && !RESERVED.has(name.toLowerCase())) return name
  return `"${name.replace(/"/g, '""')}"`
}

export function formatSample(value: SqlValue, maxChars = 40): string | null {
  if (value === null) return null
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'string') {
    const oneLine = value.replace(/\s+/g, ' ').trim()
    if (!oneLine) return null
    const cut = oneLine.length > maxChars ? `${oneLine.slice(0, maxChars)}…` : oneLine
    return `'${cut.replace(/'/g, "''")}'`
  }
  if ('$bigint' in value) return value.$bigint
  return null // BLOBs tell the model nothing
}

function columnLine(column: Column, opts: Required<SerializeOptions>): { def: string; comment: string } {
  const type = column.type.trim()
  const def = `  ${quoteIdentifier(column.name)}${type ? ` ${type}` : ''}`
  if (opts.samplesPerColumn <= 0) return { def, comment: '' }
  const shown: string[] = []
  for (const value of column.samples) {
    if (shown.length >= opts.samplesPerColumn) break
    const text = formatSample(value, opts.maxSampleChars)
    if (text !== null && !shown.includes(text)) shown.push(text)
  }
  return { def, comment: shown.length ? ` -- example: [${shown.join(', ')}]` : '' }
}

function withDefaults(opts: SerializeOptions = {}): Required<SerializeOptions> {
  return { samplesPerColumn: opts.samplesPerColumn ?? 3, maxSampleChars: opts.maxSampleChars ?? 40 }
}

export function serializeTable(view: TableView | Table, options?: SerializeOptions): string {
  const { table, columns: subset } = 'table' in view ? view : { table: view, columns: undefined }
  const opts = withDefaults(options)
  const keep = subset ? new Set(subset.map((c) => c.toLowerCase())) : null
  const columns = table.columns.filter((c) => !c.hidden && (!keep || keep.has(c.name.toLowerCase())))
  const kept = new Set(columns.map((c) => c.name.toLowerCase()))

  const entries: { def: string; comment: string }[] = columns.map((c) => columnLine(c, opts))
  const pk = primaryKeyColumns(table)
  if (pk.length && pk.every((c) => kept.has(c.toLowerCase()))) {
    entries.push({ def: `  PRIMARY KEY (${pk.map(quoteIdentifier).join(', ')})`, comment: '' })
  }
  for (const fk of table.foreignKeys) {
    if (!fk.columns.every((c) => kept.has(c.toLowerCase()))) continue
    const ref = fk.refColumns.length ? ` (${fk.refColumns.map(quoteIdentifier).join(', ')})` : ''
    entries.push({
      def: `  FOREIGN KEY (${fk.columns.map(quoteIdentifier).join(', ')}) REFERENCES ${quoteIdentifier(fk.refTable)}${ref}`,
      comment: '',
    })
  }
  // The comma belongs before the comment, and the last entry has none, so the text stays valid SQL.
  const lines = entries.map((e, i) => `${e.def}${i < entries.length - 1 ? ',' : ''}${e.comment}`)
  const keyword = table.kind === 'view' ? 'CREATE VIEW' : 'CREATE TABLE'
  return `${keyword} ${quoteIdentifier(table.name)} (\n${lines.join('\n')}\n);`
}

export function serializeTables(views: (TableView | Table)[], options?: SerializeOptions): string {
  return views.map((v) => serializeTable(v, options)).join('\n\n')
}

export function serializeSchema(schema: Schema, options?: SerializeOptions): string {
  return serializeTables(
    schema.tables.filter((t) => t.kind !== 'virtual' || t.columns.length > 0),
    options,
  )
}
