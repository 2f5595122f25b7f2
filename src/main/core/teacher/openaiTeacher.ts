// A teacher behind any OpenAI-compatible chat-completions server: Ollama, llama-server, LM Studio, vLLM, or a hosted
// API. Robust the way a long distillation run needs: per-request timeout, retries with exponential backoff and
// jitter on 429/5xx/network errors (never on other 4xx), a small concurrency limit, and an on-disk response cache so
// a re-run asks nothing it already asked.
//
// API keys are never stored in config.json in plain text. Resolution order: the explicit `apiKey` option, then
// `secretStore.get(secretName)` (the Electron shell backs it with safeStorage), then the SQLSTILL_TEACHER_API_KEY
// environment variable (browser mode and the CLI). Local servers usually need none. Cache files hold the request
// and the answer, never the key.
import { SqlstillError } from '../../../shared/errors'
import type { TeacherPricing } from '../../../shared/teacher'
import { extractSql } from '../ask/extract'
import type { ChatMessage } from '../prompt/build'
import { judgePrompt, parseQuestion, parseVerdict, questionPrompt, sqlPrompt } from './prompts'
import { ResponseCache } from './responseCache'
import { Semaphore } from './semaphore'
import type { Teacher, TeacherJudgeRequest, TeacherQuestionRequest, TeacherSqlRequest, TeacherUsage, TeacherVerdict } from './types'
import { checkSampleCount, DEFAULT_TEACHER_MAX_TOKENS, DEFAULT_TEACHER_TEMPERATURE } from './types'

/** Where the shell keeps secrets (Electron: safeStorage-encrypted). */
export interface SecretStore {
  get(name: string): Promise<string | null>
  set(name: string, value: string): Promise<void>
}

export const TEACHER_API_KEY_ENV = 'SQLSTILL_TEACHER_API_KEY'
export const DEFAULT_SECRET_NAME = 'teacher.apiKey'

export interface OpenAiTeacherOptions {
  /** Up to and including the version segment, e.g. http://127.0.0.1:11434/v1. */
  baseUrl: string
  model: string
  apiKey?: string
  secretStore?: SecretStore
  /** Default 'teacher.apiKey'. */
  secretName?: string
  /** Where SQLSTILL_TEACHER_API_KEY is read from. Default process.env. */
  env?: Record<string, string | undefined>
  /** Per HTTP request. Default 120 s (a local 7B writing several samples is slow). */
  timeoutMs?: number
  /** Retries after the first attempt, on 429, 5xx, timeouts and network errors. Default 4. */
  retries?: number
  /** First backoff; doubles each retry, with jitter. Default 500 ms. */
  backoffMs?: number
  maxBackoffMs?: number
  /**
   * Requests in flight at once. Default: what the server says it can run in parallel (llama-server's
   * `total_slots` from /props, SGLang's `max_running_requests` from /get_server_info), else 2.
   */
  concurrency?: number
  /** Folder for the response cache; none when absent. */
  cacheDir?: string
  /** Default temperature for SQL samples. Default 0.3. */
  temperature?: number
  /**
   * Schema part of every prompt, in estimated tokens (the server's tokenizer is out of reach; ~4 characters a token).
   * Default 3,000; lower it for servers with a small context.
   */
  schemaBudgetTokens?: number
  /** Base seed for the one-request-per-sample fallback (sample i sends seed + i). Default 0. */
  seed?: number
  /** Injected for tests and proxies. Default: global fetch. */
  fetch?: typeof fetch
  /** USD per million tokens: `usage` then carries what the run has cost. */
  pricing?: TeacherPricing
}

export interface OpenAiTeacherStats {
  /** HTTP requests sent, retries included. */
  httpRequests: number
  cacheHits: number
  retries: number
  /** From the answers' `usage` (cached answers are not counted again). */
  promptTokens: number
  completionTokens: number
}

/** When the server does not say how many requests it runs at once. */
export const DEFAULT_TEACHER_CONCURRENCY = 2
export const MAX_TEACHER_CONCURRENCY = 64
const PROBE_TIMEOUT_MS = 3000

interface ChatRequestBody {
  model: string
  messages: ChatMessage[]
  temperature: number
  max_tokens: number
  n?: number
  seed?: number
}

interface ChatChoice {
  index: number
  text: string
}

