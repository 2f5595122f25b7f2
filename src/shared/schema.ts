// The database schema model every layer shares: prompts, the schema browser, the synthesizer, the evaluator.
// Plain data only (structured-clone and JSON safe) so it crosses IPC, HTTP and worker boundaries unchanged.
import type { DatabaseEngine } from './engine'


/** A BLOB is its byte length; a query result adds `head`, its first bytes as base64, for the grid's hex viewer. */
export type SqlValue = string | number | null | boolean | { $blob: number; head?: string } | { $bigint: string }

export interface ForeignKey {
  /** Columns in this table, in key order. */
  columns: string[]
  /** The referenced table. */
  refTable: string
  /** The referenced columns, in key order (empty when the FK names only the table, i.e. its primary key). */
  refColumns: string[]
  onUpdate?: string
  onDelete?: string
}

export interface Column {
  name: string
  /** Declared type as written in the schema (may be empty: SQLite allows untyped columns). */
  type: string
  notNull: boolean
  defaultValue: string | null
  /** 1-based position in the primary key, 0 when not part of it. */
  primaryKey: number
  hidden?: boolean
  /** A few distinct non-null values, bounded in number and length. */
  samples: SqlValue[]
}

export interface Index {
  name: string
  unique: boolean
  columns: string[]
  /** 'c' = CREATE INDEX, 'u' = UNIQUE constraint, 'pk' = primary key. */
  origin: string
  partial: boolean
  /** A partial index's condition: the text after its top-level WHERE, as written. */
  where?: string
  /** The CREATE INDEX statement; absent for the automatic indexes behind PRIMARY KEY / UNIQUE constraints. */
  sql?: string
}

export type TriggerTiming = 'BEFORE' | 'AFTER' | 'INSTEAD OF'

export interface Trigger {
  name: string
  timing: TriggerTiming
  /** 'INSERT', 'DELETE', 'UPDATE' or 'UPDATE OF a, b'. */
  event: string
  /** The CREATE TRIGGER statement. */
  sql: string
}

export type TableKind = 'table' | 'view' | 'virtual'

export interface Table {
  name: string
  kind: TableKind
  columns: Column[]
  foreignKeys: ForeignKey[]
  indexes: Index[]
  /** Triggers on this table or view, in creation order. Optional: schemas built by hand (tests, fixtures) may leave it out. */
  triggers?: Trigger[]
  /** Exact row count, or an estimate when counting would be too slow (see rowCountExact). Null for views we did not count. */
  rowCount: number | null
  rowCountExact: boolean
  /**
   * The CREATE statement from sqlite_schema. DDL (this, Index.sql, Trigger.sql) travels with the schema rather than
   * through an on-demand API call: it is the text sqlite_schema already holds, read in the same pass, and even 500
   * tables add only a few hundred KB to a payload the renderer fetches once per database, while an extra round trip
   * per "Show DDL" would make every DDL view wait on the database host.
   */
  sql: string | null
  withoutRowid?: boolean
}

export interface Schema {
  /** Stable identifier of the database's structure (hash of its CREATE statements). */
  fingerprint: string
  /**
   * The engine that introspected it, which is the dialect every prompt built from this schema asks for. Absent means
   * SQLite: schemas built by hand (tests, fixtures, stored datasets from before other engines) are SQLite's.
   */
  engine?: DatabaseEngine
  tables: Table[]
  /** Milliseconds the introspection took. */
  introspectionMs: number
}

export function findTable(schema: Schema, name: string): Table | undefined {
  const lower = name.toLowerCase()
  return schema.tables.find((t) => t.name.toLowerCase() === lower)
}

export function primaryKeyColumns(table: Table): string[] {
  return table.columns
    .filter((c) => c.primaryKey > 0)
    .sort((a, b) => a.primaryKey - b.primaryKey)
    .map((c) => c.name)
}
