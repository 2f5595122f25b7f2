// The student-model engine: a loaded GGUF with one context sequence, streaming generation, cancellation,
// stop sequences, LoRA adapters, and prefix caching (the schema part of a prompt is evaluated once per database).
import { availableParallelism } from 'node:os'
import { basename } from 'node:path'
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp'
import { renderChatPrompt, renderCompletionPrompt } from './chatPrompt'
import { SqlstillError } from '../../../shared/errors'
import type { ChatMessage } from '../prompt/build'
import type { Backend, ModelLease } from './backend'
import { backendInUse, leaseModel, sharedLlama } from './backend'
import type { GgufModelInfo } from './gguf'
import { readAdapterInfo, readModelInfo } from './gguf'
import type { AdapterSpec, PromptForm } from '../../../shared/models'
export type { AdapterSpec }


export interface EngineOptions {
  backend?: Backend
  /**
   * Requested context size in tokens. Requests beyond the model's training context are clamped to it (see
   * `contextClamped`): past it the model produces garbage, and a clamped context is more useful than an error.
   * Default: min(4096, training context).
   */
  contextSize?: number
  /**
   * Threads for evaluation. 0 or undefined: all cores but one, at least one. llama.cpp's worker threads spin while
   * they wait, so oversubscribing a busy machine is catastrophic (measured on 2 cores under load: 1 thread
   * ~1,400 tokens/s on a tiny model, 2 threads ~60, the library default under 1).
   */
  threads?: number
  adapter?: AdapterSpec | null
  /**
   * Generations that run at once, each on a sequence of its own (llama-server's slots), batched together by llama.cpp.
   * Each slot holds a full context of KV cache. Default 1: one generation at a time.
   */
  slots?: number
}

/** Most slots one engine opens (each costs a context of KV cache). */
export const MAX_ENGINE_SLOTS = 16

export interface GenerateOptions {
  /** Default 256; always limited to what is left of the context. */
  maxTokens?: number
  /** 0 (the default) is greedy decoding. */
  temperature?: number
  topK?: number
  topP?: number
  seed?: number
  /** Generation ends before the first occurrence of any of these; the stop text is not returned. */
  stop?: string[]
  signal?: AbortSignal
  onToken?: (token: number) => void
  /** Called with each new piece of text, never splitting a multi-byte character or emitting part of a stop string. */
  onTextChunk?: (text: string) => void
  /** Reuse the evaluated tokens the last prompt shares with this one. Default true. */
  reusePrefix?: boolean
}

export type StopReason = 'eos' | 'stop' | 'maxTokens'

export interface GenerateResult {
  text: string
  stopReason: StopReason
  promptTokens: number
  /** Prompt tokens that were already in the context and were not evaluated again. */
  reusedPromptTokens: number
  generatedTokens: number
  /** From the call to the first generated token (includes prompt evaluation). */
  timeToFirstTokenMs: number
  totalMs: number
  /** Generated tokens per second after the first one. */
  tokensPerSecond: number
}

/** A prompt: plain completion text, chat messages (formatted with the model's chat template), or tokens. */
export type PromptInput = string | { messages: ChatMessage[] } | { tokens: Token[] }

const DEFAULT_MAX_TOKENS = 256
const DEFAULT_CONTEXT = 4096
const PROMPT_CHUNK = 256

function cancelled(partial?: string): SqlstillError {
  return new SqlstillError('CANCELLED', 'Generation was cancelled', partial !== undefined ? { partialText: partial } : undefined)
}

export class ModelEngine {
  /** Counts tokens with this model's tokenizer (stable identity: the schema linker caches per counter). */
  readonly tokenCounter = (text: string): number => this.countTokens(text)
  private context: LlamaContext | null = null
  /** One sequence per slot; `idle` are the free ones, `waiting` the generations queued for one. */
  private sequences: LlamaContextSequence[] = []
  private idle: LlamaContextSequence[] = []
  private waiting: ((sequence: LlamaContextSequence) => void)[] = []
  /** Generations share the context (readers); a new adapter or dispose replaces it (a writer, after they finish). */
  private readonly gate = new ReadWriteGate()
  private currentAdapter: AdapterSpec | null = null
  private adapterPromptForm: PromptForm | null = null
  private adapterRules: string | null = null
  private disposed = false

  private constructor(
    readonly info: GgufModelInfo,
    readonly backend: Backend,
    private readonly lease: ModelLease,
    private readonly options: EngineOptions,
    /** The context size in effect after clamping. */
    readonly contextSize: number,
    /** True when the requested context was larger than the model's training context and was reduced. */
    readonly contextClamped: boolean,
  ) {}

