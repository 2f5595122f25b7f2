// Reads a DuckDB database's structure into the shared Schema, from DuckDB's catalog functions (duckdb_tables(),
// duckdb_views(), duckdb_columns(), duckdb_constraints(), duckdb_indexes()). Tables outside the `main` schema
// are named `schema.table`, the form a query uses for them. Counting a DuckDB table is cheap (columnar storage
// keeps row counts), so table counts are exact; views are counted only when that is cheap too (see CountableView).
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { DuckDBConnection, Json } from '@duckdb/node-api'
import type { Column, ForeignKey, Index, Schema, SqlValue, Table } from '../../../../shared/schema'
import { DEFAULT_SAMPLE_VALUES, SAMPLE_MAX_CHARS, SAMPLE_SCAN_ROWS, quoteIdent } from '../introspect'
import { truncateSample } from '../values'
import { encodeDuckDbValue } from './values'

export interface DuckDbIntrospectOptions {
  sampleValues?: number
  /** Views (by name in `main`) that read a data file: sampled like tables, and counted when `countable`. */
  dataViews?: Map<string, { countable: boolean }>
}

type Row = Record<string, Json>

async function rowsOf(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql)
  return reader.getRowObjectsJson() as Row[]
}

interface CatalogObject {
  schema: string
  name: string
  kind: 'table' | 'view'
  oid: number
  sql: string | null
}

function displayName(schema: string, name: string): string {
  return schema === 'main' ? name : `${schema}.${name}`
}

function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`
}

const key = (schema: string, name: string): string => `${schema}\u0000${name}`

function strings(value: Json): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : []
}

/** duckdb_indexes().expressions is the list as text, e.g. `[x, "odd name", '(lower(y))']`. */
export function indexExpressions(text: string | null): string[] {
  if (!text) return []
  const inner = text.trim().replace(/^\[/u, '').replace(/\]$/u, '')
  const parts: string[] = []
  let depth = 0
  let quote: string | null = null
  let current = ''
  for (const ch of inner) {
    if (quote) {
      if (ch === quote) quote = null
    } else if (ch === '"' || ch === "'") quote = ch
    else if (ch === '(') depth++
    else if (ch === ')') depth--
    else if (depth === 0 && ch === ',') {
      parts.push(current.trim())
      current = ''
      continue
    }
    current += ch
  }
  if (current.trim()) parts.push(current.trim())
  return parts.map((p) => {
    if (/^"(?:[^"]|"")*"$/u.test(p)) return p.slice(1, -1).replace(/""/g, '"')
    // an expression is listed as a string literal of its text, in parentheses: '(lower(n))'
    if (/^'(?:[^']|'')*'$/u.test(p)) return unwrapParens(p.slice(1, -1).replace(/''/g, "'"))
    return p
  })
}

/** `(lower(n))` → `lower(n)`, but `(a) + (b)` stays: only parentheses that enclose the whole text go. */
function unwrapParens(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) return text
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++
    else if (text[i] === ')') depth--
    if (depth === 0 && i < text.length - 1) return text
  }
  return text.slice(1, -1)
}

export async function introspectDuckDb(connection: DuckDBConnection, opts: DuckDbIntrospectOptions = {}): Promise<Schema> {
  const start = performance.now()
  const sampleCount = Math.max(0, Math.floor(opts.sampleValues ?? DEFAULT_SAMPLE_VALUES))
  const here = 'database_name = current_database()'
  const [tableRows, viewRows, columnRows, constraintRows, indexRows] = [
    await rowsOf(connection, `SELECT schema_name, table_name, table_oid, sql FROM duckdb_tables() WHERE ${here} AND NOT internal AND NOT temporary`),
    await rowsOf(connection, `SELECT schema_name, view_name, view_oid, sql FROM duckdb_views() WHERE ${here} AND NOT internal AND NOT temporary`),
    await rowsOf(
      connection,
      `SELECT schema_name, table_name, column_name, data_type, column_default, is_nullable FROM duckdb_columns() WHERE ${here} AND NOT internal ORDER BY table_oid, column_index`,
    ),
    await rowsOf(
      connection,
      `SELECT schema_name, table_name, constraint_type, constraint_name, constraint_column_names, referenced_table, referenced_column_names
       FROM duckdb_constraints() WHERE ${here} AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE') ORDER BY table_oid, constraint_index`,
    ),
    await rowsOf(connection, `SELECT schema_name, table_name, index_name, is_unique, expressions, sql FROM duckdb_indexes() WHERE ${here} ORDER BY index_oid`),
  ]

  const objects: CatalogObject[] = [
    ...tableRows.map((r) => ({ schema: String(r.schema_name), name: String(r.table_name), kind: 'table' as const, oid: Number(r.table_oid), sql: (r.sql as string | null) ?? null })),
    ...viewRows.map((r) => ({ schema: String(r.schema_name), name: String(r.view_name), kind: 'view' as const, oid: Number(r.view_oid), sql: (r.sql as string | null) ?? null })),
  ]
  // DuckDB's catalog order (creation order in the session that made them; a reopened file numbers them anew).
  objects.sort((a, b) => a.oid - b.oid)

  const columnsOf = new Map<string, Column[]>()
  for (const r of columnRows) {
    const k = key(String(r.schema_name), String(r.table_name))
    const list = columnsOf.get(k) ?? []
    list.push({
      name: String(r.column_name),
      type: String(r.data_type ?? ''),
      notNull: r.is_nullable === false,
      defaultValue: r.column_default === null || r.column_default === undefined ? null : String(r.column_default),
      primaryKey: 0,
      samples: [],
    })
    columnsOf.set(k, list)
  }

  const foreignKeysOf = new Map<string, ForeignKey[]>()
  const indexesOf = new Map<string, Index[]>()
  for (const r of constraintRows) {
    const schema = String(r.schema_name)
    const k = key(schema, String(r.table_name))
    const cols = strings(r.constraint_column_names)
    if (r.constraint_type === 'PRIMARY KEY') {
      const columns = columnsOf.get(k) ?? []
      cols.forEach((name, i) => {
        const col = columns.find((c) => c.name === name)
        if (col) col.primaryKey = i + 1
      })
    }
    if (r.constraint_type === 'FOREIGN KEY') {
      const list = foreignKeysOf.get(k) ?? []
      list.push({ columns: cols, refTable: displayName(schema, String(r.referenced_table)), refColumns: strings(r.referenced_column_names) })
      foreignKeysOf.set(k, list)
    } else {
      // The indexes behind PRIMARY KEY and UNIQUE, as SQLite lists its automatic ones (no CREATE statement).
      const list = indexesOf.get(k) ?? []
      const pk = r.constraint_type === 'PRIMARY KEY'
      list.push({ name: String(r.constraint_name ?? ''), unique: true, columns: cols, origin: pk ? 'pk' : 'u', partial: false })
      indexesOf.set(k, list)
    }
  }
  for (const r of indexRows) {
    const k = key(String(r.schema_name), String(r.table_name))
    const list = indexesOf.get(k) ?? []
    const index: Index = { name: String(r.index_name), unique: r.is_unique === true, columns: indexExpressions(r.expressions as string | null), origin: 'c', partial: false }
    if (typeof r.sql === 'string') index.sql = r.sql
    list.push(index)
    indexesOf.set(k, list)
  }

  const tables: Table[] = []
  for (const o of objects) {
    const k = key(o.schema, o.name)
    const dataView = o.kind === 'view' && o.schema === 'main' ? opts.dataViews?.get(o.name) : undefined
    const table: Table = {
      name: displayName(o.schema, o.name),
      kind: o.kind,
      columns: columnsOf.get(k) ?? [],
      foreignKeys: foreignKeysOf.get(k) ?? [],
      indexes: indexesOf.get(k) ?? [],
      triggers: [],
      rowCount: null,
      rowCountExact: false,
      sql: o.sql,
    }
    // A view's query could be a join or aggregate over big tables: only the views over a data file are read here.
    if (o.kind === 'table' || dataView) await sampleColumns(connection, qualified(o.schema, o.name), table.columns, sampleCount)
    if (o.kind === 'table' || dataView?.countable) {
      try {
        const [row] = await rowsOf(connection, `SELECT count(*) AS n FROM ${qualified(o.schema, o.name)}`)
        table.rowCount = Number(row.n)
        table.rowCountExact = true
      } catch {
        // A file that went away or became unreadable since it was opened: the table is still listed.
      }
    }
    tables.push(table)
  }

  const fingerprint = createHash('sha256')
    .update(
      [
        ...objects.map((o) => `${o.kind}\u0000${displayName(o.schema, o.name)}\u0000${o.sql ?? ''}`),
        ...indexRows.map((r) => `index\u0000${String(r.index_name)}\u0000${String(r.sql ?? '')}`),
      ]
        .sort()
        .join('\u0001'),
    )
    .digest('hex')
  return { fingerprint, engine: 'duckdb', tables, introspectionMs: Math.round((performance.now() - start) * 10) / 10 }
}

