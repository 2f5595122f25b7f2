// Spider fixtures for prompt tests: schemas from tables.json (no samples) or from the real SQLite files.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Column, Schema, Table } from '../../src/shared/schema'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const sharedDir = path.resolve(repoRoot, '../shared')
export const spiderDir = path.join(sharedDir, 'data/spider')

interface SpiderTables {
  db_id: string
  table_names_original: string[]
  column_names_original: [number, string][]
  column_types: string[]
  primary_keys: (number | number[])[]
  foreign_keys: [number, number][]
}

export interface SpiderQuestion {
  db_id: string
  question: string
  query: string
}

let tablesCache: Map<string, Schema> | null = null

export function spiderSchemasFromJson(): Map<string, Schema> {
  if (tablesCache) return tablesCache
  const raw = JSON.parse(readFileSync(path.join(spiderDir, 'tables.json'), 'utf8')) as SpiderTables[]
  tablesCache = new Map(raw.map((db) => [db.db_id, schemaFromSpider(db)]))
  return tablesCache
}

function schemaFromSpider(db: SpiderTables): Schema {
  const pkCols = new Set(db.primary_keys.flat())
  const tables: Table[] = db.table_names_original.map((name) => ({
    name,
    kind: 'table',
    columns: [],
    foreignKeys: [],
    indexes: [],
    rowCount: null,
    rowCountExact: false,
    sql: null,
  }))
  const pkPos = new Map<number, number>()
  db.column_names_original.forEach(([t, name], i) => {
    if (t < 0) return
    const table = tables[t]
    let primaryKey = 0
    if (pkCols.has(i)) {
      primaryKey = (pkPos.get(t) ?? 0) + 1
      pkPos.set(t, primaryKey)
    }
    const column: Column = {
      name,
      type: db.column_types[i] === 'number' ? 'INTEGER' : db.column_types[i] === 'others' ? '' : 'TEXT',
      notNull: false,
      defaultValue: null,
      primaryKey,
      samples: [],
    }
    table.columns.push(column)
  })
  for (const [from, to] of db.foreign_keys) {
    const [ft, fc] = db.column_names_original[from]
    const [tt, tc] = db.column_names_original[to]
    tables[ft].foreignKeys.push({ columns: [fc], refTable: db.table_names_original[tt], refColumns: [tc] })
  }
  return { fingerprint: db.db_id, tables, introspectionMs: 0 }
}

export function spiderDbPath(dbId: string): string | null {
  const p = path.join(spiderDir, 'database', dbId, `${dbId}.sqlite`)
  return existsSync(p) ? p : null
}

export function spiderDev(): SpiderQuestion[] {
  return JSON.parse(readFileSync(path.join(spiderDir, 'dev.json'), 'utf8')) as SpiderQuestion[]
}

/** Tables a gold query names: the schema's table names found as whole words, case-insensitively. */
export function goldTables(sql: string, schema: Schema): string[] {
  const lower = sql.toLowerCase()
  return schema.tables
    .map((t) => t.name)
    .filter((name) => {
      const escaped = name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      return new RegExp(`(^|[^a-z0-9_])${escaped}($|[^a-z0-9_])`).test(lower)
    })
}