  static async load(modelPath: string, options: EngineOptions = {}): Promise<ModelEngine> {
    const info = await readModelInfo(modelPath)
    const llama = await sharedLlama(options.backend ?? 'auto')
    const lease = await leaseModel(llama, modelPath, options.backend ?? 'auto')
    const train = lease.model.trainContextSize
    const requested = options.contextSize ?? Math.min(DEFAULT_CONTEXT, train)
    if (!Number.isInteger(requested) || requested < 16) {
      await lease.release()
      throw new SqlstillError('BAD_REQUEST', `Context size must be an integer of at least 16 tokens (got ${requested})`)
    }
    const engine = new ModelEngine(
      info,
      backendInUse(llama),
      lease,
      options,
      Math.min(requested, train),
      requested > train,
    )
    try {
      await engine.openContext(options.adapter ?? null)
    } catch (err) {
      await lease.release()
      throw err
    }
    return engine
  }

  get model(): LlamaModel {
    return this.lease.model
  }

  get modelPath(): string {
    return this.info.path
  }

  /** A readable id for records: the file name. */
  get modelId(): string {
    return basename(this.info.path)
  }

  get adapter(): AdapterSpec | null {
    return this.currentAdapter
  }

  get adapterId(): string | null {
    return this.currentAdapter ? basename(this.currentAdapter.path) : null
  }

  get trainContextSize(): number {
    return this.model.trainContextSize
  }

  get hasChatTemplate(): boolean {
    return this.info.hasChatTemplate
  }

  /**
   * The form questions must take: what the active adapter (or a fused model) was fine-tuned on, else the chat form
   * when the model has a template. An adapter trained on plain text but asked through the chat template would be
   * measured in one form and used in another.
   */
  get promptForm(): PromptForm {
    return this.adapterPromptForm ?? this.info.trainedPromptForm ?? (this.info.hasChatTemplate ? 'chat' : 'completion')
  }

  /** The business rules the active adapter (or a fused model) was fine-tuned with; the prompt policy asks with them. */
  get trainedRules(): string | null {
    return this.currentAdapter ? this.adapterRules : this.info.trainedRules
  }

  /** Tokens currently held in the (first) sequence (what the next prompt can reuse). */
  get cachedTokens(): number {
    return this.sequences[0]?.nextTokenIndex ?? 0
  }

  /** How many generations run at once. */
  get slots(): number {
    return this.sequences.length
  }

  /** Layers offloaded to the GPU (0 on the CPU backend), and how many the model has. */
  get gpuLayers(): { offloaded: number; total: number | null } {
    const total = this.model.fileInsights.totalLayers
    return { offloaded: this.model.gpuLayers, total: Number.isFinite(total) ? total : null }
  }

  /** Memory as llama.cpp reports it: the weights, and the context (KV cache of every slot). */
  get memory(): { weightsBytes: number; contextBytes: number } {
    return { weightsBytes: this.model.size, contextBytes: this.context?.stateSize ?? 0 }
  }

  tokenize(text: string): Token[] {
    return renderCompletionPrompt(this.model, text)
  }

  countTokens(text: string): number {
    return this.model.tokenize(text, false).length
  }

  /** Formats chat messages with the model's own chat template, ending where the assistant's reply begins. */
  formatChat(messages: ChatMessage[]): { tokens: Token[]; stops: string[] } {
    return renderChatPrompt(this.model, messages)
  }

  /** Replaces the adapter (or removes it with null): a new context on the same loaded weights. */
  async setAdapter(adapter: AdapterSpec | null): Promise<void> {
    await this.gate.write(async () => {
      if (this.disposed) throw new SqlstillError('NOT_FOUND', 'The model engine has been closed')
      const previous = this.currentAdapter
      try {
        await this.openContext(adapter)
      } catch (err) {
        await this.openContext(previous).catch(() => undefined)
        throw err
      }
    })
  }

  async generate(prompt: PromptInput, options: GenerateOptions = {}): Promise<GenerateResult> {
    return this.gate.read(async () => {
      if (this.disposed) throw new SqlstillError('NOT_FOUND', 'The model engine has been closed')
      const { tokens, stops } = this.promptTokens(prompt)
      const sequence = await this.acquire(tokens)
      try {
        return await this.generateNow(tokens, stops, options, sequence)
      } finally {
        this.release(sequence)
      }
    })
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await this.gate.write(async () => {
      await this.context?.dispose()
      this.context = null
      this.setSequences([])
    })
    await this.lease.release()
  }

