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
  /**
   * Row-major values. BLOBs become { $blob: byteLength, head? }, out-of-range integers { $bigint: "…" }; `head` is
   * the first BLOB_HEAD_BYTES as base64, left out once the result's blob heads pass BLOB_HEAD_BUDGET.
   */
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
/** How much of each BLOB a result carries: enough for the grid's hex dump. */
export const BLOB_HEAD_BYTES = 4096
/** Bytes of BLOB heads one result may carry in all: 10,000 image rows must not turn into 40 MB of base64. */
export const BLOB_HEAD_BUDGET = 4 * 1024 ** 2
