// The parent side of a db host: a DatabaseHandle whose work runs in a child process, one request at a time.
// A query that passes its time limit, or is cancelled, is stopped by SIGKILLing the host; the next request
// starts a fresh one. The host crashing only fails the request it was running.
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { SqlstillError } from '../../../../shared/errors'
import { formatBytes } from '../../../../shared/format'
import type { QueryOptions, QueryResult } from '../../../../shared/query'
import type { DatabaseEngine } from '../../../../shared/engine'
import type { Schema } from '../../../../shared/schema'
import { entryPoint } from '../entries'
import type { CompileResult } from '../../db/execute'
import { checkDatabaseFile } from '../../db/openReadOnly'
import { cancelledError, notSqlError, queryCall, SchemaCache } from '../../db/handleBase'
import { MEMORY_CAP_SIGNAL, QUERY_PROCESS_MEMORY_CAP_BYTES, type HostOp, type HostRequest, type HostResponse } from './protocol'

export interface DatabaseHandle {
  readonly id: string
  /** Which engine runs it: the dialect prompts ask for, and the one that checks and runs every statement. */
  readonly engine: DatabaseEngine
  /** The file, folder or connection URL (without its password) it was opened from. */
  readonly path: string
  readonly name: string
  readonly sizeBytes: number
  schema(opts?: { refresh?: boolean }): Promise<Schema>
  query(sql: string, opts?: QueryOptions): Promise<QueryResult>
  compile(sql: string): Promise<CompileResult>
  cancel(queryId: string): boolean
  close(): Promise<void>
}

export interface OpenOptions {
  /** Distinct sample values per column in schema() (default 3). */
  sampleValues?: number
  /** A server's password when the URL has none (PostgreSQL; PGPASSWORD is the last resort). */
  password?: string
}

/** Opening includes starting the host (which, from source, compiles through tsx) and a first read. */
const OPEN_TIMEOUT_MS = 30_000
/** Introspection is bounded per table, but a schema can have thousands of them. */
const SCHEMA_TIMEOUT_MS = 120_000
const COMPILE_TIMEOUT_MS = 10_000
const CLOSE_GRACE_MS = 1_000

type Payload<Op extends HostOp> = Omit<Extract<HostRequest, { op: Op }>, 'id' | 'op'>

interface Job {
  queryId?: string
  run: () => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (err: SqlstillError) => void
}

interface InFlight {
  requestId: number
  resolve: (value: unknown) => void
  reject: (err: SqlstillError) => void
  timer?: NodeJS.Timeout
}

const liveHosts = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // A host blocked in a long query would not notice the IPC channel closing; do not leave it behind.
  process.on('exit', () => {
    for (const child of liveHosts) child.kill('SIGKILL')
  })
}

export class HostedDatabase implements DatabaseHandle {
  readonly id = randomUUID()
  readonly engine = 'sqlite' as const
  readonly path: string
  readonly name: string
  readonly sizeBytes: number

  private readonly sampleValues: number | undefined
  private child: ChildProcess | undefined
  private hostReady: Promise<void> | undefined
  private readonly inFlight = new Map<number, InFlight>()
  private nextRequestId = 1
  private readonly queue: Job[] = []
  private current: Job | undefined
  private closed = false
  private readonly schemaCache = new SchemaCache()

  private constructor(path: string, opts: OpenOptions) {
    const file = checkDatabaseFile(path)
    this.path = file.path
    this.name = file.name
    this.sizeBytes = file.sizeBytes
    this.sampleValues = opts.sampleValues
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<HostedDatabase> {
    const db = new HostedDatabase(path, opts)
    try {
      await db.enqueue(undefined, () => db.ensureHost())
    } catch (err) {
      await db.close()
      throw err
    }
    return db
  }

  /** The host's process id, or undefined while none runs (for tests and diagnostics). */
  get hostPid(): number | undefined {
    return this.child?.pid
  }

  schema(opts: { refresh?: boolean } = {}): Promise<Schema> {
    return this.schemaCache.get(opts.refresh, () => this.enqueue(undefined, () => this.call('schema', {}, SCHEMA_TIMEOUT_MS)) as Promise<Schema>)
  }

  query(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const call = queryCall(sql, opts)
    if (call instanceof SqlstillError) return Promise.reject(call)
    return this.enqueue(call.queryId, () => this.call('query', { sql, maxRows: opts.maxRows }, call.timeoutMs, call.timedOut)) as Promise<QueryResult>
  }

  compile(sql: string): Promise<CompileResult> {
    const bad = notSqlError(sql)
    if (bad) return Promise.reject(bad)
    return this.enqueue(undefined, () => this.call('compile', { sql }, COMPILE_TIMEOUT_MS)) as Promise<CompileResult>
  }

  cancel(queryId: string): boolean {
    const cancelled = (): SqlstillError => cancelledError(queryId)
    const queued = this.queue.findIndex((j) => j.queryId === queryId)
    if (queued >= 0) {
      const [job] = this.queue.splice(queued, 1)
      job.reject(cancelled())
      return true
    }
    if (this.current?.queryId === queryId && this.inFlight.size > 0) {
      this.failInFlight(cancelled())
      this.killHost()
      return true
    }
    return false
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const closedError = (): SqlstillError => new SqlstillError('NOT_FOUND', `The database "${this.name}" was closed.`)
    for (const job of this.queue.splice(0)) job.reject(closedError())
    const child = this.child
    if (!child) return
    if (this.inFlight.size > 0) {
      this.failInFlight(closedError())
      this.killHost()
      return
    }
    // Let SQLite close the file itself (it tidies WAL files on the last close); kill if it does not answer.
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
    try {
      child.send({ id: 0, op: 'close' } satisfies HostRequest)
    } catch {
      // The channel is already gone: the kill below is all that is left to do.
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS)
    await exited
    clearTimeout(timer)
    this.forgetHost(child)
    this.child = undefined
    this.hostReady = undefined
  }

  // --- one request at a time ---

  private enqueue(queryId: string | undefined, run: () => Promise<unknown>): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(new SqlstillError('NOT_FOUND', `The database "${this.name}" was closed.`))
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ queryId, run, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    if (this.current) return
    const job = this.queue.shift()
    if (!job) return
    this.current = job
    job
      .run()
      .then(job.resolve, (err) => job.reject(asSqlstillError(err)))
      .finally(() => {
        this.current = undefined
        this.pump()
      })
  }

