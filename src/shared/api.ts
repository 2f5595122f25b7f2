// The one API contract between the UI and the app core.
//
// Implemented once (src/main/core/service), carried unchanged by two transports: Electron IPC
// (src/preload exposes it with contextBridge) and the local web host (HTTP + server-sent events on
// 127.0.0.1). The renderer codes against `SqlstillApi` and cannot tell which transport it runs on.
//
// Every method takes at most one argument, a plain object validated at the transport boundary with the
// zod schemas below, and returns a promise of structured-clone-safe data. Errors travel as
// `ApiErrorShape` (see errors.ts) inside an `Envelope`, so codes survive both transports.

import { z } from 'zod'
import type { AskOutcome, HistoryItem, AskAttempt } from './ask'
import type { PeftImportResult } from './models'
import type { GgufModelInfo, LoadedModelInfo, ModelDownloadProgress, ModelEntry, RecommendedModel } from './models'
import type { QueryResult } from './query'
import type { Schema } from './schema'
import type { DatabaseEngine } from './engine'
import { SqlstillError, isErrorShape, type Envelope } from './errors'
import type { Settings } from './settings'
import { settingsPatchSchema } from './settings'
import type { DatasetExportResult } from './customize'
import type { CustomizeFinishedEvent, CustomizeProgressEvent, CustomizeReport, CustomizeRunSummary, DatasetExample, RunManifest, TrainEstimate } from './customize'
import type { CompareResults, TeacherAnswer, TeacherConfig, TeacherTestResult } from './teacher'
import { editorTabSchema, MAX_EDITOR_TABS, MAX_TAB_SQL, type SavedQuery, type SqlRun, type Workspace } from './workspace'
import { EXPORT_TYPES, type ExportProgress, type ExportResult, type TrainProgressEvent } from './train'

// ---- data shapes ---------------------------------------------------------------------------------

export interface AppInfo {
  name: string
  version: string
  /** 'electron' or 'web': for labels only, the UI must not branch on it for behaviour. */
  shell: 'electron' | 'web'
  platform: string
  /** What the current shell can do beyond the contract's common ground. */
  capabilities: { nativeFileDialog: boolean }
  demoDatabasePath: string
  dataDir: string
}

export interface DatabaseInfo {
  /** Handle for this open database; valid until `db.close`. */
  id: string
  engine: DatabaseEngine
  path: string
  name: string
  sizeBytes: number
  tableCount: number
  viewCount: number
  isDemo: boolean
  openedAt: string
}

export interface RecentDatabase {
  /** A file or folder path, or a postgres:// URL without its password. */
  path: string
  engine: DatabaseEngine
  name: string
  openedAt: string
  /** False when the file has gone since it was last opened. */
  exists: boolean
}

// ---- requests (validated at the boundary) --------------------------------------------------------

const id = z.string().min(1).max(200)
const filePath = z.string().min(1).max(4096)

const teacherConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('local'),
    modelPath: filePath,
    contextSize: z.number().int().min(256).max(1_048_576).optional(),
    threads: z.number().int().min(1).max(512).optional(),
    temperature: z.number().min(0).max(2).optional(),
    seed: z.number().int().optional(),
  }),
  z.strictObject({
    kind: z.literal('openai'),
    baseUrl: z.url({ protocol: /^https?$/ }).max(2048),
    model: z.string().min(1).max(400),
    timeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
    retries: z.number().int().min(0).max(20).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    temperature: z.number().min(0).max(2).optional(),
    seed: z.number().int().optional(),
    pricing: z.strictObject({ inputPerMillion: z.number().min(0).max(10_000), outputPerMillion: z.number().min(0).max(10_000) }).optional(),
  }),
])
const userPairSchema = z.object({ question: z.string().min(1).max(4000), sql: z.string().min(1).max(100_000) })