const QUESTION_MAX_TOKENS = 128
const JUDGE_MAX_TOKENS = 160

/** A failure worth another try, carrying what to throw when the tries run out. */
class Retryable {
  constructor(
    readonly error: SqlstillError,
    readonly retryAfterMs?: number,
  ) {}
}

export class OpenAiTeacher implements Teacher {
  readonly id: string
  readonly stats: OpenAiTeacherStats = { httpRequests: 0, cacheHits: 0, retries: 0, promptTokens: 0, completionTokens: 0 }
  private detected: Promise<number> | null = null
  private readonly baseUrl: string
  private readonly semaphore: Semaphore
  private readonly cache: ResponseCache | null
  private readonly lifetime = new AbortController()
  private apiKey: Promise<string | null> | null = null

  constructor(private readonly options: OpenAiTeacherOptions) {
    let url: URL
    try {
      url = new URL(options.baseUrl)
    } catch {
      throw new SqlstillError('BAD_REQUEST', `The teacher's base URL is not a URL: ${options.baseUrl}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SqlstillError('BAD_REQUEST', `The teacher's base URL must be http or https: ${options.baseUrl}`)
    }
    if (!options.model?.trim()) throw new SqlstillError('BAD_REQUEST', 'The teacher needs a model name')
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.id = `openai:${this.baseUrl}#${options.model}`
    this.semaphore = new Semaphore(options.concurrency ?? DEFAULT_TEACHER_CONCURRENCY)
    this.cache = options.cacheDir ? new ResponseCache(options.cacheDir) : null
  }

  get usage(): TeacherUsage {
    const s = this.stats
    const price = this.options.pricing
    const cost = price ? (s.promptTokens * price.inputPerMillion + s.completionTokens * price.outputPerMillion) / 1e6 : undefined
    return { requests: s.httpRequests, cacheHits: s.cacheHits, retries: s.retries, promptTokens: s.promptTokens, completionTokens: s.completionTokens, ...(cost !== undefined ? { costUsd: cost } : {}) }
  }

  /**
   * Requests to keep in flight: the configured number, else the server's own limit, asked once. llama-server
   * (--parallel N) reports `total_slots` at /props and SGLang `max_running_requests` at /get_server_info; vLLM, Ollama
   * and hosted APIs say nothing there, so they get the default unless the user sets it.
   */
  concurrency(): Promise<number> {
    if (this.options.concurrency !== undefined) return Promise.resolve(this.options.concurrency)
    this.detected ??= this.detectConcurrency().then((n) => {
      this.semaphore.resize(n)
      return n
    })
    return this.detected
  }

  private async detectConcurrency(): Promise<number> {
    const root = this.baseUrl.replace(/\/v1$/, '')
    const probes: [string, (body: Record<string, unknown>) => unknown][] = [
      ['/props', (b) => b.total_slots],
      ['/get_server_info', (b) => b.max_running_requests],
    ]
    const key = await this.resolveApiKey()
    for (const [path, read] of probes) {
      try {
        const res = await (this.options.fetch ?? fetch)(root + path, {
          headers: { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
          signal: AbortSignal.any([this.lifetime.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
        })
        if (!res.ok) continue
        const value = Number(read((await res.json()) as Record<string, unknown>))
        if (Number.isInteger(value) && value >= 1) return Math.min(value, MAX_TEACHER_CONCURRENCY)
      } catch {
        // not this kind of server (or not reachable yet: the first real request will say so)
      }
    }
    return DEFAULT_TEACHER_CONCURRENCY
  }

  describe(): string {
    return `OpenAI-compatible teacher ${this.options.model} at ${this.baseUrl}${this.cache ? ' (cached)' : ''}`
  }

  /** The model ids the server offers (GET /models): a connection check for the settings screen. Not cached. */
  async listModels(signal?: AbortSignal): Promise<string[]> {
    const body = await this.semaphore.run(() => this.withRetries('GET', '/models', undefined, signal))
    const data = (body as { data?: unknown }).data
    if (!Array.isArray(data)) throw this.malformed('/models', 'no "data" list')
    return data.map((m) => String((m as { id?: unknown }).id ?? '')).filter(Boolean)
  }

  async generateSql(req: TeacherSqlRequest): Promise<string[]> {
    const n = checkSampleCount(req.n)
    const prompt = sqlPrompt(req, this.promptOptions())
    const base: ChatRequestBody = {
      model: this.options.model,
      messages: prompt.messages,
      temperature: req.temperature ?? this.options.temperature ?? DEFAULT_TEACHER_TEMPERATURE,
      max_tokens: req.maxTokens ?? DEFAULT_TEACHER_MAX_TOKENS,
    }
    const first = await this.chat(n > 1 ? { ...base, n } : base, req.signal)
    const texts = first.slice(0, n).map((c) => c.text)
    // Many servers ignore `n` and answer once: ask for the rest one at a time. Each carries its own seed, which
    // also gives each its own cache entry (identical bodies would share one answer).
    if (texts.length < n) {
      const seed = this.options.seed ?? 0
      const rest = await Promise.all(
        Array.from({ length: n - texts.length }, (_, k) =>
          this.chat({ ...base, seed: seed + texts.length + k }, req.signal).then((choices) => choices[0]?.text ?? ''),
        ),
      )
      texts.push(...rest)
    }
    return texts.map((t) => extractSql(t) ?? '')
  }

  async writeQuestion(req: TeacherQuestionRequest): Promise<string> {
    const prompt = questionPrompt(req, this.promptOptions())
    const choices = await this.chat(
      { model: this.options.model, messages: prompt.messages, temperature: req.temperature ?? 0, max_tokens: QUESTION_MAX_TOKENS },
      req.signal,
    )
    return parseQuestion(choices[0]?.text ?? '')
  }

  async judge(req: TeacherJudgeRequest): Promise<TeacherVerdict> {
    const prompt = judgePrompt(req, this.promptOptions())
    const choices = await this.chat(
      { model: this.options.model, messages: prompt.messages, temperature: 0, max_tokens: JUDGE_MAX_TOKENS },
      req.signal,
    )
    return parseVerdict(choices[0]?.text ?? '')
  }

  async close(): Promise<void> {
    this.lifetime.abort()
  }

  private promptOptions(): { schemaBudgetTokens?: number } {
    return this.options.schemaBudgetTokens !== undefined ? { schemaBudgetTokens: this.options.schemaBudgetTokens } : {}
  }

  /** One chat completion: from the cache, or from the server (then cached). Choices in index order. */
  private async chat(body: ChatRequestBody, signal?: AbortSignal): Promise<ChatChoice[]> {
    if (this.lifetime.signal.aborted) throw new SqlstillError('CANCELLED', 'The teacher has been closed')
    const key = ResponseCache.key([this.baseUrl, this.options.model, body])
    if (this.cache) {
      const cached = await this.cache.get(key)
      if (cached !== undefined) {
        try {
          const choices = this.readChoices(cached)
          this.stats.cacheHits++
          return choices
        } catch {
          // An entry we can no longer read is a miss; the fresh answer overwrites it.
        }
      }
    }
    const response = await this.semaphore.run(() => this.withRetries('POST', '/chat/completions', body, signal))
    const choices = this.readChoices(response)
    const usage = (response as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }).usage
    if (typeof usage?.prompt_tokens === 'number') this.stats.promptTokens += usage.prompt_tokens
    if (typeof usage?.completion_tokens === 'number') this.stats.completionTokens += usage.completion_tokens
    // The answer matters more than its copy: a full disk or a read-only cache folder must not fail the run.
    await this.cache?.set(key, body, response).catch(() => undefined)
    return choices
  }

  private readChoices(response: unknown): ChatChoice[] {
    const choices = (response as { choices?: unknown } | null)?.choices
    if (!Array.isArray(choices) || choices.length === 0) throw this.malformed('/chat/completions', 'no "choices"')
    return choices
      .map((c, i): ChatChoice => {
        const choice = c as { index?: unknown; message?: { content?: unknown }; text?: unknown }
        const content = choice?.message?.content ?? choice?.text
        if (content !== null && content !== undefined && typeof content !== 'string') {
          throw this.malformed('/chat/completions', 'a choice without text content')
        }
        return { index: typeof choice.index === 'number' ? choice.index : i, text: content ?? '' }
      })
      .sort((a, b) => a.index - b.index)
  }

  private malformed(path: string, what: string): SqlstillError {
    return new SqlstillError('INTERNAL', `The teacher at ${this.baseUrl}${path} answered with ${what}`, { url: this.baseUrl + path })
  }

  private async resolveApiKey(): Promise<string | null> {
    this.apiKey ??= (async () => {
      if (this.options.apiKey) return this.options.apiKey
      const stored = await this.options.secretStore?.get(this.options.secretName ?? DEFAULT_SECRET_NAME)
      if (stored) return stored
      return (this.options.env ?? process.env)[TEACHER_API_KEY_ENV] || null
    })()
    return this.apiKey
  }

  private async withRetries(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const retries = this.options.retries ?? 4
    const base = this.options.backoffMs ?? 500
    const cap = this.options.maxBackoffMs ?? 20_000
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(method, path, body, signal)
      } catch (err) {
        if (!(err instanceof Retryable)) throw err
        if (attempt >= retries) {
          throw new SqlstillError(err.error.code, err.error.message, { ...err.error.details, attempts: attempt + 1 })
        }
        this.stats.retries++
        // Full jitter over [half, whole] of the exponential step keeps parallel clients from retrying in lockstep.
        const step = Math.min(cap, base * 2 ** attempt)
        const wait = Math.max(err.retryAfterMs ?? 0, step / 2 + Math.random() * (step / 2))
        await sleep(Math.min(wait, cap), this.combined(signal))
      }
    }
  }

  private combined(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal
  }

  private async requestOnce(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = this.baseUrl + path
    const timeoutMs = this.options.timeoutMs ?? 120_000
    const cancel = this.combined(signal)
    if (cancel.aborted) throw new SqlstillError('CANCELLED', 'The teacher request was cancelled')
    const timeout = AbortSignal.timeout(timeoutMs)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const key = await this.resolveApiKey()
    if (key) headers.authorization = `Bearer ${key}`
    const doFetch = this.options.fetch ?? fetch

    let status: number
    let text: string
    let retryAfter: string | null
    this.stats.httpRequests++
    try {
      const res = await doFetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.any([cancel, timeout]),
      })
      status = res.status
      retryAfter = res.headers.get('retry-after')
      text = await res.text()
    } catch (err) {
      if (cancel.aborted) throw new SqlstillError('CANCELLED', 'The teacher request was cancelled')
      if (timeout.aborted) {
        throw new Retryable(
          new SqlstillError('TIMEOUT', `The teacher at ${url} did not answer within ${timeoutMs} ms`, { url, timeoutMs }),
        )
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      const why = cause?.code ?? cause?.message ?? (err as Error).message
      throw new Retryable(new SqlstillError('INTERNAL', `Could not reach the teacher at ${url}: ${why}`, { url }))
    }

    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text)
      } catch {
        throw new SqlstillError('INTERNAL', `The teacher at ${url} answered with something that is not JSON: ${snippet(text)}`, {
          url,
          status,
        })
      }
    }
    const message = serverMessage(text)
    const details = { url, status, serverMessage: message }
    if (status === 401 || status === 403) {
      throw new SqlstillError(
        'UNAUTHORIZED',
        `The teacher at ${url} refused the request (${status}): ${message}. Check the API key (${TEACHER_API_KEY_ENV} or the saved key).`,
        details,
      )
    }
    if (status === 429 || status >= 500) {
      throw new Retryable(new SqlstillError('INTERNAL', `The teacher at ${url} failed (${status}): ${message}`, details), retryAfterMs(retryAfter))
    }
    if (status === 404) throw new SqlstillError('NOT_FOUND', `The teacher at ${url} answered 404: ${message}`, details)
    throw new SqlstillError('BAD_REQUEST', `The teacher at ${url} rejected the request (${status}): ${message}`, details)
  }
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim()
  return t ? JSON.stringify(t.length > 200 ? `${t.slice(0, 200)}…` : t) : '(an empty body)'
}

/** The message of an OpenAI-style error body, else the body itself, shortened. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown }
    if (typeof body.error === 'string') return body.error
    if (typeof body.error?.message === 'string') return body.error.message
    if (typeof body.message === 'string') return body.message
  } catch {
    // not JSON: fall through to the raw text
  }
  const t = text.replace(/\s+/g, ' ').trim()
  return t ? (t.length > 300 ? `${t.slice(0, 300)}…` : t) : '(no message)'
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new SqlstillError('CANCELLED', 'The teacher request was cancelled'))
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new SqlstillError('CANCELLED', 'The teacher request was cancelled'))
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
