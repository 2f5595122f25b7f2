// The student side of the app in one object, for the core service to expose: which model is loaded (one at a time,
// reloaded when the settings that shape it change), its adapter, asking with cancellation by id, history and the
// model folder. Transport-free: the API layer maps its methods and events one to one.
import { randomUUID } from 'node:crypto'
import { SqlstillError } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import type { DatabaseHandle } from '../db'
import type { AdapterSpec, Backend } from '../llm'
import { ModelEngine, ModelManager } from '../llm'
import type { ModelDownloadProgress, ModelEntry } from '../llm/models'
import type { FewShotExample } from '../prompt/build'
import type { AskOutcome } from './ask'
import { ask } from './ask'
import { AskHistory } from './history'
import { promptRules, userExamples } from './promptPolicy'
import type { AskAttempt } from './types'
import type { LoadedModelInfo } from '../../../shared/models'
export type { LoadedModelInfo }


export interface AskServiceOptions {
  dataDir: string
  /** Current settings (read at each call, so changes apply without re-creating the service). */
  settings?: () => Settings
  /** Generations the student runs at once (`serve --parallel`: llama-server's slots). Default 1. */
  slots?: number
}

export interface AskRequest {
  db: Pick<DatabaseHandle, 'path' | 'name' | 'schema' | 'compile' | 'query'>
  question: string
  /** Lets `cancel(askId)` name this request; generated when absent. */
  askId?: string
  /** Business rules; default: the ones the model's adapter was fine-tuned with (promptPolicy.promptRules). */
  rules?: string
  /** Extra examples; the user's own (promptPolicy.userExamples) are added from the history. */
  examples?: FewShotExample[]
  /** Default: the `maxTokens` setting. */
  maxTokens?: number
  /** Default: the `temperature` setting. */
  temperature?: number
  onTextChunk?: (text: string, attempt: number) => void
  onAttempt?: (attempt: AskAttempt) => void
}

export class AskService {
  readonly models: ModelManager
  readonly history: AskHistory
  private engine: ModelEngine | null = null
  private engineKey = ''
  private modelPath: string | null = null
  private adapter: AdapterSpec | null = null
  private loading: Promise<ModelEngine> | null = null
  private readonly running = new Map<string, AbortController>()

  constructor(private readonly options: AskServiceOptions) {
    this.models = new ModelManager(options.dataDir)
    this.history = new AskHistory(options.dataDir)
  }

  private settings(): Settings {
    return this.options.settings?.() ?? DEFAULT_SETTINGS
  }

  private keyFor(path: string, s: Settings): string {
    return JSON.stringify([path, s.backend, s.threads, s.contextSize])
  }

  /** Loads a model (path, model id, or hf:/https: URI — downloaded first) and makes it the current student. */
  async loadModel(
    ref: string,
    options: { signal?: AbortSignal; onProgress?: (p: ModelDownloadProgress) => void } = {},
  ): Promise<LoadedModelInfo> {
    const path = await this.models.resolveModel(ref, options)
    this.modelPath = path
    this.adapter = null
    await this.ensureEngine()
    return this.currentModel()!
  }

  async unloadModel(): Promise<void> {
    this.modelPath = null
    this.adapter = null
    await this.disposeEngine()
  }

  currentModel(): LoadedModelInfo | null {
    const e = this.engine
    if (!e) return null
    return {
      modelId: e.modelId,
      path: e.modelPath,
      architecture: e.info.architecture,
      quantization: e.info.quantization,
      parameterCount: e.info.parameterCount,
      contextSize: e.contextSize,
      contextClamped: e.contextClamped,
      trainContextSize: e.trainContextSize,
      hasChatTemplate: e.hasChatTemplate,
      promptForm: e.promptForm,
      backend: e.backend,
      adapter: e.adapter,
      gpuLayers: e.gpuLayers.offloaded,
      totalLayers: e.gpuLayers.total,
      memory: e.memory,
      slots: e.slots,
    }
  }