export const requestSchemas = {
  'app.info': z.void(),
  'db.open': z.object({
    /** A database file, a folder of CSV/Parquet/JSON files, or a postgres:// URL. */
    path: z.string().min(1).max(4096),
    /** A server's password for this connection (never stored unless rememberPassword). */
    password: z.string().max(1024).optional(),
    /** Keep the password in the system keychain for this URL (desktop app only). */
    rememberPassword: z.boolean().optional(),
  }),
  'db.openDemo': z.void(),
  'db.close': z.object({ dbId: id }),
  'db.list': z.void(),
  'db.recent': z.void(),
  'db.forgetRecent': z.object({ path: z.string().min(1).max(4096) }),
  'db.schema': z.object({ dbId: id }),
  'db.query': z.object({
    dbId: id,
    sql: z.string().max(1_000_000),
    queryId: id.optional(),
    timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
    maxRows: z.number().int().min(1).max(10_000_000).optional(),
    /** Run by hand from the editor: kept in the database's SQL history (`workspace.runs`). */
    record: z.boolean().optional(),
  }),
  'db.cancel': z.object({ queryId: id }),
  /** The database's editor tabs and saved queries, as last kept. */
  'workspace.get': z.object({ dbId: id }),
  'workspace.saveTabs': z.object({
    dbId: id,
    tabs: z.array(editorTabSchema).max(MAX_EDITOR_TABS),
    activeTabId: z.string().max(100).nullable(),
  }),
  /** Saving under a name that exists (any case) replaces that query. */
  'workspace.saveQuery': z.object({ dbId: id, name: z.string().min(1).max(200), sql: z.string().min(1).max(MAX_TAB_SQL) }),
  'workspace.deleteQuery': z.object({ dbId: id, id }),
  /** SQL run by hand from the editor, newest first. */
  'workspace.runs': z.object({ dbId: id, limit: z.number().int().min(1).max(1000).optional() }),
  'settings.get': z.void(),
  'settings.update': settingsPatchSchema,
  'dialog.openDatabase': z.void(),

  'model.list': z.void(),
  'model.recommended': z.void(),
  'model.info': z.object({ path: z.string().min(1).max(4096) }),
  'model.add': z.object({ path: z.string().min(1).max(4096) }),
  'model.remove': z.object({ id }),
  'model.download': z.object({ uri: z.string().min(1).max(4096), downloadId: id }),
  'model.cancelDownload': z.object({ downloadId: id }),
  /** A path, a model id from `model.list`, or an hf:/https: URI (downloaded first). */
  'model.load': z.object({ ref: z.string().min(1).max(4096) }),
  'model.unload': z.void(),
  'model.current': z.void(),
  /** Converts a PEFT LoRA folder into a llama.cpp LoRA GGUF for a base (default: the loaded student) and adds it to the list. */
  'model.importAdapter': z.object({ peftDir: filePath, base: filePath.optional(), out: filePath.optional() }),
  'model.setAdapter': z.object({ path: z.string().min(1).max(4096).nullable(), scale: z.number().min(0).max(4).optional() }),

  'ask.run': z.object({
    dbId: id,
    question: z.string().min(1).max(4000),
    askId: id.optional(),
    rules: z.string().max(20_000).optional(),
    maxTokens: z.number().int().min(1).max(4096).optional(),
  }),
  'ask.cancel': z.object({ askId: id }),
  'history.list': z.object({ dbId: id, limit: z.number().int().min(1).max(10_000).optional(), offset: z.number().int().min(0).optional() }),
  'history.mark': z.object({
    dbId: id,
    id,
    verdict: z.enum(['right', 'wrong']),
    correctedSql: z.string().max(100_000).optional(),
  }),

  /** The saved teacher configuration (never holds an API key). */
  'teacher.get': z.void(),
  /** Null forgets the configuration. */
  'teacher.configure': z.object({ config: teacherConfigSchema.nullable() }),
  /** Kept by the shell's secret store (Electron: safeStorage); UNSUPPORTED where there is none (browser mode, CLI). */
  'teacher.setApiKey': z.object({ key: z.string().min(1).max(4096) }),
  /** Connection check: HTTP teachers list their models, a local teacher is loaded. */
  'teacher.test': z.void(),
  /** The configured teacher's SQL for a question (one greedy sample), validated and run like the student's. */
  'teacher.ask': z.object({ dbId: id, question: z.string().min(1).max(4000), rules: z.string().max(20_000).optional() }),
  /** Runs both queries and compares the results with the official Spider rules; `a` is the reference (its ORDER BY decides). */
  'compare.results': z.object({ dbId: id, a: z.string().min(1).max(1_000_000), b: z.string().min(1).max(1_000_000) }),

  /** Starts "customize on my schema" in the background for the loaded student; follow it with customize.* events. */
  'customize.start': z.object({
    dbId: id,
    teacher: z.enum(['synth', 'configured']).optional(),
    n: z.number().int().min(1).max(100_000).optional(),
    k: z.number().int().min(1).max(64).optional(),
    rules: z.string().max(20_000).optional(),
    addRef: z.array(userPairSchema).max(10_000).optional(),
    /** Add the history's verdicts: "right" answers as references, corrected ones as FixIt pairs. */
    useHistory: z.boolean().optional(),
    epochs: z.number().int().min(1).max(100).optional(),
    maxSteps: z.number().int().min(1).max(1_000_000).optional(),
    kid: z.object({ alpha: z.number().min(0).max(1) }).optional(),
    planTargets: z.boolean().optional(),
    evalFraction: z.number().min(0).lt(1).optional(),
    seed: z.number().int().optional(),
    /** Longest prompt + SQL to train on (default: the longest example, within the student's context). */
    maxLength: z.number().int().min(64).max(131_072).optional(),
  }),
  'customize.cancel': z.object({ runId: id }),
  /** Continues a stopped or failed run (a run that used the configured teacher needs the same teacher configured). */
  'customize.resume': z.object({ outDir: filePath }),
  'customize.status': z.object({ outDir: filePath }),
  'customize.list': z.object({ dbId: id }),
  /** The before/after evaluation (by hardness, failure modes) and the loss curve of a run, as far as it got. */
  'customize.report': z.object({ outDir: filePath }),
  /**
   * How long training a run of this size should take for the loaded student on this machine, scaled from the newest
   * run of the same student that finished training here (none yet: `seconds` is null with the reason).
   */
  'customize.estimate': z.object({
    examples: z.number().int().min(1).max(1_000_000),
    epochs: z.number().int().min(1).max(100),
    maxSteps: z.number().int().min(1).max(1_000_000).optional(),
  }),

  'dataset.list': z.object({
    outDir: filePath,
    split: z.enum(['train', 'eval']),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
    search: z.string().max(1000).optional(),
  }),
  'dataset.update': z.object({
    outDir: filePath,
    id,
    question: z.string().max(4000).optional(),
    sql: z.string().max(100_000).optional(),
    excluded: z.boolean().optional(),
  }),

  /** Writes a run's dataset as JSONL for another trainer (and, for messages, an axolotl recipe beside it). */
  'dataset.export': z.object({
    outDir: filePath,
    format: z.enum(['messages', 'prompt-completion']),
    split: z.enum(['train', 'eval']),
    out: filePath,
    recipe: filePath.optional(),
  }),

  /** Fuses an adapter into its base and quantizes it into one GGUF; base defaults to the loaded student. */
  'export.run': z.object({ base: filePath.optional(), adapter: filePath, type: z.enum(EXPORT_TYPES), out: filePath, exportId: id.optional() }),
  /** Without an id, cancels every running export. */
  'export.cancel': z.object({ exportId: id.optional() }),
} as const

