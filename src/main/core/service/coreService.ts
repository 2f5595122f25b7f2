// The one implementation of the API contract. Both shells (Electron IPC, the web host) and the tests
// drive exactly this object; only the shell-specific bits (a native file dialog) are injected.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, realpathSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { AppInfo, DatabaseInfo, RecentDatabase } from '../../../shared/api'
import { SqlstillError } from '../../../shared/errors'
import { normalizeSettings, type Settings } from '../../../shared/settings'
import { importPeftAdapter } from '../adapters/peftImport'
import { isDirectory } from '../platform/fileErrors'
import { AskService } from '../ask/service'
import { openDatabase, type DatabaseHandle } from '../db'
import { rememberServerPassword, resolveServerPassword } from '../db/serverPassword'
import { engineOf, isPostgresUrl } from '../../../shared/engine'
import { readModelInfo, RECOMMENDED_MODELS } from '../llm'
import { demoDatabasePath } from '../platform/paths'
import { readSettings, writeSettings, type KeyValueStore } from '../settings/keyValueStore'
import type { SecretStore } from '../teacher/openaiTeacher'
import type { ServiceContext } from './context'
import { CustomizeHandlers } from './customizeHandlers'
import type { ApiHandlers } from './dispatch'
import { EventBus } from './events'
import { ExportHandlers } from './exportHandlers'
import { TeacherHandlers } from './teacherHandlers'
import { WorkspaceHandlers } from './workspaceHandlers'

const RECENT_KEY = 'recentDatabases'
const MAX_RECENT = 15

export interface CoreServiceOptions {
  shell: AppInfo['shell']
  version: string
  dataDir: string
  store: KeyValueStore
  /** Shell-provided native "open file" dialog; absent in browser mode. */
  pickDatabaseFile?: () => Promise<string | null>
  demoDatabase?: string
  /** Where the teacher's API key is kept (Electron: safeStorage); absent in browser mode and the CLI. */
  secretStore?: SecretStore
  /** Generations the student runs at once (`serve --parallel`). Default 1. */
  studentSlots?: number
}

interface OpenEntry {
  handle: DatabaseHandle
  info: DatabaseInfo
  /** The file itself (symlinks resolved): what makes two opens the same database. */
  realPath: string
}

