// Reads a database's structure into the shared Schema model. Every step is bounded so a 1 GB file or a
// 500-table schema stays cheap: rows are counted only up to a limit (beyond it the count is an estimate), and
// samples come from the first rows of each table, never from a full scan. A table that cannot be read (e.g. a
// virtual table whose module is missing) still appears, with what could be learned about it.
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type Database from 'better-sqlite3'
import type { Column, ForeignKey, Index, Schema, SqlValue, Table, TableKind, Trigger } from '../../../shared/schema'
import { partialIndexWhere, triggerTimingAndEvent } from './ddl'
import { encodeValue, truncateSample } from './values'

export interface IntrospectOptions {
  /** Distinct non-null sample values per column (default 3, 0 for none). */
  sampleValues?: number
}

export const DEFAULT_SAMPLE_VALUES = 3
/** Files up to this size get exact row counts for every table. */
export const SMALL_FILE_BYTES = 64 * 1024 * 1024
/** In bigger files: about this much of each table is read to count it, and at most EXACT_COUNT_LIMIT rows… */
export const COUNT_BYTES_PER_TABLE = 8 * 1024 * 1024
export const EXACT_COUNT_LIMIT = 200_000
/** …but never fewer than this; a table with more rows than the limit gets an estimate, rowCountExact: false. */
export const MIN_COUNT_LIMIT = 2_000
/** Rows read per table to find sample values. */
export const SAMPLE_SCAN_ROWS = 500
export const SAMPLE_MAX_CHARS = 60

interface TableListRow {
  schema: string
  name: string
  type: string
  ncol: number
  wr: number
}

interface XInfoRow {
  cid: number
  name: string
  type: string
  notnull: number
  dflt_value: string | null
  pk: number
  hidden: number
}

interface FkRow {
  id: number
  seq: number
  table: string
  from: string
  to: string | null
  on_update: string
  on_delete: string
}

interface IndexListRow {
  seq: number
  name: string
  unique: number
  origin: string
  partial: number
}

interface IndexInfoRow {
  seqno: number
  cid: number
  name: string | null
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function introspectSchema(db: Database.Database, opts: IntrospectOptions = {}): Schema {
  const start = performance.now()
  const sampleCount = Math.max(0, Math.floor(opts.sampleValues ?? DEFAULT_SAMPLE_VALUES))
  const q = prepareAll(db)

  const objects = q.schemaObjects.all() as { type: string; name: string; tbl_name: string; sql: string | null }[]
  // One pass over sqlite_schema gives every CREATE statement: tables' and views' DDL, index text (for a partial
  // index's WHERE, which no pragma reports) and the triggers grouped by the table they are on.
  const createSql = new Map<string, string | null>()
  const indexSql = new Map<string, string>()
  const triggersByTable = new Map<string, Trigger[]>()
  for (const o of objects) {
    if (o.type === 'table' || o.type === 'view') createSql.set(o.name, o.sql)
    else if (o.type === 'index' && o.sql) indexSql.set(o.name, o.sql)
    else if (o.type === 'trigger' && o.sql) {
      const list = triggersByTable.get(o.tbl_name.toLowerCase()) ?? []
      list.push({ name: o.name, ...triggerTimingAndEvent(o.sql), sql: o.sql })
      triggersByTable.set(o.tbl_name.toLowerCase(), list)
    }
  }
  const stat1 = readStat1(db)
  const pageSize = Number(db.pragma('page_size', { simple: true }))
  const pageCount = Number(db.pragma('page_count', { simple: true }))
  const budget = { smallFile: pageSize * pageCount <= SMALL_FILE_BYTES, pageSize }

  const listed = (q.tableList.all() as TableListRow[]).filter(
    (t) => t.schema === 'main' && !t.name.toLowerCase().startsWith('sqlite_') && t.type !== 'shadow',
  )
  // pragma_table_list has no defined order; creation order (sqlite_schema's) is what people wrote and expect.
  const order = new Map(objects.map((o, i) => [o.name, i]))
  listed.sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9))

  const tables: Table[] = listed.map((t) => {
    const kind: TableKind = t.type === 'view' ? 'view' : t.type === 'virtual' ? 'virtual' : 'table'
    const table: Table = {
      name: t.name,
      kind,
      columns: readColumns(q, t.name),
      foreignKeys: kind === 'table' ? readForeignKeys(q, t.name) : [],
      indexes: kind === 'table' ? readIndexes(q, t.name, indexSql, order) : [],
      triggers: triggersByTable.get(t.name.toLowerCase()) ?? [],
      rowCount: null,
      rowCountExact: false,
      sql: createSql.get(t.name) ?? null,
    }
    if (t.wr) table.withoutRowid = true
    // Views are neither sampled nor counted: that runs their whole query, maybe a join or aggregate over a big table.
    if (kind !== 'view') {
      const avgRowBytes = scanTable(db, table, sampleCount)
      const count = countRows(db, t.name, kind === 'table' && !t.wr, stat1.get(t.name), budget, avgRowBytes)
      table.rowCount = count.rowCount
      table.rowCountExact = count.exact
    }
    return table
  })

  const fingerprint = createHash('sha256')
    .update(
      objects
        .filter((o) => o.sql)
        .map((o) => `${o.type}\u0000${o.name}\u0000${o.sql}`)
        .sort()
        .join('\u0001'),
    )
    .digest('hex')

  return { fingerprint, engine: 'sqlite', tables, introspectionMs: Math.round((performance.now() - start) * 10) / 10 }
}

