import type { SqlValue } from './schema'

export interface ResultColumn {
  name: string
  /** Declared type of the source column when SQLite knows it (null for expressions). */
  declaredType: string | null
  /** The table the value comes from, when it is a plain column reference. */
  table: string | null
}

export interface QueryResult {
  columns: ResultColumn[]
  /** Row-major values. BLOBs become { $blob: byteLength }, out-of-range integers { $bigint: "…" }. */
  rows: SqlValue[][]
  /** Rows returned (after the cap). */
  rowCount: number
  /** True when the statement produced more rows than the row cap, or more bytes than the byte cap. */
  truncated: boolean
  /** Which cap cut it (absent when not truncated). */
  truncatedBy?: 'rows' | 'bytes'
  /** The byte cap, when it cut the result. */
  byteCap?: number
  rowCap: number
  elapsedMs: number
  /** The statement as executed (after trimming a trailing semicolon). */
  sql: string
}

export interface QueryOptions {
  /** Hard time limit in ms; the query is interrupted when it passes. */
  timeoutMs?: number
  /** Maximum rows returned; the result says when it was truncated. */
  maxRows?: number
  /** Client-chosen id that `db.cancel` can name. */
  queryId?: string
}

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000
export const DEFAULT_ROW_CAP = 10_000