  /**
   * A free sequence for this prompt: the one already holding the longest part of it (its prefix cache), else any;
   * when all are busy, the first to come free (in arrival order).
   */
  private acquire(tokens: Token[]): Promise<LlamaContextSequence> {
    if (this.idle.length === 0) return new Promise((resolve) => this.waiting.push(resolve))
    let best = 0
    let bestShared = -1
    for (const [i, sequence] of this.idle.entries()) {
      const shared = this.idle.length === 1 ? 0 : sequence.compareContextTokens(tokens).firstDifferentIndex
      if (shared > bestShared) [best, bestShared] = [i, shared]
    }
    return Promise.resolve(this.idle.splice(best, 1)[0]!)
  }

  private release(sequence: LlamaContextSequence): void {
    if (!this.sequences.includes(sequence)) return // the context was replaced meanwhile
    const next = this.waiting.shift()
    if (next) next(sequence)
    else this.idle.push(sequence)
  }

  private setSequences(sequences: LlamaContextSequence[]): void {
    this.sequences = sequences
    this.idle = [...sequences]
  }

  private async openContext(adapter: AdapterSpec | null): Promise<void> {
    let adapterForm: PromptForm | null = null
    let adapterRules: string | null = null
    if (adapter) {
      const adapterInfo = await readAdapterInfo(adapter.path)
      adapterForm = adapterInfo.trainedPromptForm
      adapterRules = adapterInfo.trainedRules
      if (adapterInfo.architecture && adapterInfo.architecture !== this.info.architecture) {
        throw new SqlstillError(
          'NOT_A_MODEL',
          `Adapter ${adapter.path} is for ${adapterInfo.architecture} models, not ${this.info.architecture}`,
          { path: adapter.path },
        )
      }
      const scale = adapter.scale ?? 1
      if (!Number.isFinite(scale)) throw new SqlstillError('BAD_REQUEST', `Adapter scale must be a number (got ${scale})`)
    }
    await this.context?.dispose()
    this.context = null
    this.setSequences([])
    const slots = Math.max(1, Math.min(MAX_ENGINE_SLOTS, Math.floor(this.options.slots ?? 1)))
    try {
      this.context = await this.model.createContext({
        contextSize: this.contextSize,
        sequences: slots,
        threads: this.options.threads || defaultThreads(),
        ...(adapter ? { lora: { adapters: [{ filePath: adapter.path, scale: adapter.scale ?? 1 }] } } : {}),
      })
    } catch (err) {
      if (adapter) {
        throw new SqlstillError('NOT_A_MODEL', `Could not apply adapter ${adapter.path}: ${(err as Error).message}`, {
          path: adapter.path,
        })
      }
      throw new SqlstillError('INTERNAL', `Could not create a model context: ${(err as Error).message}`)
    }
    this.setSequences(Array.from({ length: slots }, () => this.context!.getSequence()))
    this.currentAdapter = adapter ? { path: adapter.path, scale: adapter.scale ?? 1 } : null
    this.adapterPromptForm = adapterForm
    this.adapterRules = adapterRules
  }

  private promptTokens(prompt: PromptInput): { tokens: Token[]; stops: string[] } {
    if (typeof prompt === 'string') return { tokens: this.tokenize(prompt), stops: [] }
    if ('tokens' in prompt) return { tokens: prompt.tokens, stops: [] }
    return this.formatChat(prompt.messages)
  }

