// Copies a Spider SQLite database into a PostgreSQL database, for running the same questions on both engines.
// Identifiers are lower-cased (Spider's SQL writes them unquoted, and PostgreSQL folds unquoted names to lower
// case). Each column's type comes from the values it actually holds, since SQLite lets an INT column hold text:
// only-integer columns become bigint, numeric ones double precision, anything mixed text, BLOBs bytea. Primary
// keys, unique constraints and foreign keys are added where the data allows (foreign keys NOT VALID: Spider's
// data often breaks them). The reader role gets SELECT on every table.
import Database from 'better-sqlite3'
import type pg from 'pg'
import { spiderDb } from './paths'
import { READER, type PgCluster } from './postgres'

const BATCH_ROWS = 500

interface ColumnInfo {
  name: string
  type: string
  pk: number
  notnull: number
}

function q(name: string): string {
  return `"${name.toLowerCase().replace(/"/gu, '""')}"`
}

function declaredFallback(declared: string): string {
  const t = declared.toLowerCase()
  if (/int/u.test(t)) return 'bigint'
  if (/real|floa|doub|num|dec/u.test(t)) return 'double precision'
  if (/blob/u.test(t)) return 'bytea'
  return 'text'
}

function columnType(db: Database.Database, table: string, col: ColumnInfo): string {
  const t = `"${table.replace(/"/gu, '""')}"`
  const c = `"${col.name.replace(/"/gu, '""')}"`
  const classes = (db.prepare(`SELECT DISTINCT typeof(${c}) FROM ${t}`).pluck().all() as string[]).filter((k) => k !== 'null')
  if (classes.length === 0) return declaredFallback(col.type)
  if (classes.every((k) => k === 'integer')) return 'bigint'
  if (classes.every((k) => k === 'integer' || k === 'real')) return 'double precision'
  if (classes.every((k) => k === 'blob')) return 'bytea'
  return 'text'
}

function toPg(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null
  if (type === 'text') {
    const s = Buffer.isBuffer(value) ? value.toString('utf8') : String(value)
    return s.replace(/\0/gu, '') // PostgreSQL text cannot hold NUL
  }
  if (typeof value === 'bigint') return value.toString()
  return value
}

async function tryStatement(client: pg.Client, sql: string): Promise<boolean> {
  try {
    await client.query(sql)
    return true
  } catch {
    return false
  }
}

export interface PortReport {
  tables: number
  rows: number
  primaryKeys: number
  foreignKeys: number
}

/** Creates database `id` on the cluster and fills it from Spider's `id.sqlite`. */
export async function portSpiderDb(cluster: PgCluster, id: string): Promise<PortReport> {
  await cluster.createDatabase(id)
  const sqlite = new Database(spiderDb(id), { readonly: true, fileMustExist: true })
  sqlite.defaultSafeIntegers(true)
  const client = await cluster.admin(id)
  const report: PortReport = { tables: 0, rows: 0, primaryKeys: 0, foreignKeys: 0 }
  try {
    const tables = sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid").pluck().all() as string[]
    const types = new Map<string, Map<string, string>>()
    for (const table of tables) {
      const cols = sqlite.prepare('SELECT name, type, pk, "notnull" FROM pragma_table_info(?)').all(table) as ColumnInfo[]
      const colTypes = new Map(cols.map((c) => [c.name.toLowerCase(), columnType(sqlite, table, c)]))
      types.set(table.toLowerCase(), colTypes)
      await client.query(`CREATE TABLE ${q(table)} (${cols.map((c) => `${q(c.name)} ${colTypes.get(c.name.toLowerCase())}`).join(', ')})`)
      const colList = cols.map((c) => q(c.name)).join(', ')
      const rows = sqlite.prepare(`SELECT * FROM "${table.replace(/"/gu, '""')}"`).raw(true).all() as unknown[][]
      for (let i = 0; i < rows.length; i += BATCH_ROWS) {
        const batch = rows.slice(i, i + BATCH_ROWS)
        const values: unknown[] = []
        const tuples = batch.map((row) => {
          const slots = row.map((v, k) => {
            values.push(toPg(v, colTypes.get(cols[k].name.toLowerCase())!))
            return `$${values.length}`
          })
          return `(${slots.join(', ')})`
        })
        await client.query({ text: `INSERT INTO ${q(table)} (${colList}) VALUES ${tuples.join(', ')}`, values })
      }
      report.tables++
      report.rows += rows.length
      const pk = cols.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk))
      if (pk.length > 0 && (await tryStatement(client, `ALTER TABLE ${q(table)} ADD PRIMARY KEY (${pk.map((c) => q(c.name)).join(', ')})`))) {
        report.primaryKeys++
      }
    }
    for (const table of tables) {
      const fks = sqlite.prepare('SELECT id, seq, "table" AS ref, "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(table) as {
        id: bigint
        ref: string
        from: string
        to: string | null
      }[]
      const byId = new Map<string, typeof fks>()
      for (const fk of fks) byId.set(String(fk.id), [...(byId.get(String(fk.id)) ?? []), fk])
      for (const parts of byId.values()) {
        const ref = parts[0].ref
        if (!types.has(ref.toLowerCase())) continue
        const to = parts.map((p) => p.to).filter((t): t is string => t !== null)
        const refCols = to.length === parts.length ? `(${to.map(q).join(', ')})` : ''
        const addKey = (): Promise<boolean> =>
          tryStatement(client, `ALTER TABLE ${q(table)} ADD FOREIGN KEY (${parts.map((p) => q(p.from)).join(', ')}) REFERENCES ${q(ref)} ${refCols} NOT VALID`)
        // The referenced columns need a unique constraint: when they are not the primary key, add one if the data allows.
        let ok = await addKey()
        if (!ok && refCols && (await tryStatement(client, `ALTER TABLE ${q(ref)} ADD UNIQUE ${refCols}`))) ok = await addKey()
        if (ok) report.foreignKeys++
      }
    }
    await client.query(`GRANT USAGE ON SCHEMA public TO ${READER}`)
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER}`)
    await client.query('ANALYZE')
  } finally {
    sqlite.close()
    await client.end()
  }
  return report
}
