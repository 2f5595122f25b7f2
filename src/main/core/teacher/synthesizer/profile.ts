// What the synthesizer knows about the data: per column its kind and a few real, frequent values (read from the
// database itself, on a bounded scan), and the single-column foreign-key edges it can join along.
import type Database from 'better-sqlite3'
import { SqlstillError } from '../../../../shared/errors'
import type { QueryOptions, QueryResult } from '../../../../shared/query'
import type { Schema, SqlValue, Table } from '../../../../shared/schema'
import { primaryKeyColumns } from '../../../../shared/schema'
import { runQuery } from '../../db'
import { sqlIdent } from './plan'

/** Anything that runs one read-only statement: a DatabaseHandle, or inProcessExecutor(db). */
export interface SqlExecutor {
  query(sql: string, opts?: QueryOptions): QueryResult | Promise<QueryResult>
}

/**
 * Runs statements in this process (fast for bulk synthesis). better-sqlite3 cannot interrupt a statement, so the
 * time limit is checked after the fact: a slow statement is reported as TIMEOUT, but only once it finished. Use a
 * DatabaseHandle (openDatabase) where a runaway statement must really be stopped.
 */
export function inProcessExecutor(db: Database.Database): SqlExecutor {
  return {
    query(sql, opts = {}) {
      const result = runQuery(db, sql, { maxRows: opts.maxRows })
      if (opts.timeoutMs !== undefined && result.elapsedMs > opts.timeoutMs) {
        throw new SqlstillError('TIMEOUT', `The query took ${result.elapsedMs} ms, over the ${opts.timeoutMs} ms limit.`)
      }
      return result
    },
  }
}

export type ColumnKind = 'key' | 'number' | 'text' | 'date' | 'other'

export interface ColumnProfile {
  table: string
  name: string
  kind: ColumnKind
  /** Distinct non-null values in the scanned rows. */
  distinct: number
  /** The most frequent non-null values (short, single-line ones only), most frequent first. */
  values: (string | number)[]
  min: number | string | null
  max: number | string | null
}

export interface TableProfile {
  name: string
  rowCount: number
  columns: ColumnProfile[]
  /** The column that best names a row (name, title…), or the primary key. */
  label: string
  primaryKey: string[]
}

/** child.column → parent.refColumn; `self` when a table refers to itself (employees.reports_to). */
export interface FkEdge {
  child: string
  column: string
  parent: string
  refColumn: string
}

export interface DbProfile {
  tables: TableProfile[]
  edges: FkEdge[]
}

const SCAN_ROWS = 5000
const TOP_VALUES = 30
const MAX_VALUE_CHARS = 40
const DATE_RE = /^\d{4}-\d{2}-\d{2}/

