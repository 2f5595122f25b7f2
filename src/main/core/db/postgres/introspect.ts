// Reads a PostgreSQL database's structure into the shared Schema model from the system catalogs, in a handful of
// queries for all tables at once. Tables in `public` keep their plain name, others are `schema.table`. Like the
// SQLite introspection, every step is bounded: rows are counted only up to EXACT_COUNT_LIMIT (past it the
// planner's reltuples estimate is used, rowCountExact false), samples come from a table's first rows with text cut
// in SQL, and each statement runs under a time limit. A table that cannot be read (no SELECT privilege, a foreign
// table whose server is down) is still listed, with what the catalogs say about it.
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import type { Column, ForeignKey, Index, Schema, SqlValue, Table, Trigger, TriggerTiming } from '../../../../shared/schema'
import { DEFAULT_SAMPLE_VALUES, EXACT_COUNT_LIMIT, SAMPLE_MAX_CHARS, SAMPLE_SCAN_ROWS } from '../introspect'
import { truncateSample } from '../values'
import { qualifiedName } from './catalog'
import { convertValue, OID, type TypeInfo } from './values'

export interface PostgresIntrospectOptions {
  sampleValues?: number
  statementTimeoutMs: number
}

interface RelationRow {
  oid: string
  schema: string
  name: string
  qname: string
  kind: string
  reltuples: string
  viewdef: string | null
}

interface ColumnRow {
  rel: string
  name: string
  qname: string
  type: string
  typoid: string
  notnull: string
  dflt: string | null
}

interface ConstraintRow {
  rel: string
  name: string
  type: string
  cols: string | null
  refschema: string | null
  reftable: string | null
  refcols: string | null
  upd: string
  del: string
  def: string
}

interface IndexRow {
  rel: string
  name: string
  unique: string
  primary: string
  is_constraint: string
  def: string
  pred: string | null
  cols: string | null
}

interface TriggerRow {
  rel: string
  name: string
  type: string
  def: string
  cols: string | null
}

const SYSTEM_SCHEMA_FILTER = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"

const RELATIONS_SQL = `
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name,
       CASE WHEN n.nspname = 'public' THEN quote_ident(c.relname) ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END AS qname,
       c.relkind AS kind, c.reltuples::float8 AS reltuples,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid, true) END AS viewdef
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND ${SYSTEM_SCHEMA_FILTER}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
ORDER BY (n.nspname = 'public') DESC, n.nspname, c.oid`

const COLUMNS_SQL = `
SELECT a.attrelid::int8 AS rel, a.attname AS name, quote_ident(a.attname) AS qname,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.atttypid::int8 AS typoid, a.attnotnull AS notnull,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS dflt
FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

const attnames = (rel: string, keys: string, filter = ''): string =>
  `(SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(${keys}) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n ${filter})`

const CONSTRAINTS_SQL = `
SELECT con.conrelid::int8 AS rel, con.conname AS name, con.contype AS type,
       ${attnames('con.conrelid', 'con.conkey')} AS cols,
       rn.nspname AS refschema, rc.relname AS reftable,
       ${attnames('con.confrelid', 'con.confkey')} AS refcols,
       con.confupdtype AS upd, con.confdeltype AS del, pg_catalog.pg_get_constraintdef(con.oid, true) AS def
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = ANY($1::oid[])
ORDER BY con.conrelid, CASE con.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'f' THEN 2 ELSE 3 END, con.oid`

const INDEXES_SQL = `
SELECT i.indrelid::int8 AS rel, ic.relname AS name, i.indisunique AS unique, i.indisprimary AS primary,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('u', 'x')) AS is_constraint,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS def, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS pred,
       (SELECT json_agg(CASE WHEN k.n = 0 THEN '<expression>' ELSE a.attname END ORDER BY k.i)
          FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, i)
          LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
         WHERE k.i <= i.indnkeyatts) AS cols
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY($1::oid[])
ORDER BY i.indrelid, i.indexrelid`

const TRIGGERS_SQL = `
SELECT t.tgrelid::int8 AS rel, t.tgname AS name, t.tgtype::int4 AS type, pg_catalog.pg_get_triggerdef(t.oid, true) AS def,
       ${attnames('t.tgrelid', 't.tgattr::int2[]')} AS cols
FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = ANY($1::oid[]) AND NOT t.tgisinternal
ORDER BY t.tgrelid, t.oid`

const FK_ACTIONS: Record<string, string> = { r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' }

function groupBy<T extends { rel: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>()
  for (const r of rows) {
    const list = map.get(r.rel) ?? []
    list.push(r)
    map.set(r.rel, list)
  }
  return map
}

function jsonList(text: string | null): string[] {
  if (!text) return []
  try {
    const parsed = JSON.parse(text) as unknown
    return Array.isArray(parsed) ? parsed.map(String) : []
  } catch {
    return []
  }
}

export async function introspectPostgres(client: pg.Client, opts: PostgresIntrospectOptions): Promise<Schema> {
  const start = performance.now()
  const sampleCount = Math.max(0, Math.floor(opts.sampleValues ?? DEFAULT_SAMPLE_VALUES))
  // Each statement is its own read-only transaction (the session default), so one unreadable table fails only
  // its own count; the limit is set for the session while introspecting and reset after.
  await client.query(`SET statement_timeout = ${Math.max(1, Math.ceil(opts.statementTimeoutMs))}`)
  try {
    const relations = (await client.query(RELATIONS_SQL)).rows as RelationRow[]
    const oids = relations.map((r) => r.oid)
    const read = async (text: string): Promise<unknown[]> => (await client.query({ text, values: [oids] })).rows
    const columns = await read(COLUMNS_SQL)
    const constraints = await read(CONSTRAINTS_SQL)
    const indexes = await read(INDEXES_SQL)
    const triggers = await read(TRIGGERS_SQL)
    const columnsBy = groupBy(columns as ColumnRow[])
    const constraintsBy = groupBy(constraints as ConstraintRow[])
    const indexesBy = groupBy(indexes as IndexRow[])
    const triggersBy = groupBy(triggers as TriggerRow[])
    const ddl: string[] = []

    const tables: Table[] = []
    for (const rel of relations) {
      const isView = rel.kind === 'v' || rel.kind === 'm'
      const cols = columnsBy.get(rel.oid) ?? []
      const cons = constraintsBy.get(rel.oid) ?? []
      const pk = cons.find((c) => c.type === 'p')
      const pkCols = jsonList(pk?.cols ?? null)
      const table: Table = {
        name: qualifiedName(rel.schema, rel.name),
        kind: isView ? 'view' : 'table',
        columns: cols.map(
          (c): Column => ({
            name: c.name,
            type: c.type,
            notNull: c.notnull === 't',
            defaultValue: c.dflt,
            primaryKey: pkCols.indexOf(c.name) + 1,
            samples: [],
          }),
        ),
        foreignKeys: cons.filter((c) => c.type === 'f').map(foreignKeyOf),
        indexes: (indexesBy.get(rel.oid) ?? []).map(indexOf),
        triggers: (triggersBy.get(rel.oid) ?? []).map(triggerOf),
        rowCount: null,
        rowCountExact: false,
        sql: isView ? viewSql(rel) : createTableSql(rel, cols, cons),
      }
      ddl.push(`${rel.kind}\u0000${table.name}\u0000${table.sql}`)
      for (const ix of table.indexes) if (ix.sql) ddl.push(`index\u0000${ix.name}\u0000${ix.sql}`)
      for (const tr of table.triggers ?? []) ddl.push(`trigger\u0000${tr.name}\u0000${tr.sql}`)
      // Plain views are neither counted nor sampled: that would run their query. A foreign table's rows live on
      // another server.
      if (rel.kind === 'r' || rel.kind === 'p' || rel.kind === 'm') {
        const count = await countRows(client, rel)
        table.rowCount = count.rowCount
        table.rowCountExact = count.exact
        if (sampleCount > 0) await sampleColumns(client, rel, cols, table.columns, sampleCount)
      }
      tables.push(table)
    }
    const fingerprint = createHash('sha256').update(ddl.sort().join('\u0001')).digest('hex')
    return { fingerprint, engine: 'postgres', tables, introspectionMs: Math.round((performance.now() - start) * 10) / 10 }
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined)
  }
}

function foreignKeyOf(c: ConstraintRow): ForeignKey {
  const fk: ForeignKey = {
    columns: jsonList(c.cols),
    refTable: c.reftable ? qualifiedName(c.refschema ?? 'public', c.reftable) : '',
    refColumns: jsonList(c.refcols),
  }
  if (FK_ACTIONS[c.upd]) fk.onUpdate = FK_ACTIONS[c.upd]
  if (FK_ACTIONS[c.del]) fk.onDelete = FK_ACTIONS[c.del]
  return fk
}

function indexOf(r: IndexRow): Index {
  const origin = r.primary === 't' ? 'pk' : r.is_constraint === 't' ? 'u' : 'c'
  const index: Index = { name: r.name, unique: r.unique === 't', columns: jsonList(r.cols), origin, partial: r.pred !== null }
  // As in the shared model: only a CREATE INDEX has its own statement; constraint indexes are in the CREATE TABLE.
  if (origin === 'c') index.sql = r.def
  if (r.pred !== null) index.where = r.pred
  return index
}

function triggerOf(r: TriggerRow): Trigger {
  const type = Number(r.type)
  const timing: TriggerTiming = type & 64 ? 'INSTEAD OF' : type & 2 ? 'BEFORE' : 'AFTER'
  const events: string[] = []
  if (type & 4) events.push('INSERT')
  if (type & 16) {
    const cols = jsonList(r.cols)
    events.push(cols.length > 0 ? `UPDATE OF ${cols.join(', ')}` : 'UPDATE')
  }
  if (type & 8) events.push('DELETE')
  if (type & 32) events.push('TRUNCATE')
  return { name: r.name, timing, event: events.join(' OR '), sql: r.def }
}

function viewSql(rel: RelationRow): string {
  const kind = rel.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'
  return `CREATE ${kind} ${rel.qname} AS\n${(rel.viewdef ?? '').trim()}`
}

/** PostgreSQL keeps no CREATE TABLE text: this one is rebuilt from the columns and pg_get_constraintdef. */
function createTableSql(rel: RelationRow, cols: ColumnRow[], cons: ConstraintRow[]): string {
  const lines = cols.map((c) => `  ${c.qname} ${c.type}${c.notnull === 't' ? ' NOT NULL' : ''}${c.dflt !== null ? ` DEFAULT ${c.dflt}` : ''}`)
  for (const c of cons) {
    if (c.type === 'n') continue // NOT NULL constraints (PostgreSQL 18+) are already on their column
    lines.push(`  CONSTRAINT ${quoteIdent(c.name)} ${c.def}`)
  }
  const kind = rel.kind === 'f' ? 'FOREIGN TABLE' : 'TABLE'
  return `CREATE ${kind} ${rel.qname} (\n${lines.join(',\n')}\n)`
}

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/u.test(name) ? name : `"${name.replace(/"/gu, '""')}"`
}

