// What every engine's DatabaseHandle does the same way (SQLite in its host process, DuckDB in process, PostgreSQL
// over a connection): the schema cached and shared by callers asking at once, the checks on a query's arguments,
// and the errors a stopped query ends with, so that the app and the CLI see one behaviour whatever the engine.
import { randomUUID } from 'node:crypto'
import { SqlstillError } from '../../../shared/errors'
import { DEFAULT_QUERY_TIMEOUT_MS, type QueryOptions } from '../../../shared/query'
import type { Schema } from '../../../shared/schema'

/** The schema read once and kept until a refresh; callers asking while it is being read share that one read. */
export class SchemaCache {
  private cached: Schema | undefined
  private pending: Promise<Schema> | undefined

  get(refresh: boolean | undefined, read: () => Promise<Schema>): Promise<Schema> {
    if (this.cached && !refresh) return Promise.resolve(this.cached)
    if (this.pending) return this.pending
    const pending = read()
      .then((schema) => {
        this.cached = schema
        return schema
      })
      .finally(() => {
        if (this.pending === pending) this.pending = undefined
      })
    this.pending = pending
    return pending
  }
}

export function notSqlError(sql: unknown): SqlstillError | null {
  return typeof sql === 'string' ? null : new SqlstillError('BAD_REQUEST', 'The SQL must be a string.')
}

export interface QueryCall {
  timeoutMs: number
  queryId: string
  /** The error a query that passed its time limit ends with. */
  timedOut(): SqlstillError
}

/** A query's checked arguments, or the BAD_REQUEST that says which one is wrong. */
export function queryCall(sql: unknown, opts: QueryOptions): QueryCall | SqlstillError {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
  const bad = notSqlError(sql)
  if (bad) return bad
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    return new SqlstillError('BAD_REQUEST', `timeoutMs must be a positive number (got ${String(timeoutMs)}).`)
  }
  const queryId = opts.queryId ?? randomUUID()
  return { timeoutMs, queryId, timedOut: () => new SqlstillError('TIMEOUT', `The query ran longer than ${timeoutMs} ms and was stopped.`, { timeoutMs, queryId }) }
}

export function cancelledError(queryId: string): SqlstillError {
  return new SqlstillError('CANCELLED', 'The query was cancelled.', { queryId })
}
