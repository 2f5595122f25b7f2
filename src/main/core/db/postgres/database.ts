// A read-only PostgreSQL database as a DatabaseHandle. One connection runs one request at a time (a queue, like the
// SQLite host); a query past its time limit or cancelled is stopped on the server with pg_cancel_backend from a
// second connection, and the handle keeps its session. If the server does not stop the query within a grace
// period, the connection is dropped and the next request opens a new one.
import { cancelledError, notSqlError, queryCall, SchemaCache } from '../handleBase'
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { SqlstillError } from '../../../../shared/errors'
import type { QueryOptions, QueryResult } from '../../../../shared/query'
import type { Schema } from '../../../../shared/schema'
import type { DatabaseHandle, OpenOptions } from '../../hosts/database/client'
import type { CompileResult } from '../execute'
import { Catalog } from './catalog'
import { isQueryCanceled } from './classifyError'
import { backendPid, connectClient, destroyClient } from './connect'
import { compilePostgres, MAX_TIMEOUT_MS, runPostgresQuery, type StopSignal } from './execute'
import { introspectPostgres } from './introspect'
import { parsePostgresUrl, type PostgresTarget } from './target'

const SCHEMA_STATEMENT_TIMEOUT_MS = 30_000
const COMPILE_TIMEOUT_MS = 10_000
/** How long a stopped query may take to end on the server before its connection is dropped instead. */
const STOP_GRACE_MS = 3_000

interface Job {
  queryId?: string
  run: (signal: StopSignal) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (err: SqlstillError) => void
  signal: StopSignal
  settled: boolean
  /** Why the caller was answered early: the error a server-side cancel will surface as. */
  stopError?: SqlstillError
  /** The server-side cancel in flight: the next request waits for it, so it cannot land on that request. */
  stopping?: Promise<void>
}

export class PostgresDatabase implements DatabaseHandle {
  readonly id = randomUUID()
  readonly engine = 'postgres' as const
  readonly path: string
  readonly name: string
  sizeBytes = 0

  private readonly target: PostgresTarget
  private readonly sampleValues: number | undefined
  private client: pg.Client | undefined
  private connecting: Promise<pg.Client> | undefined
  private readonly catalog = new Catalog()
  private readonly queue: Job[] = []
  private current: Job | undefined
  private closed = false
  private readonly schemaCache = new SchemaCache()

  private constructor(target: PostgresTarget, opts: OpenOptions) {
    this.target = target
    this.path = target.redacted
    this.name = target.name
    this.sampleValues = opts.sampleValues
  }

  static async open(url: string, opts: OpenOptions = {}): Promise<PostgresDatabase> {
    const db = new PostgresDatabase(parsePostgresUrl(url, { password: opts.password }), opts)
    try {
      await db.enqueue(undefined, async () => {
        const client = await db.connection()
        const res = await client.query('SELECT pg_catalog.pg_database_size(pg_catalog.current_database())::int8 AS size').catch(() => undefined)
        db.sizeBytes = Number(res?.rows[0]?.size ?? 0)
      })
    } catch (err) {
      await db.close()
      throw err
    }
    return db
  }

  /** The backend serving queries, or undefined while not connected (for tests and diagnostics). */
  get backendPid(): number | undefined {
    return this.client ? backendPid(this.client) : undefined
  }

  schema(opts: { refresh?: boolean } = {}): Promise<Schema> {
    return this.schemaCache.get(
      opts.refresh,
      () =>
        this.enqueue(undefined, async () =>
          introspectPostgres(await this.connection(), { sampleValues: this.sampleValues, statementTimeoutMs: SCHEMA_STATEMENT_TIMEOUT_MS }),
        ) as Promise<Schema>,
    )
  }

  query(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const call = queryCall(sql, opts)
    if (call instanceof SqlstillError) return Promise.reject(call)
    const { timeoutMs, queryId, timedOut } = call
    return this.enqueue(queryId, async (signal) => {
      const job = this.current!
      const client = await this.connection()
      // The client-side backstop: the server's statement_timeout applies per statement (each FETCH), this one to
      // the whole query.
      const timer = setTimeout(() => this.stopCurrent(job, timedOut()), Math.min(timeoutMs, MAX_TIMEOUT_MS))
      try {
        return await runPostgresQuery(client, this.catalog, sql, { maxRows: opts.maxRows, timeoutMs, signal })
      } catch (err) {
        if (job.stopError) throw job.stopError
        if (err instanceof SqlstillError && isQueryCanceled({ code: err.details?.sqlState })) {
          // Only statement_timeout cancels a query that neither we nor the caller stopped.
          throw timedOut()
        }
        throw err
      } finally {
        clearTimeout(timer)
      }
    }) as Promise<QueryResult>
  }