  // --- the host process ---

  private ensureHost(): Promise<void> {
    if (this.hostReady) return this.hostReady
    const entry = entryPoint('db-host')
    const child = fork(entry.file, [], { execArgv: entry.execArgv, serialization: 'advanced' })
    installExitHook()
    liveHosts.add(child)
    this.child = child
    child.unref()
    child.on('message', (msg: HostResponse) => this.onResponse(child, msg))
    child.on('exit', (code, signal) => this.onExit(child, code, signal))
    child.on('error', () => {
      // 'exit' follows (or the spawn failed, which the pending open reports); nothing more to do here.
    })
    this.unrefChannel(child)
    const ready = this.send(child, 'open', { path: this.path, sampleValues: this.sampleValues }, OPEN_TIMEOUT_MS).then(
      () => undefined,
    )
    this.hostReady = ready
    ready.catch(() => {
      if (this.child === child) this.killHost()
    })
    return ready
  }

  private async call<Op extends HostOp>(
    op: Op,
    payload: Payload<Op>,
    timeoutMs: number,
    onTimeout?: () => SqlstillError,
  ): Promise<unknown> {
    await this.ensureHost()
    const child = this.child
    if (!child) throw new SqlstillError('INTERNAL', 'The database process is not running.')
    return this.send(child, op, payload, timeoutMs, onTimeout)
  }

  private send<Op extends HostOp>(
    child: ChildProcess,
    op: Op,
    payload: Payload<Op>,
    timeoutMs: number,
    onTimeout?: () => SqlstillError,
  ): Promise<unknown> {
    const requestId = this.nextRequestId++
    return new Promise((resolve, reject) => {
      const entry: InFlight = { requestId, resolve, reject }
      entry.timer = setTimeout(() => {
        if (!this.inFlight.has(requestId)) return
        this.failInFlight(
          onTimeout?.() ??
            new SqlstillError('TIMEOUT', `The database did not answer a "${op}" request within ${timeoutMs} ms.`),
        )
        this.killHost()
      }, timeoutMs)
      this.inFlight.set(requestId, entry)
      child.channel?.ref()
      const unreachable = (err: Error): void => {
        if (this.settle(requestId)) {
          reject(new SqlstillError('INTERNAL', `Could not reach the database process: ${err.message}`))
        }
      }
      try {
        child.send({ id: requestId, op, ...payload } as HostRequest, (err) => {
          if (err) unreachable(err)
        })
      } catch (err) {
        unreachable(err as Error)
      }
    })
  }

  private onResponse(child: ChildProcess, msg: HostResponse): void {
    if (child !== this.child) return
    const entry = this.settle(msg.id)
    if (!entry) return
    if (msg.ok) entry.resolve(msg.value)
    else entry.reject(SqlstillError.fromShape(msg.error))
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.forgetHost(child)
    if (child !== this.child) return
    this.child = undefined
    this.hostReady = undefined
    this.failInFlight(
      signal === MEMORY_CAP_SIGNAL
        ? new SqlstillError(
            'TOO_LARGE',
            `The query needed more than ${formatBytes(QUERY_PROCESS_MEMORY_CAP_BYTES)} of memory and was stopped; ask for fewer or smaller values.`,
            { capBytes: QUERY_PROCESS_MEMORY_CAP_BYTES },
          )
        : new SqlstillError(
            'INTERNAL',
            `The database process for "${this.name}" stopped unexpectedly (${signal ?? `exit code ${code}`}); the next request starts a new one.`,
          ),
    )
  }

  private settle(requestId: number): InFlight | undefined {
    const entry = this.inFlight.get(requestId)
    if (!entry) return undefined
    clearTimeout(entry.timer)
    this.inFlight.delete(requestId)
    if (this.inFlight.size === 0 && this.child) this.unrefChannel(this.child)
    return entry
  }

  private failInFlight(err: SqlstillError): void {
    for (const id of [...this.inFlight.keys()]) this.settle(id)?.reject(err)
  }

  private killHost(): void {
    const child = this.child
    this.child = undefined
    this.hostReady = undefined
    if (child) {
      child.kill('SIGKILL')
      this.forgetHost(child)
    }
  }

  private forgetHost(child: ChildProcess): void {
    liveHosts.delete(child)
  }

  /** An idle host must not keep the parent alive (a CLI that forgot close() should still exit). */
  private unrefChannel(child: ChildProcess): void {
    child.channel?.unref()
  }
}

function asSqlstillError(err: unknown): SqlstillError {
  if (err instanceof SqlstillError) return err
  return new SqlstillError('INTERNAL', err instanceof Error ? err.message : String(err))
}