function scalar(v: SqlValue): string | number | null {
  if (v === null) return null
  if (typeof v === 'number' || typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  if ('$bigint' in v) return Number(v.$bigint)
  return null
}

export async function profileDatabase(
  schema: Schema,
  db: SqlExecutor,
  opts: { tables?: string[]; timeoutMs?: number } = {},
): Promise<DbProfile> {
  const wanted = opts.tables?.map((t) => t.toLowerCase())
  const tables = schema.tables.filter(
    (t) => t.kind === 'table' && (!wanted || wanted.includes(t.name.toLowerCase())),
  )
  if (wanted) {
    const missing = wanted.filter((w) => !tables.some((t) => t.name.toLowerCase() === w))
    if (missing.length > 0) {
      throw new SqlstillError('BAD_REQUEST', `These tables are not in the database: ${missing.join(', ')}.`)
    }
  }
  const profiles: TableProfile[] = []
  for (const table of tables) {
    const p = await profileTable(table, db, opts.timeoutMs ?? 5000)
    if (p.rowCount > 0) profiles.push(p)
  }
  const names = new Set(profiles.map((p) => p.name))
  const edges: FkEdge[] = []
  for (const t of tables) {
    for (const fk of t.foreignKeys) {
      if (fk.columns.length !== 1) continue
      const parent = schema.tables.find((x) => x.name.toLowerCase() === fk.refTable.toLowerCase())
      if (!parent || !names.has(t.name) || !names.has(parent.name)) continue
      const refColumn = fk.refColumns[0] ?? primaryKeyColumns(parent)[0]
      if (!refColumn || !parent.columns.some((c) => c.name.toLowerCase() === refColumn.toLowerCase())) continue
      if (!t.columns.some((c) => c.name === fk.columns[0])) continue
      const canonical = parent.columns.find((c) => c.name.toLowerCase() === refColumn.toLowerCase())!.name
      edges.push({ child: t.name, column: fk.columns[0], parent: parent.name, refColumn: canonical })
    }
  }
  return { tables: profiles, edges }
}

async function profileTable(table: Table, db: SqlExecutor, timeoutMs: number): Promise<TableProfile> {
  const t = sqlIdent(table.name)
  // derived tables are aliased: PostgreSQL before 16 requires it, and SQLite and DuckDB accept it
  const countRes = await db.query(`SELECT count(*) FROM (SELECT 1 FROM ${t} LIMIT ${SCAN_ROWS * 20}) AS scanned`, { timeoutMs })
  const rowCount = Number(scalar(countRes.rows[0][0]) ?? 0)
  const fkCols = new Set(table.foreignKeys.flatMap((f) => f.columns))
  const columns: ColumnProfile[] = []
  for (const col of table.columns) {
    if (col.hidden) continue
    const c = sqlIdent(col.name)
    const scan = `(SELECT ${c} AS v FROM ${t} LIMIT ${SCAN_ROWS}) AS scanned`
    let distinctRaw: SqlValue = 0
    let minRaw: SqlValue = null
    let maxRaw: SqlValue = null
    let topRows: SqlValue[][] = []
    try {
      const stats = await db.query(`SELECT count(DISTINCT v), min(v), max(v) FROM ${scan} WHERE v IS NOT NULL`, { timeoutMs })
      ;[distinctRaw, minRaw, maxRaw] = stats.rows[0]
      const top = await db.query(
        `SELECT v, count(*) AS n FROM ${scan} WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ${TOP_VALUES}`,
        { timeoutMs },
      )
      topRows = top.rows
    } catch (err) {
      // A type the engine cannot order or compare (PostgreSQL: min(boolean), json) is profiled as "other", no
      // values: the synthesizer simply does not filter on it. Anything else (a timeout, a lost server) is real.
      if (!(err instanceof SqlstillError) || err.code !== 'SQL_ERROR') throw err
    }
    const values = topRows
      .map((r) => scalar(r[0]))
      .filter((v): v is string | number => v !== null)
      .filter((v) => typeof v === 'number' || (v.length > 0 && v.length <= MAX_VALUE_CHARS && !/[\n\r\t]/.test(v) && v.trim().length > 0))
    const isKey = col.primaryKey > 0 || fkCols.has(col.name) || /(^id$|_id$|[a-z]Id$|ID$)/.test(col.name)
    let kind: ColumnKind = 'other'
    if (isKey) kind = 'key'
    else if (values.length > 0 && values.every((v) => typeof v === 'number')) kind = 'number'
    else if (values.length > 0 && values.every((v) => typeof v === 'string' && DATE_RE.test(v))) kind = 'date'
    else if (values.length > 0 && values.every((v) => typeof v === 'string')) kind = 'text'
    columns.push({
      table: table.name,
      name: col.name,
      kind,
      distinct: Number(scalar(distinctRaw) ?? 0),
      values,
      min: scalar(minRaw),
      max: scalar(maxRaw),
    })
  }
  return { name: table.name, rowCount, columns, label: pickLabel(table, columns), primaryKey: primaryKeyColumns(table) }
}

function pickLabel(table: Table, columns: ColumnProfile[]): string {
  const text = columns.filter((c) => c.kind === 'text')
  const named = text.find((c) => /(^|_|\b)(name|title)$/i.test(c.name) || /name$|title$/i.test(c.name))
  if (named) return named.name
  const distinctive = [...text].sort((a, b) => b.distinct - a.distinct)[0]
  if (distinctive) return distinctive.name
  return primaryKeyColumns(table)[0] ?? columns[0]?.name ?? table.columns[0].name
}
