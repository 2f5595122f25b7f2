// Runs one read on a DuckDB connection and collects its result chunk by chunk (a streaming result: DuckDB computes
// the next chunk only when it is fetched), so a result past the row or byte cap is never materialised in full.
import { performance } from 'node:perf_hooks'
import type { DuckDBConnection } from '@duckdb/node-api'
import { SqlstillError } from '../../../../shared/errors'
import { BLOB_HEAD_BUDGET, BLOB_HEAD_BYTES, DEFAULT_ROW_CAP, type QueryResult, type ResultColumn } from '../../../../shared/query'
import type { SqlValue } from '../../../../shared/schema'
import { MAX_RESULT_BYTES, trimStatement } from '../execute'
import { classifyDuckDbError } from './errors'
import { prepareRead } from './guard'
import { blobBytes, blobHead, encodeColumn } from './values'

export interface RunReadOptions {
  maxRows?: number
  /** The result is cut once its values pass this many bytes (default MAX_RESULT_BYTES, as for SQLite). */
  maxBytes?: number
  path?: string
  /** Called between chunks: throws when the query was stopped while JavaScript held the thread (interrupt() only
   * reaches a query DuckDB is computing). */
  checkStopped?: () => void
}

/** About what a value costs in the JSON result (the SQLite layer's measure, so both cut at the same size). */
function valueBytes(v: SqlValue): number {
  if (typeof v === 'string') return v.length + 2
  if (typeof v === 'object' && v !== null && '$blob' in v && v.head) return v.head.length + 16
  return 8
}

export function normalizeRowCap(maxRows: number | undefined): number {
  if (maxRows === undefined || maxRows === null) return DEFAULT_ROW_CAP
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new SqlstillError('BAD_REQUEST', `maxRows must be a non-negative integer (got ${String(maxRows)}).`)
  }
  return maxRows
}

export async function runRead(connection: DuckDBConnection, sql: string, opts: RunReadOptions = {}): Promise<QueryResult> {
  const start = performance.now()
  const rowCap = normalizeRowCap(opts.maxRows)
  const maxBytes = opts.maxBytes ?? MAX_RESULT_BYTES
  const text = typeof sql === 'string' ? trimStatement(sql) : sql
  const prepared = await prepareRead(connection, sql)
  const rows: SqlValue[][] = []
  let truncatedBy: QueryResult['truncatedBy']
  let columns: ResultColumn[] = []
  try {
    const result = await prepared.stream()
    const types = result.columnTypes()
    columns = result.columnNames().map((name, i) => ({ name, declaredType: types[i].toString(), table: null }))
    let bytes = 0
    let headBudget = BLOB_HEAD_BUDGET
    fetching: for (;;) {
      opts.checkStopped?.()
      const chunk = await result.fetchChunk()
      opts.checkStopped?.()
      if (!chunk || chunk.rowCount === 0) break
      const values = types.map((type, c) => encodeColumn(chunk, c, type))
      const blobs = types.map((type, c) => blobBytes(chunk, c, type))
      for (let r = 0; r < chunk.rowCount; r++) {
        if (rows.length >= rowCap) {
          truncatedBy = 'rows'
          break fetching
        }
        const row = values.map((column) => column[r])
        for (let c = 0; c < row.length; c++) {
          const blob = blobs[c]?.[r]
          if (blob && headBudget > 0) {
            const head = blobHead(blob)
            headBudget -= Math.min(blob.byteLength, BLOB_HEAD_BYTES)
            row[c] = { $blob: blob.byteLength, head }
          }
          bytes += valueBytes(row[c])
        }
        if (bytes > maxBytes) {
          truncatedBy = 'bytes'
          break fetching
        }
        rows.push(row)
      }
    }
  } catch (err) {
    throw classifyDuckDbError(err, { sql: text, path: opts.path })
  }
  const elapsedMs = Math.max(performance.now() - start, 0.001)
  const truncated = truncatedBy !== undefined
  return {
    columns,
    rows,
    rowCount: rows.length,
    truncated,
    ...(truncated ? { truncatedBy, byteCap: maxBytes } : {}),
    rowCap,
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    sql: text,
  }
}