/** The sample expression for a column: text is cut in SQL, a BLOB is only its length, nested values their text. */
function sampleExpression(column: Column): string {
  const q = quoteIdent(column.name)
  const type = column.type.toUpperCase()
  if (type === 'BLOB' || type === 'BYTEA') return `octet_length(${q})`
  if (type === 'VARCHAR' || type.startsWith('VARCHAR(')) return `left(${q}, ${SAMPLE_MAX_CHARS + 1})`
  if (/[[\]]|^(STRUCT|MAP|UNION|JSON|VARIANT)/u.test(type)) return `left(CAST(${q} AS VARCHAR), ${SAMPLE_MAX_CHARS + 1})`
  return q
}

/** Fills each column's samples from the table's first rows: distinct non-null values, never a full scan. */
async function sampleColumns(connection: DuckDBConnection, from: string, columns: Column[], n: number): Promise<void> {
  if (n === 0 || columns.length === 0) return
  let rows
  try {
    const reader = await connection.runAndReadAll(`SELECT ${columns.map(sampleExpression).join(', ')} FROM ${from} LIMIT ${SAMPLE_SCAN_ROWS}`)
    rows = reader.getRows()
  } catch {
    // Samples are a convenience: a table that cannot be read still appears without them.
    return
  }
  const seen = columns.map(() => new Set<string>())
  for (const row of rows) {
    columns.forEach((column, i) => {
      if (column.samples.length >= n || row[i] === null) return
      const isBlob = /^(BLOB|BYTEA)$/iu.test(column.type)
      const encoded = encodeDuckDbValue(row[i])
      const value: SqlValue = isBlob ? { $blob: Number(encoded) } : truncateSample(encoded, SAMPLE_MAX_CHARS)
      const id = typeof value === 'object' && value !== null ? JSON.stringify(value) : `${typeof value}:${String(value)}`
      if (seen[i].has(id)) return
      seen[i].add(id)
      column.samples.push(value)
    })
  }
}