function prepareAll(db: Database.Database) {
  return {
    schemaObjects: db.prepare(
      "SELECT type, name, tbl_name, sql FROM main.sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
    ),
    tableList: db.prepare("SELECT schema, name, type, ncol, wr FROM pragma_table_list WHERE schema = 'main'"),
    xinfo: db.prepare("SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid"),
    fks: db.prepare(
      "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?, 'main') ORDER BY id, seq",
    ),
    indexList: db.prepare("SELECT seq, name, \"unique\", origin, partial FROM pragma_index_list(?, 'main') ORDER BY seq"),
    indexInfo: db.prepare("SELECT seqno, cid, name FROM pragma_index_info(?, 'main') ORDER BY seqno"),
  }
}

type Queries = ReturnType<typeof prepareAll>

function readColumns(q: Queries, table: string): Column[] {
  let rows: XInfoRow[]
  try {
    rows = q.xinfo.all(table) as XInfoRow[]
  } catch {
    return []
  }
  return rows.map((r) => {
    const col: Column = {
      name: r.name,
      type: r.type ?? '',
      notNull: r.notnull === 1,
      defaultValue: r.dflt_value ?? null,
      primaryKey: r.pk,
      samples: [],
    }
    if (r.hidden === 1) col.hidden = true
    return col
  })
}

function readForeignKeys(q: Queries, table: string): ForeignKey[] {
  let rows: FkRow[]
  try {
    rows = q.fks.all(table) as FkRow[]
  } catch {
    return []
  }
  const byId = new Map<number, ForeignKey>()
  for (const r of rows) {
    let fk = byId.get(r.id)
    if (!fk) {
      fk = { columns: [], refTable: r.table, refColumns: [] }
      if (r.on_update && r.on_update !== 'NO ACTION') fk.onUpdate = r.on_update
      if (r.on_delete && r.on_delete !== 'NO ACTION') fk.onDelete = r.on_delete
      byId.set(r.id, fk)
    }
    fk.columns.push(r.from)
    if (r.to !== null) fk.refColumns.push(r.to)
  }
  // SQLite numbers FKs in reverse declaration order; list them as declared.
  return [...byId.entries()].sort((a, b) => b[0] - a[0]).map(([, fk]) => fk)
}

function readIndexes(q: Queries, table: string, indexSql: Map<string, string>, order: Map<string, number>): Index[] {
  let list: IndexListRow[]
  try {
    list = q.indexList.all(table) as IndexListRow[]
  } catch {
    return []
  }
  return list
    .map((ix) => {
      let columns: string[] = []
      try {
        columns = (q.indexInfo.all(ix.name) as IndexInfoRow[]).map((c) =>
          c.name !== null ? c.name : c.cid === -1 ? 'rowid' : '<expression>',
        )
      } catch {
        // An index we cannot describe is still worth listing by name.
      }
      const index: Index = { name: ix.name, unique: ix.unique === 1, columns, origin: ix.origin, partial: ix.partial === 1 }
      const sql = indexSql.get(ix.name)
      if (sql) index.sql = sql
      const where = index.partial ? partialIndexWhere(sql) : undefined
      if (where) index.where = where
      return index
    })
    // pragma_index_list lists newest first; show them as created (constraint indexes, which are not in the
    // query's part of sqlite_schema, first), so a table's DDL replays in its original order.
    .sort((a, b) => (order.get(a.name) ?? -1) - (order.get(b.name) ?? -1))
}