/** The file a path names, symlinks resolved; the path itself when it cannot be resolved (openDatabase then says why). */
function realPathOr(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/** Each open database is a query process of its own (~55 MB). */
export const MAX_OPEN_DATABASES = 16

export class CoreService {
  readonly events = new EventBus()
  readonly handlers: ApiHandlers
  readonly student: AskService
  private readonly open = new Map<string, OpenEntry>()
  /** Opens in flight, by real path: eight simultaneous opens of one file are one open. */
  private readonly opening = new Map<string, Promise<DatabaseInfo>>()
  /** queryId → database id, so `db.cancel` can find the running query. */
  private readonly runningQueries = new Map<string, string>()
  private readonly teacher: TeacherHandlers
  private readonly customize: CustomizeHandlers
  private readonly exports: ExportHandlers
  private readonly workspace: WorkspaceHandlers

  constructor(private readonly options: CoreServiceOptions) {
    this.student = new AskService({ dataDir: options.dataDir, settings: () => this.settings, slots: options.studentSlots })
    const service = this
    const context: ServiceContext = {
      dataDir: options.dataDir,
      store: options.store,
      secretStore: options.secretStore,
      events: this.events,
      student: this.student,
      get settings() {
        return service.settings
      },
      handle: (dbId) => this.handle(dbId),
    }
    this.teacher = new TeacherHandlers(context)
    this.customize = new CustomizeHandlers(context, this.teacher)
    this.exports = new ExportHandlers(context)
    this.workspace = new WorkspaceHandlers(context)
    this.handlers = this.createHandlers()
  }

  get settings(): Settings {
    return readSettings(this.options.store)
  }

  /**
   * Opens (or returns the already-open handle of) a database file. The same file reached by another path (a
   * symlink, `..`) is the same database, and so are opens of it still in flight: each database is one query process
   * (~55 MB), so they are also capped at MAX_OPEN_DATABASES.
   */
  openDatabase(path: string, opts: { password?: string; rememberPassword?: boolean } = {}): Promise<DatabaseInfo> {
    if (isPostgresUrl(path)) return this.openServer(path, opts)
    return this.openOnce(realPathOr(resolve(path)))
  }

  /** A PostgreSQL server: one connection per URL (user, host, port, database), its password never part of the key. */
  private async openServer(target: string, opts: { password?: string; rememberPassword?: boolean }): Promise<DatabaseInfo> {
    const { url, password, from } = await resolveServerPassword(target, opts.password, this.options.secretStore)
    const info = await this.openOnce(url, password)
    // Only a password that just worked is kept, and only when asked.
    if (opts.rememberPassword && password !== undefined && from !== 'keychain') await rememberServerPassword(url, password, this.options.secretStore)
    return info
  }

  /** The open of `key` (a real file path or a server URL): the one already open, the one in flight, or a new one. */
  private openOnce(key: string, password?: string): Promise<DatabaseInfo> {
    for (const entry of this.open.values()) if (entry.realPath === key) return Promise.resolve(entry.info)
    const pending = this.opening.get(key)
    if (pending) return pending
    if (this.open.size + this.opening.size >= MAX_OPEN_DATABASES) {
      return Promise.reject(
        new SqlstillError('TOO_LARGE', `${MAX_OPEN_DATABASES} databases are open already; close one to open another.`, { limit: MAX_OPEN_DATABASES }),
      )
    }
    const task = this.openNow(key, password).finally(() => this.opening.delete(key))
    this.opening.set(key, task)
    return task
  }

  private async openNow(real: string, password?: string): Promise<DatabaseInfo> {
    const handle = await openDatabase(real, password === undefined ? undefined : { password })
    let schema
    try {
      schema = await handle.schema()
    } catch (err) {
      await handle.close().catch(() => undefined)
      throw err
    }
    const info: DatabaseInfo = {
      id: handle.id,
      engine: handle.engine,
      path: handle.path,
      name: handle.name,
      sizeBytes: handle.sizeBytes,
      tableCount: schema.tables.filter((t) => t.kind !== 'view').length,
      viewCount: schema.tables.filter((t) => t.kind === 'view').length,
      isDemo: real === realPathOr(resolve(this.demoPath)),
      openedAt: new Date().toISOString(),
    }
    this.open.set(handle.id, { handle, info, realPath: real })
    this.rememberRecent(info)
    this.events.emit('db.opened', info)
    return info
  }

  handle(dbId: string): DatabaseHandle {
    const entry = this.open.get(dbId)
    if (!entry) throw new SqlstillError('NOT_FOUND', `No open database with id "${dbId}" (it may have been closed).`)
    return entry.handle
  }

  async dispose(): Promise<void> {
    this.exports.dispose()
    await this.customize.dispose()
    await this.teacher.forget()
    await this.student.dispose().catch(() => undefined)
    await Promise.allSettled([...this.open.values()].map((e) => e.handle.close()))
    this.open.clear()
  }

  private get demoPath(): string {
    return this.options.demoDatabase ?? demoDatabasePath()
  }

  private recent(): RecentDatabase[] {
    const stored = this.options.store.get<RecentDatabase[]>(RECENT_KEY)
    if (!Array.isArray(stored)) return []
    return stored
      .filter((r) => r && typeof r.path === 'string')
      .map((r) => {
        const engine = engineOf(r.path, { folderIsData: !isPostgresUrl(r.path) && isDirectory(r.path) })
        // A server cannot be checked without connecting: it is listed as there.
        return { path: r.path, engine, name: r.name ?? basename(r.path), openedAt: r.openedAt ?? '', exists: engine === 'postgres' || existsSync(r.path) }
      })
  }

  private rememberRecent(info: DatabaseInfo): void {
    const next = [
      { path: info.path, engine: info.engine, name: info.name, openedAt: info.openedAt, exists: true },
      ...this.recent().filter((r) => r.path !== info.path),
    ].slice(0, MAX_RECENT)
    this.options.store.set(RECENT_KEY, next.map(({ exists: _exists, engine: _engine, ...r }) => r))
    this.events.emit('recent.changed', next)
  }

  private createHandlers(): ApiHandlers {
    return {
      'app.info': async () => ({
        name: 'sqlstill',
        version: this.options.version,
        shell: this.options.shell,
        platform: process.platform,
        capabilities: { nativeFileDialog: Boolean(this.options.pickDatabaseFile) },
        demoDatabasePath: this.demoPath,
        dataDir: this.options.dataDir,
      }),
      'db.open': async ({ path, password, rememberPassword }) => {
        if (isPostgresUrl(path)) return this.openDatabase(path, { password, rememberPassword })
        if (!existsSync(path)) throw new SqlstillError('NOT_FOUND', `No such file: ${path}`, { path })
        return this.openDatabase(path)
      },
      'db.openDemo': async () => {
        if (!existsSync(this.demoPath))
          throw new SqlstillError('NOT_FOUND', `The demo database is missing (${this.demoPath}); run "npm run demo-db".`)
        return this.openDatabase(this.demoPath)
      },
      'db.close': async ({ dbId }) => {
        const entry = this.open.get(dbId)
        if (!entry) return { closed: false }
        this.open.delete(dbId)
        await entry.handle.close()
        this.events.emit('db.closed', { dbId })
        return { closed: true }
      },
      'db.list': async () => [...this.open.values()].map((e) => e.info),
      'db.recent': async () => this.recent(),
      'db.forgetRecent': async ({ path }) => {
        const next = this.recent().filter((r) => r.path !== path)
        this.options.store.set(RECENT_KEY, next.map(({ exists: _exists, ...r }) => r))
        this.events.emit('recent.changed', next)
        return next
      },
      'db.schema': async ({ dbId }) => this.handle(dbId).schema(),
      'db.query': async ({ dbId, sql, queryId, timeoutMs, maxRows, record }) => {
        const handle = this.handle(dbId)
        const settings = this.settings
        if (queryId) this.runningQueries.set(queryId, dbId)
        const started = Date.now()
        const remember = (outcome: { rowCount?: number; errorCode?: string }) => {
          if (record && sql.trim()) this.workspace.store.recordRun(handle.path, { sql: sql.trim(), at: new Date(started).toISOString(), elapsedMs: Date.now() - started, ...outcome })
        }
        try {
          const result = await handle.query(sql, {
            queryId,
            timeoutMs: timeoutMs ?? settings.queryTimeoutMs,
            maxRows: maxRows ?? settings.rowCap,
          })
          remember({ rowCount: result.rowCount })
          return result
        } catch (err) {
          remember({ errorCode: err instanceof SqlstillError ? err.code : 'INTERNAL' })
          throw err
        } finally {
          if (queryId) this.runningQueries.delete(queryId)
        }
      },
      'db.cancel': async ({ queryId }) => {
        const dbId = this.runningQueries.get(queryId)
        const entry = dbId ? this.open.get(dbId) : undefined
        return { cancelled: entry ? entry.handle.cancel(queryId) : false }
      },
      'settings.get': async () => this.settings,
      'settings.update': async (patch) => {
        const next = normalizeSettings({ ...this.settings, ...patch })
        writeSettings(this.options.store, next)
        this.events.emit('settings.changed', next)
        return next
      },
      'dialog.openDatabase': async () => ({
        path: this.options.pickDatabaseFile ? await this.options.pickDatabaseFile() : null,
      }),
      ...this.modelHandlers(),
      ...this.teacher.handlers,
      ...this.customize.handlers,
      ...this.exports.handlers,
      ...this.workspace.handlers,
    }
  }

  private modelHandlers(): Pick<ApiHandlers, Extract<keyof ApiHandlers, `model.${string}` | `ask.${string}` | `history.${string}`>> {
    const student = this.student
    const changed = () => {
      const current = student.currentModel()
      this.events.emit('model.changed', current)
      return current
    }
    return {
      'model.list': () => student.models.list(),
      'model.recommended': async () => RECOMMENDED_MODELS,
      'model.info': ({ path }) => readModelInfo(path),
      'model.add': ({ path }) => student.models.add(path),
      'model.remove': async ({ id }) => {
        const current = student.currentModel()
        if (current && current.modelId === id) {
          await student.unloadModel()
          changed()
        }
        return student.models.remove(id)
      },
      'model.download': ({ uri, downloadId }) =>
        student.download(uri, downloadId, (p) => this.events.emit('model.downloadProgress', { ...p, downloadId })),
      'model.cancelDownload': async ({ downloadId }) => ({ cancelled: student.cancelDownload(downloadId) }),
      'model.load': async ({ ref }) => {
        await student.loadModel(ref)
        return changed()!
      },
      'model.unload': async () => {
        const had = student.currentModel() !== null
        await student.unloadModel()
        changed()
        return { unloaded: had }
      },
      'model.current': async () => student.currentModel(),
      'model.importAdapter': async ({ peftDir, base, out }) => {
        const basePath = base ?? student.currentModel()?.path
        if (!basePath) throw new SqlstillError('BAD_REQUEST', 'Load the student the adapter was trained for first (or name its base model).')
        const target = out ?? join(this.options.dataDir, 'adapters', `${basename(resolve(peftDir)).replace(/[^\w.-]+/g, '_')}-${Date.now().toString(36)}.gguf`)
        mkdirSync(dirname(target), { recursive: true })
        return importPeftAdapter({ peftDir: resolve(peftDir), base: basePath, out: resolve(target) })
      },
      'model.setAdapter': async ({ path, scale }) => {
        await student.setAdapter(path ? { path, scale } : null)
        return changed()!
      },
      'ask.run': async ({ dbId, question, askId, rules, maxTokens }) => {
        const id = askId ?? randomUUID()
        return student.ask({
          db: this.handle(dbId),
          question,
          askId: id,
          rules,
          maxTokens,
          onTextChunk: (text, attempt) => this.events.emit('ask.chunk', { askId: id, attempt, text }),
          onAttempt: (attempt) => this.events.emit('ask.attempt', { askId: id, attempt }),
        })
      },
      'ask.cancel': async ({ askId }) => ({ cancelled: student.cancel(askId) }),
      'history.list': async ({ dbId, limit, offset }) => student.history.list(this.handle(dbId).path, { limit, offset }),
      'history.mark': async ({ dbId, id, verdict, correctedSql }) =>
        student.history.mark(this.handle(dbId).path, id, verdict, correctedSql),
    }
  }
}
