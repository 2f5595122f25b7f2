// A DatabaseHandle on DuckDB. DuckDB runs in this process: its calls are asynchronous (they run on libuv's
// thread pool), so the event loop stays free while a query computes, and a query is stopped with
// connection.interrupt() rather than by killing a process as the SQLite host does. One request runs at a time
// on the handle's one connection, as with SQLite, so a query never sees another one half done.
import { cancelledError, notSqlError, queryCall, SchemaCache } from '../handleBase'
import { randomUUID } from 'node:crypto'
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { SqlstillError, toErrorShape } from '../../../../shared/errors'
import type { QueryOptions, QueryResult } from '../../../../shared/query'
import type { Schema } from '../../../../shared/schema'
import type { DatabaseHandle, OpenOptions } from '../../hosts/database/client'
import type { CompileResult } from '../execute'
import { connectDuckDb } from './connect'
import { classifyDuckDbError } from './errors'
import { judgeStatement } from './guard'
import { introspectDuckDb } from './introspect'
import { runRead } from './run'
import { resolveDuckDbSource, type DuckDbSource } from './source'

/** Introspection reads a few rows per table and counts them; a schema can still have thousands of tables. */
const SCHEMA_TIMEOUT_MS = 120_000
const COMPILE_TIMEOUT_MS = 10_000

/** Why the running request was stopped; set before interrupt() so the error it causes can be told apart. */
class Stop {
  reason: SqlstillError | undefined
  set(reason: SqlstillError): void {
    this.reason ??= reason
  }
  check(): void {
    if (this.reason) throw this.reason
  }
}

interface Job {
  queryId?: string
  run: (stop: Stop) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (err: SqlstillError) => void
  stop: Stop
  done?: Promise<void>
}

export class DuckDbDatabase implements DatabaseHandle {
  readonly id = randomUUID()
  readonly engine = 'duckdb' as const
  readonly path: string
  readonly name: string
  readonly sizeBytes: number

  private readonly queue: Job[] = []
  private current: Job | undefined
  private closed = false
  private readonly schemaCache = new SchemaCache()

  private constructor(
    source: DuckDbSource,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly dataViews: Map<string, { countable: boolean }>,
    private readonly sampleValues: number | undefined,
  ) {
    this.path = source.path
    this.name = source.name
    this.sizeBytes = source.sizeBytes
  }

  static async open(target: string, opts: OpenOptions = {}): Promise<DuckDbDatabase> {
    const source = resolveDuckDbSource(target)
    const session = await connectDuckDb(source)
    return new DuckDbDatabase(source, session.instance, session.connection, session.dataViews, opts.sampleValues)
  }

  schema(opts: { refresh?: boolean } = {}): Promise<Schema> {
    return this.schemaCache.get(
      opts.refresh,
      () =>
        this.enqueue(undefined, (stop) =>
          this.withTimeLimit(stop, SCHEMA_TIMEOUT_MS, () => new SqlstillError('TIMEOUT', `Reading the schema took longer than ${SCHEMA_TIMEOUT_MS} ms and was stopped.`), () =>
            introspectDuckDb(this.connection, { sampleValues: this.sampleValues, dataViews: this.dataViews }),
          ),
        ) as Promise<Schema>,
    )
  }

  query(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const call = queryCall(sql, opts)
    if (call instanceof SqlstillError) return Promise.reject(call)
    return this.enqueue(call.queryId, (stop) =>
      this.withTimeLimit(stop, call.timeoutMs, call.timedOut, () =>
        runRead(this.connection, sql, { maxRows: opts.maxRows, path: this.path, checkStopped: () => stop.check() }),
      ),
    ) as Promise<QueryResult>
  }

  compile(sql: string): Promise<CompileResult> {
    const bad = notSqlError(sql)
    if (bad) return Promise.reject(bad)
    const run = async (): Promise<CompileResult> => {
      try {
        const { prepared, readonly } = await judgeStatement(this.connection, sql)
        const columnNames = readonly ? Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i)) : []
        prepared.destroySync()
        // `readonly` means "query() would accept it", as for SQLite.
        return { ok: true, readonly, columnNames }
      } catch (err) {
        return { ok: false, error: toErrorShape(classifyDuckDbError(err, { sql, path: this.path })) }
      }
    }
    const timedOut = (): SqlstillError => new SqlstillError('TIMEOUT', `Checking the statement took longer than ${COMPILE_TIMEOUT_MS} ms.`)
    return this.enqueue(undefined, (stop) => this.withTimeLimit(stop, COMPILE_TIMEOUT_MS, timedOut, run)) as Promise<CompileResult>
  }

  cancel(queryId: string): boolean {
    const cancelled = (): SqlstillError => cancelledError(queryId)
    const queued = this.queue.findIndex((j) => j.queryId === queryId)
    if (queued >= 0) {
      const [job] = this.queue.splice(queued, 1)
      job.reject(cancelled())
      return true
    }
    if (this.current?.queryId === queryId && !this.current.stop.reason) {
      this.stopCurrent(cancelled())
      return true
    }
    return false
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(this.closedError())
    const running = this.current
    if (running) {
      this.stopCurrent(this.closedError())
      // Closing the connection under a query DuckDB is still computing would pull its state away mid-step.
      await running.done
    }
    try {
      this.connection.closeSync()
    } finally {
      this.instance.closeSync()
    }
  }

  // --- one request at a time ---

  private closedError(): SqlstillError {
    return new SqlstillError('NOT_FOUND', `The database "${this.name}" was closed.`)
  }

  private stopCurrent(reason: SqlstillError): void {
    this.current?.stop.set(reason)
    this.connection.interrupt()
  }

  private async withTimeLimit<T>(stop: Stop, timeoutMs: number, onTimeout: () => SqlstillError, work: () => Promise<T>): Promise<T> {
    const timer = setTimeout(() => {
      stop.set(onTimeout())
      this.connection.interrupt()
    }, timeoutMs)
    try {
      return await work()
    } finally {
      clearTimeout(timer)
    }
  }

  private enqueue(queryId: string | undefined, run: (stop: Stop) => Promise<unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closedError())
    return new Promise((resolve, reject) => {
      this.queue.push({ queryId, run, resolve, reject, stop: new Stop() })
      this.pump()
    })
  }

  private pump(): void {
    if (this.current) return
    const job = this.queue.shift()
    if (!job) return
    this.current = job
    job.done = job
      .run(job.stop)
      .then(
        (value) => (job.stop.reason ? job.reject(job.stop.reason) : job.resolve(value)),
        // A stopped query fails with DuckDB's "Interrupted!": the reason it was stopped is the error to report.
        (err) => job.reject(job.stop.reason ?? classifyDuckDbError(err, { path: this.path })),
      )
      .finally(() => {
        this.current = undefined
        this.pump()
      })
  }
}