  /**
   * The loaded student engine (reloaded first if the settings that shape it changed), or null when no model is loaded.
   * For callers that generate outside the ask flow, such as the OpenAI-compatible endpoint.
   */
  async loadedEngine(): Promise<ModelEngine | null> {
    return this.modelPath ? this.ensureEngine() : null
  }

  async setAdapter(adapter: AdapterSpec | null): Promise<LoadedModelInfo> {
    const engine = await this.ensureEngine()
    await engine.setAdapter(adapter)
    this.adapter = adapter
    return this.currentModel()!
  }

  async ask(request: AskRequest): Promise<AskOutcome> {
    const askId = request.askId ?? randomUUID()
    if (this.running.has(askId)) throw new SqlstillError('BAD_REQUEST', `A question with id ${askId} is already running`)
    const controller = new AbortController()
    this.running.set(askId, controller)
    try {
      const engine = await this.ensureEngine()
      const s = this.settings()
      return await ask({
        generator: engine,
        db: request.db,
        question: request.question,
        rules: promptRules(request.rules, engine.trainedRules),
        examples: [...userExamples(this.history, request.db.path), ...(request.examples ?? [])],
        schemaBudget: s.schemaPromptBudget,
        repair: s.repairOnFailure,
        queryTimeoutMs: s.queryTimeoutMs,
        maxRows: s.rowCap,
        // the request's own values win (the CLI's flags, the OpenAI endpoint), else the user's settings
        maxTokens: request.maxTokens ?? s.maxTokens,
        temperature: request.temperature ?? s.temperature,
        signal: controller.signal,
        onTextChunk: request.onTextChunk,
        onAttempt: request.onAttempt,
        history: this.history,
      })
    } finally {
      this.running.delete(askId)
    }
  }

  /**
   * Downloads a model into the models folder under a caller-chosen id, so `cancelDownload(id)` can stop it (a later
   * download of the same URI resumes). Progress events carry bytes, speed and ETA.
   */
  async download(
    uri: string,
    downloadId: string,
    onProgress?: (p: ModelDownloadProgress) => void,
  ): Promise<ModelEntry> {
    if (this.running.has(downloadId)) throw new SqlstillError('BAD_REQUEST', `A job with id ${downloadId} is already running`)
    const controller = new AbortController()
    this.running.set(downloadId, controller)
    try {
      return await this.models.download(uri, { signal: controller.signal, onProgress })
    } finally {
      this.running.delete(downloadId)
    }
  }

  cancelDownload(downloadId: string): boolean {
    return this.cancel(downloadId)
  }

  /** Stops a running question; it rejects with CANCELLED. False when no such question is running. */
  cancel(askId: string): boolean {
    const controller = this.running.get(askId)
    if (!controller) return false
    controller.abort()
    return true
  }

  async dispose(): Promise<void> {
    for (const c of this.running.values()) c.abort()
    await this.disposeEngine()
  }

  private async disposeEngine(): Promise<void> {
    const pending = this.loading
    this.loading = null
    const engine = this.engine ?? (await pending?.catch(() => null)) ?? null
    this.engine = null
    this.engineKey = ''
    await engine?.dispose()
  }

  /** The engine for the current model and settings; reloaded when backend, threads or context size changed. */
  private async ensureEngine(): Promise<ModelEngine> {
    if (!this.modelPath) {
      throw new SqlstillError('BAD_REQUEST', 'No model is loaded: add or download a model and load it first')
    }
    const s = this.settings()
    const key = this.keyFor(this.modelPath, s)
    if (this.engine && this.engineKey === key) return this.engine
    if (this.loading && this.engineKey === key) return this.loading
    await this.disposeEngine()
    this.engineKey = key
    this.loading = ModelEngine.load(this.modelPath, {
      backend: s.backend,
      threads: s.threads || undefined,
      contextSize: s.contextSize,
      adapter: this.adapter,
      slots: this.options.slots,
    })
    try {
      this.engine = await this.loading
      return this.engine
    } catch (err) {
      this.engineKey = ''
      throw err
    } finally {
      this.loading = null
    }
  }
}