export type MethodName = keyof typeof requestSchemas
export type RequestOf<M extends MethodName> = z.infer<(typeof requestSchemas)[M]>

// ---- the contract ----------------------------------------------------------------------------------

export interface ApiResults {
  'app.info': AppInfo
  'db.open': DatabaseInfo
  'db.openDemo': DatabaseInfo
  'db.close': { closed: boolean }
  'db.list': DatabaseInfo[]
  'db.recent': RecentDatabase[]
  'db.forgetRecent': RecentDatabase[]
  'db.schema': Schema
  'db.query': QueryResult
  'db.cancel': { cancelled: boolean }
  'workspace.get': Workspace
  'workspace.saveTabs': Workspace
  'workspace.saveQuery': SavedQuery
  'workspace.deleteQuery': SavedQuery[]
  'workspace.runs': SqlRun[]
  'settings.get': Settings
  'settings.update': Settings
  /** Null when the user dismissed the dialog or the shell has no native dialog. */
  'dialog.openDatabase': { path: string | null }

  'model.list': ModelEntry[]
  'model.recommended': RecommendedModel[]
  'model.info': GgufModelInfo
  'model.add': ModelEntry
  'model.remove': { deletedFile: boolean; path: string }
  'model.download': ModelEntry
  'model.cancelDownload': { cancelled: boolean }
  'model.load': LoadedModelInfo
  'model.unload': { unloaded: boolean }
  'model.current': LoadedModelInfo | null
  'model.importAdapter': PeftImportResult
  'model.setAdapter': LoadedModelInfo