  private async generateNow(tokens: Token[], templateStops: string[], options: GenerateOptions, sequence: LlamaContextSequence): Promise<GenerateResult> {
    const started = performance.now()
    const { signal } = options
    if (signal?.aborted) throw cancelled()
    if (tokens.length === 0) throw new SqlstillError('BAD_REQUEST', 'The prompt is empty')
    if (tokens.length >= this.contextSize) {
      throw new SqlstillError(
        'BAD_REQUEST',
        `The prompt is ${tokens.length} tokens but the context holds ${this.contextSize}: shorten the schema budget or raise the context size`,
        { promptTokens: tokens.length, contextSize: this.contextSize },
      )
    }
    const maxTokens = Math.max(1, Math.min(options.maxTokens ?? DEFAULT_MAX_TOKENS, this.contextSize - tokens.length))
    const stops = [...(options.stop ?? []), ...templateStops].filter((s) => s.length > 0)

    // Prefix cache: keep what the sequence already holds of this prompt, erase the rest. At least the last prompt
    // token is always evaluated again, because its logits are what the first generated token is sampled from.
    let reused = 0
    if (options.reusePrefix !== false) {
      reused = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, tokens.length - 1)
    }
    if (sequence.nextTokenIndex > reused) {
      if (reused === 0) await sequence.clearHistory()
      else await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }])
    }
    reused = sequence.nextTokenIndex

    // The prompt goes in chunks so that cancelling a long prompt does not wait for all of it.
    // The last chunk goes with the generating call, so a short prompt tail costs one decode, not two.
    const tail = tokens.slice(reused)
    const lastChunkStart = Math.max(0, Math.ceil(tail.length / PROMPT_CHUNK) - 1) * PROMPT_CHUNK
    for (let i = 0; i < lastChunkStart; i += PROMPT_CHUNK) {
      await sequence.evaluateWithoutGeneratingNewTokens(tail.slice(i, i + PROMPT_CHUNK))
      if (signal?.aborted) throw cancelled()
    }

    const generated: Token[] = []
    let text = ''
    let emitted = 0
    let firstTokenAt = 0
    let lastTokenAt = 0
    let stopReason: StopReason = 'maxTokens'
    let wasCancelled = false
    const emit = (upTo: number) => {
      if (upTo > emitted) {
        options.onTextChunk?.(text.slice(emitted, upTo))
        emitted = upTo
      }
    }

    const iterator = sequence.evaluate(tail.slice(lastChunkStart), {
      // without it the iterator just ends at an end-of-generation token, indistinguishable from running out of tokens
      yieldEogToken: true,
      temperature: options.temperature ?? 0,
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      ...(options.topP !== undefined ? { topP: options.topP } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    })
    for await (const token of iterator) {
      lastTokenAt = performance.now()
      if (!firstTokenAt) firstTokenAt = lastTokenAt
      if (signal?.aborted) {
        wasCancelled = true
        break
      }
      if (this.model.isEogToken(token)) {
        stopReason = 'eos'
        break
      }
      generated.push(token)
      options.onToken?.(token)
      text = this.model.detokenize(generated)
      const stopAt = firstStop(text, stops)
      if (stopAt >= 0) {
        text = text.slice(0, stopAt)
        stopReason = 'stop'
        break
      }
      // Hold back an incomplete multi-byte character and anything that could still become a stop string.
      let safe = text.length
      while (safe > emitted && text.charCodeAt(safe - 1) === 0xfffd) safe--
      safe = Math.min(safe, text.length - partialStopLength(text, stops))
      emit(safe)
      if (generated.length >= maxTokens) break
    }
    if (wasCancelled) throw cancelled(text)
    emit(text.length)

    const ended = performance.now()
    const ttft = (firstTokenAt || ended) - started
    // Decode speed between the first and the last token received: closing the generator is not decoding.
    const decodeSeconds = ((lastTokenAt || ended) - (firstTokenAt || ended)) / 1000
    return {
      text,
      stopReason,
      promptTokens: tokens.length,
      reusedPromptTokens: reused,
      generatedTokens: generated.length,
      timeToFirstTokenMs: ttft,
      totalMs: ended - started,
      tokensPerSecond: generated.length > 1 && decodeSeconds > 0 ? (generated.length - 1) / decodeSeconds : 0,
    }
  }
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1)
}

function firstStop(text: string, stops: string[]): number {
  let best = -1
  for (const s of stops) {
    const at = text.indexOf(s)
    if (at >= 0 && (best < 0 || at < best)) best = at
  }
  return best
}

/** Length of the longest suffix of text that is a proper prefix of some stop string. */
function partialStopLength(text: string, stops: string[]): number {
  let longest = 0
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(s.slice(0, n))) {
        longest = n
        break
      }
    }
  }
  return longest
}

/**
 * Many readers (generations on their own sequences) or one writer (a new context), writers first: a writer waits
 * for the readers already in, and readers arriving after it wait for it.
 */
class ReadWriteGate {
  private readers = 0
  private writer: Promise<void> | null = null
  private drained: (() => void) | null = null

  async read<T>(task: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer
    this.readers++
    try {
      return await task()
    } finally {
      if (--this.readers === 0) this.drained?.()
    }
  }

  async write<T>(task: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer.catch(() => undefined)
    let done!: () => void
    this.writer = new Promise<void>((resolve) => (done = resolve))
    try {
      if (this.readers > 0) await new Promise<void>((resolve) => (this.drained = resolve))
      this.drained = null
      return await task()
    } finally {
      this.writer = null
      done()
    }
  }
}
