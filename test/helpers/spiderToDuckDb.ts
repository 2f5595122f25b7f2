// Ports a Spider SQLite database into a .duckdb file, for tests that need a real DuckDB database with Spider's
// tables and data (DuckDB's sqlite extension cannot be installed offline). Column types come from what each
// column actually stores (SQLite's declared types are advisory): all integers → BIGINT, numbers → DOUBLE, text →
// VARCHAR, blobs → BLOB, a mix → VARCHAR holding SQLite's text of each value. Primary and foreign keys are kept
// where the data satisfies them (DuckDB enforces both; Spider's data does not always).
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DuckDBInstance, type DuckDBAppender } from '@duckdb/node-api'
import { spiderDb } from './paths'

type DuckType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BLOB'

interface PortColumn {
  name: string
  type: DuckType
  notNull: boolean
  /** The value is read as CAST(… AS TEXT): the column mixes storage classes. */
  asText: boolean
}

interface PortTable {
  name: string
  columns: PortColumn[]
  primaryKey: string[]
  foreignKeys: { columns: string[]; refTable: string; refColumns: string[] }[]
}

export interface PortReport {
  path: string
  tables: number
  rows: number
  /** Keys left out because the data breaks them (or DuckDB cannot express them). */
  droppedKeys: string[]
}

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

function affinityType(declared: string): DuckType {
  const t = declared.toUpperCase()
  if (t.includes('INT')) return 'BIGINT'
  if (/CHAR|CLOB|TEXT/u.test(t)) return 'VARCHAR'
  if (t === '' || t.includes('BLOB')) return 'VARCHAR'
  return 'DOUBLE'
}

function columnType(sqlite: Database.Database, table: string, column: string, declared: string): { type: DuckType; asText: boolean } {
  const classes = (sqlite.prepare(`SELECT DISTINCT typeof(${q(column)}) AS t FROM ${q(table)} WHERE ${q(column)} IS NOT NULL`).all() as { t: string }[]).map((r) => r.t)
  const set = new Set(classes)
  if (set.size === 0) return { type: affinityType(declared), asText: false }
  if (set.size === 1 && set.has('integer')) return { type: 'BIGINT', asText: false }
  if ([...set].every((c) => c === 'integer' || c === 'real')) return { type: 'DOUBLE', asText: false }
  if (set.size === 1 && set.has('text')) return { type: 'VARCHAR', asText: false }
  if (set.size === 1 && set.has('blob')) return { type: 'BLOB', asText: false }
  return { type: 'VARCHAR', asText: true }
}

function keyHolds(sqlite: Database.Database, table: string, columns: string[]): boolean {
  const cols = columns.map(q).join(', ')
  const nulls = columns.map((c) => `${q(c)} IS NULL`).join(' OR ')
  const row = sqlite
    .prepare(`SELECT (SELECT count(*) FROM ${q(table)} WHERE ${nulls}) AS nulls, (SELECT count(*) FROM (SELECT DISTINCT ${cols} FROM ${q(table)})) AS d, (SELECT count(*) FROM ${q(table)}) AS n`)
    .get() as { nulls: number; d: number; n: number }
  return row.nulls === 0 && row.d === row.n
}

function noOrphans(sqlite: Database.Database, table: string, columns: string[], refTable: string, refColumns: string[]): boolean {
  const present = columns.map((c) => `c.${q(c)} IS NOT NULL`).join(' AND ')
  const match = columns.map((c, i) => `p.${q(refColumns[i])} = c.${q(c)}`).join(' AND ')
  const row = sqlite
    .prepare(`SELECT count(*) AS n FROM ${q(table)} c WHERE ${present} AND NOT EXISTS (SELECT 1 FROM ${q(refTable)} p WHERE ${match})`)
    .get() as { n: number }
  return row.n === 0
}