  'ask.run': AskOutcome
  'ask.cancel': { cancelled: boolean }
  'history.list': HistoryItem[]
  'history.mark': HistoryItem

  'teacher.get': TeacherConfig | null
  'teacher.configure': TeacherConfig | null
  'teacher.setApiKey': { saved: boolean }
  'teacher.test': TeacherTestResult
  'teacher.ask': TeacherAnswer
  'compare.results': CompareResults

  'customize.start': { runId: string; outDir: string }
  'customize.cancel': { cancelled: boolean }
  'customize.resume': { runId: string; outDir: string }
  'customize.status': RunManifest
  'customize.list': CustomizeRunSummary[]
  'customize.report': CustomizeReport
  'customize.estimate': TrainEstimate

  'dataset.list': { total: number; items: DatasetExample[] }
  'dataset.update': DatasetExample
  'dataset.export': DatasetExportResult

  'export.run': ExportResult & { exportId: string }
  'export.cancel': { cancelled: boolean }
}

/** Events pushed from the core to every connected UI. */
export interface ApiEvents {
  'settings.changed': Settings
  'recent.changed': RecentDatabase[]
  'db.opened': DatabaseInfo
  'db.closed': { dbId: string }
  'model.downloadProgress': ModelDownloadProgress & { downloadId: string }
  'model.changed': LoadedModelInfo | null
  /** Streamed model output; attempt 0 is the first try, 1 the repair. */
  'ask.chunk': { askId: string; attempt: number; text: string }
  'ask.attempt': { askId: string; attempt: AskAttempt }
  'teacher.changed': TeacherConfig | null
  'customize.progress': CustomizeProgressEvent
  'customize.finished': CustomizeFinishedEvent
  /** Live training metrics (the loss chart), from a customization run's train stage. */
  'train.progress': TrainProgressEvent
  'export.progress': ExportProgress & { exportId: string }
}
export type EventName = keyof ApiEvents

type MethodFn<M extends MethodName> =
  RequestOf<M> extends void ? () => Promise<ApiResults[M]> : (req: RequestOf<M>) => Promise<ApiResults[M]>

type Namespaces = { [M in MethodName as M extends `${infer NS}.${string}` ? NS : never]: true }
type MembersOf<NS extends string> = {
  [M in MethodName as M extends `${NS}.${infer Member}` ? Member : never]: MethodFn<M>
}

/** The typed, namespaced view of the contract: `api.db.query({ dbId, sql })`. */
export type SqlstillApi = { [NS in keyof Namespaces & string]: MembersOf<NS> } & {
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void
}

export const METHOD_NAMES = Object.keys(requestSchemas) as MethodName[]

/**
 * What a transport needs to carry the contract: one call, one event stream. Calls resolve to envelopes
 * (never reject) so error codes cross contextBridge and HTTP intact; `createApiClient` unwraps them.
 */
export interface ApiTransport {
  invoke(method: MethodName, arg: unknown): Promise<Envelope<unknown>>
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void
}

function unwrap(envelope: Envelope<unknown>): unknown {
  if (envelope.ok) return envelope.value
  throw isErrorShape(envelope.error)
    ? SqlstillError.fromShape(envelope.error)
    : new SqlstillError('INTERNAL', 'The core answered with a malformed error.')
}

/** Builds the namespaced API object over any transport. Used by the renderer, preload and tests alike. */
export function createApiClient(transport: ApiTransport): SqlstillApi {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  let unsubscribe: (() => void) | null = null
  const api: Record<string, unknown> = {}
  for (const method of METHOD_NAMES) {
    const [ns, member] = method.split('.') as [string, string]
    const target = (api[ns] ??= {}) as Record<string, unknown>
    target[member] = async (arg?: unknown) => unwrap(await transport.invoke(method, arg))
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!unsubscribe) {
      unsubscribe = transport.subscribe((name, payload) => {
        for (const l of listeners.get(name) ?? []) l(payload)
      })
    }
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }
  return api as unknown as SqlstillApi
}

/** The global the preload script installs in Electron: the IPC transport, typed by this contract. */
export const PRELOAD_GLOBAL = 'sqlstillTransport'
/** IPC channel names. */
export const IPC_INVOKE = 'sqlstill:invoke'
export const IPC_EVENT = 'sqlstill:event'