/** sqlite_stat1 (written by ANALYZE) holds a row count per table as the first number of each `stat`. */
function readStat1(db: Database.Database): Map<string, number> {
  const counts = new Map<string, number>()
  try {
    const rows = db.prepare('SELECT tbl, stat FROM main.sqlite_stat1').all() as { tbl: string; stat: string }[]
    for (const r of rows) {
      const n = Number.parseInt(String(r.stat).split(' ')[0], 10)
      if (Number.isFinite(n)) counts.set(r.tbl, Math.max(counts.get(r.tbl) ?? 0, n))
    }
  } catch {
    // No sqlite_stat1: the database was never analyzed.
  }
  return counts
}

/**
 * Counts rows without risking a full read of a big table. In a small file everything is counted exactly (at
 * worst the whole file is read once). In a big one the count stops after a number of rows chosen so that about
 * COUNT_BYTES_PER_TABLE of the table is read (rows are sized from the sample scan); past that, the count is an
 * estimate from sqlite_stat1 or max(rowid).
 */
function countRows(
  db: Database.Database,
  table: string,
  hasRowid: boolean,
  statEstimate: number | undefined,
  budget: { smallFile: boolean; pageSize: number },
  avgRowBytes: number | undefined,
): { rowCount: number | null; exact: boolean } {
  const t = quoteIdent(table)
  try {
    if (budget.smallFile) {
      return { rowCount: Number(db.prepare(`SELECT count(*) FROM main.${t}`).pluck().get()), exact: true }
    }
    // A counting scan reads each row's leaf cell but not its overflow pages: a row costs at most about a page.
    const rowBytes = Math.min(Math.max(avgRowBytes ?? 64, 16), budget.pageSize)
    const limit = Math.max(MIN_COUNT_LIMIT, Math.min(EXACT_COUNT_LIMIT, Math.floor(COUNT_BYTES_PER_TABLE / rowBytes)))
    const bounded = Number(db.prepare(`SELECT count(*) FROM (SELECT 1 FROM main.${t} LIMIT ${limit + 1})`).pluck().get())
    if (bounded <= limit) return { rowCount: bounded, exact: true }
    let estimate = Math.max(bounded, statEstimate ?? 0)
    if (hasRowid) {
      // max(rowid) is one b-tree descent; with few deletions it is close to the row count.
      const maxRowid = db.prepare(`SELECT max(rowid) FROM main.${t}`).pluck().get()
      if (maxRowid !== null && maxRowid !== undefined && Number(maxRowid) > estimate) estimate = Number(maxRowid)
    }
    return { rowCount: estimate, exact: false }
  } catch {
    return { rowCount: statEstimate ?? null, exact: false }
  }
}

/**
 * Reads the first rows of a table once: fills each column's samples and returns the average stored row size.
 * Values are fetched through typeof()/octet_length(), which SQLite answers from the record header, and text is
 * cut in SQL, so a column of large blobs or documents is never loaded.
 */
function scanTable(db: Database.Database, table: Table, n: number): number | undefined {
  const visible = table.columns.filter((c) => !c.hidden)
  if (visible.length === 0) return undefined
  const exprs = visible.flatMap((c) => {
    const q = quoteIdent(c.name)
    return [
      `typeof(${q})`,
      `octet_length(${q})`,
      n > 0 ? `CASE typeof(${q}) WHEN 'text' THEN substr(${q}, 1, ${SAMPLE_MAX_CHARS + 1}) WHEN 'blob' THEN NULL ELSE ${q} END` : 'NULL',
    ]
  })
  let stmt: Database.Statement
  try {
    stmt = db.prepare(`SELECT ${exprs.join(', ')} FROM main.${quoteIdent(table.name)} LIMIT ${SAMPLE_SCAN_ROWS}`)
    stmt.raw(true)
    stmt.safeIntegers(true)
  } catch {
    return undefined
  }
  const seen = visible.map(() => new Set<string>())
  let rows = 0
  let bytes = 0
  try {
    for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
      rows++
      for (let i = 0; i < visible.length; i++) {
        const type = row[3 * i] as string
        const size = Number(row[3 * i + 1] ?? 0)
        bytes += type === 'null' ? 1 : type === 'integer' || type === 'real' ? 8 : size
        const samples = visible[i].samples
        if (n === 0 || samples.length >= n || type === 'null') continue
        const value: SqlValue =
          type === 'blob' ? { $blob: size } : truncateSample(encodeValue(row[3 * i + 2]), SAMPLE_MAX_CHARS)
        const key = typeof value === 'object' && value !== null ? JSON.stringify(value) : `${typeof value}:${String(value)}`
        if (seen[i].has(key)) continue
        seen[i].add(key)
        samples.push(value)
      }
    }
  } catch {
    // Samples are a convenience: a corrupt page or a failing virtual table leaves whatever was collected.
  }
  return rows > 0 ? bytes / rows : undefined
}