  compile(sql: string): Promise<CompileResult> {
    const bad = notSqlError(sql)
    if (bad) return Promise.reject(bad)
    return this.enqueue(undefined, async () => compilePostgres(await this.connection(), sql, COMPILE_TIMEOUT_MS)) as Promise<CompileResult>
  }

  cancel(queryId: string): boolean {
    const cancelled = (): SqlstillError => cancelledError(queryId)
    const queued = this.queue.findIndex((j) => j.queryId === queryId)
    if (queued >= 0) {
      const [job] = this.queue.splice(queued, 1)
      this.settle(job, undefined, cancelled())
      return true
    }
    const job = this.current
    if (job && job.queryId === queryId && !job.settled) {
      this.stopCurrent(job, cancelled())
      return true
    }
    return false
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const closedError = (): SqlstillError => new SqlstillError('NOT_FOUND', `The database "${this.name}" was closed.`)
    for (const job of this.queue.splice(0)) this.settle(job, undefined, closedError())
    const client = this.client ?? (await this.connecting?.catch(() => undefined))
    this.client = undefined
    if (!client) return
    const job = this.current
    if (job && !job.settled) {
      this.settle(job, undefined, closedError())
      destroyClient(client)
      return
    }
    await client.end().catch(() => destroyClient(client))
  }

  // --- one request at a time ---

  private enqueue(queryId: string | undefined, run: (signal: StopSignal) => Promise<unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new SqlstillError('NOT_FOUND', `The database "${this.name}" was closed.`))
    return new Promise((resolve, reject) => {
      this.queue.push({ queryId, run, resolve, reject, signal: { stopped: false }, settled: false })
      this.pump()
    })
  }

  private pump(): void {
    if (this.current) return
    const job = this.queue.shift()
    if (!job) return
    this.current = job
    job
      .run(job.signal)
      .then(
        (value) => this.settle(job, value),
        (err) => this.settle(job, undefined, asSqlstillError(err)),
      )
      .then(() => job.stopping && Promise.race([job.stopping, delay(STOP_GRACE_MS)]))
      .finally(() => {
        this.current = undefined
        this.pump()
      })
  }

  private settle(job: Job, value: unknown, err?: SqlstillError): void {
    if (job.settled) return
    job.settled = true
    if (err) job.reject(err)
    else job.resolve(value)
  }

  /** Answers the caller now and stops the query on the server; the next request waits until the session is free. */
  private stopCurrent(job: Job, err: SqlstillError): void {
    if (job.settled) return
    job.stopError = err
    job.signal.stopped = true
    this.settle(job, undefined, err)
    const client = this.client
    const pid = client ? backendPid(client) : undefined
    if (!client || pid === undefined) return
    job.stopping = this.cancelBackend(pid)
    const grace = setTimeout(() => {
      if (this.current === job && this.client === client) {
        this.client = undefined
        destroyClient(client)
      }
    }, STOP_GRACE_MS)
    grace.unref()
  }

  private async cancelBackend(pid: number): Promise<void> {
    let side: pg.Client | undefined
    try {
      side = await connectClient(this.target, 'sqlstill-cancel')
      await side.query({ text: 'SELECT pg_catalog.pg_cancel_backend($1)', values: [pid] })
    } catch {
      // The grace timer drops the connection if the cancel did not get through.
    } finally {
      await side?.end().catch(() => undefined)
    }
  }

  // --- the connection ---

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client
    if (!this.connecting) {
      this.connecting = connectClient(this.target).finally(() => {
        this.connecting = undefined
      })
    }
    const client = await this.connecting
    if (this.closed) {
      await client.end().catch(() => undefined)
      throw new SqlstillError('NOT_FOUND', `The database "${this.name}" was closed.`)
    }
    this.client = client
    client.on('end', () => {
      if (this.client === client) this.client = undefined
    })
    return client
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

function asSqlstillError(err: unknown): SqlstillError {
  if (err instanceof SqlstillError) return err
  return new SqlstillError('INTERNAL', err instanceof Error ? err.message : String(err))
}