async function countRows(client: pg.Client, rel: RelationRow): Promise<{ rowCount: number | null; exact: boolean }> {
  const estimate = Number(rel.reltuples)
  try {
    const res = await client.query(`SELECT count(*)::int8 AS n FROM (SELECT 1 FROM ${rel.qname} LIMIT ${EXACT_COUNT_LIMIT + 1}) AS s`)
    const bounded = Number(res.rows[0].n)
    if (bounded <= EXACT_COUNT_LIMIT) return { rowCount: bounded, exact: true }
    return { rowCount: Math.max(bounded, Math.round(estimate)), exact: false }
  } catch {
    // No SELECT privilege, or the count ran past the time limit: the planner's estimate (-1 when never analyzed).
    return { rowCount: estimate >= 0 ? Math.round(estimate) : null, exact: false }
  }
}

/** The first SAMPLE_SCAN_ROWS rows, every value as text cut to SAMPLE_MAX_CHARS in SQL (bytea as its length). */
async function sampleColumns(client: pg.Client, rel: RelationRow, cols: ColumnRow[], out: Column[], n: number): Promise<void> {
  if (cols.length === 0) return
  const exprs = cols.map((c) =>
    Number(c.typoid) === OID.bytea ? `octet_length(${c.qname})::text` : `left(${c.qname}::text, ${SAMPLE_MAX_CHARS + 1})`,
  )
  let rows: (string | null)[][]
  try {
    const res = await client.query({ text: `SELECT ${exprs.join(', ')} FROM ${rel.qname} LIMIT ${SAMPLE_SCAN_ROWS}`, rowMode: 'array' })
    rows = res.rows as (string | null)[][]
  } catch {
    return // samples are a convenience
  }
  const noTypes = (): TypeInfo | undefined => undefined
  cols.forEach((c, i) => {
    const seen = new Set<string>()
    const samples = out[i].samples
    const oid = Number(c.typoid)
    for (const row of rows) {
      if (samples.length >= n) break
      const text = row[i]
      if (text === null) continue
      const value: SqlValue =
        oid === OID.bytea
          ? { $blob: Number(text) }
          : text.length > SAMPLE_MAX_CHARS
            ? truncateSample(text, SAMPLE_MAX_CHARS)
            : convertValue(text, oid, noTypes)
      const key = typeof value === 'object' && value !== null ? JSON.stringify(value) : `${typeof value}:${String(value)}`
      if (seen.has(key)) continue
      seen.add(key)
      samples.push(value)
    }
  })
}