function readTables(sqlite: Database.Database, dropped: string[]): PortTable[] {
  const names = (sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid").all() as { name: string }[]).map((r) => r.name)
  const tables = names.map((name): PortTable => {
    const info = sqlite.prepare(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?)`).all(name) as { name: string; type: string; nn: number; pk: number }[]
    const columns = info.map((c) => ({ name: c.name, ...columnType(sqlite, name, c.name, c.type ?? ''), notNull: c.nn === 1 }))
    for (const c of columns) if (c.notNull && (sqlite.prepare(`SELECT count(*) AS n FROM ${q(name)} WHERE ${q(c.name)} IS NULL`).get() as { n: number }).n > 0) c.notNull = false
    let primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name)
    if (primaryKey.length > 0 && !keyHolds(sqlite, name, primaryKey)) {
      dropped.push(`${name} PRIMARY KEY (${primaryKey.join(', ')})`)
      primaryKey = []
    }
    return { name, columns, primaryKey, foreignKeys: [] }
  })
  const byName = new Map(tables.map((t) => [t.name.toLowerCase(), t]))
  for (const t of tables) {
    const fks = sqlite.prepare('SELECT id, seq, "table" AS ref, "from" AS col, "to" AS refcol FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(t.name) as { id: number; ref: string; col: string; refcol: string | null }[]
    const groups = new Map<number, typeof fks>()
    for (const fk of fks) groups.set(fk.id, [...(groups.get(fk.id) ?? []), fk])
    for (const group of groups.values()) {
      const ref = byName.get(group[0].ref.toLowerCase())
      const columns = group.map((g) => g.col)
      const label = `${t.name} FOREIGN KEY (${columns.join(', ')}) REFERENCES ${group[0].ref}`
      const refColumns = ref ? (group[0].refcol === null ? ref.primaryKey : group.map((g) => g.refcol as string)) : []
      const sameTypes = ref !== undefined && columns.every((c, i) => t.columns.find((x) => x.name.toLowerCase() === c.toLowerCase())?.type === ref.columns.find((x) => x.name.toLowerCase() === refColumns[i]?.toLowerCase())?.type)
      // DuckDB needs the referenced columns to be exactly the referenced table's primary key, and no cycles.
      const ok =
        ref !== undefined &&
        ref !== t &&
        refColumns.length === columns.length &&
        refColumns.map((c) => c.toLowerCase()).join() === ref.primaryKey.map((c) => c.toLowerCase()).join() &&
        sameTypes &&
        noOrphans(sqlite, t.name, columns, ref.name, refColumns)
      if (ok) t.foreignKeys.push({ columns, refTable: ref.name, refColumns: ref.primaryKey })
      else dropped.push(label)
    }
  }
  return tables
}

/** Creation order: referenced tables first; a foreign key that would close a cycle is dropped. */
function creationOrder(tables: PortTable[], dropped: string[]): PortTable[] {
  const done = new Set<string>()
  const order: PortTable[] = []
  const pending = [...tables]
  while (pending.length > 0) {
    let i = pending.findIndex((t) => t.foreignKeys.every((fk) => done.has(fk.refTable)))
    if (i < 0) {
      i = 0
      const t = pending[0]
      for (const fk of t.foreignKeys.filter((f) => !done.has(f.refTable))) dropped.push(`${t.name} FOREIGN KEY (${fk.columns.join(', ')}) (cycle)`)
      t.foreignKeys = t.foreignKeys.filter((f) => done.has(f.refTable))
    }
    const [t] = pending.splice(i, 1)
    done.add(t.name)
    order.push(t)
  }
  return order
}

function createSql(t: PortTable): string {
  const parts = t.columns.map((c) => `${q(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}`)
  if (t.primaryKey.length > 0) parts.push(`PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`)
  for (const fk of t.foreignKeys) parts.push(`FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.refTable)} (${fk.refColumns.map(q).join(', ')})`)
  return `CREATE TABLE ${q(t.name)} (${parts.join(', ')})`
}

function appendValue(appender: DuckDBAppender, type: DuckType, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull()
  switch (type) {
    case 'BIGINT':
      return appender.appendBigInt(BigInt(value as bigint))
    case 'DOUBLE':
      return appender.appendDouble(Number(value))
    case 'BLOB':
      return appender.appendBlob(value as Uint8Array)
    default:
      return appender.appendVarchar(String(value))
  }
}

/** Writes `<dir>/<id>.duckdb` from Spider's `<id>.sqlite`. */
export async function portSpiderDb(id: string, dir: string): Promise<PortReport> {
  const target = join(dir, `${id}.duckdb`)
  const sqlite = new Database(spiderDb(id), { readonly: true, fileMustExist: true })
  const droppedKeys: string[] = []
  let rows = 0
  const instance = await DuckDBInstance.create(target)
  const connection = await instance.connect()
  try {
    const tables = creationOrder(readTables(sqlite, droppedKeys), droppedKeys)
    for (const t of tables) {
      await connection.run(createSql(t))
      const select = t.columns.map((c) => (c.asText ? `CAST(${q(c.name)} AS TEXT)` : q(c.name))).join(', ')
      const stmt = sqlite.prepare(`SELECT ${select} FROM ${q(t.name)}`).raw(true).safeIntegers(true)
      const appender = await connection.createAppender(t.name)
      for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
        t.columns.forEach((c, i) => appendValue(appender, c.type, row[i]))
        appender.endRow()
        rows++
      }
      appender.flushSync()
      appender.closeSync()
    }
    await connection.run('CHECKPOINT')
    return { path: target, tables: tables.length, rows, droppedKeys }
  } finally {
    connection.closeSync()
    instance.closeSync()
    sqlite.close()
  }
}
