// The loaded student (with its active adapter) as an OpenAI-compatible API on the web host: GET /v1/models and
// POST /v1/chat/completions, streaming (server-sent events) or not. Any OpenAI client works against it with the
// host's per-launch token as its API key (`Authorization: Bearer <token>`), which the web host checks before any
// route runs. Messages go through the model's chat template when it has one; otherwise they are flattened to a
// completion prompt (a lone user message is used verbatim, so a client can send a raw completion prompt).
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { toErrorShape } from '../../shared/errors'
import type { PromptForm } from '../../shared/models'
import type { GenerateOptions, GenerateResult, ModelEngine, PromptInput } from '../core/llm/engine'
import type { ChatMessage } from '../core/prompt/build'
import type { RouteHandler } from './webHost'

/** What the endpoint needs from the student: AskService satisfies it. */
export interface StudentSource {
  loadedEngine(): Promise<StudentEngine | null>
}
export type StudentEngine = Pick<ModelEngine, 'generate' | 'promptForm' | 'modelId' | 'adapterId' | 'contextSize' | 'slots'>

const MAX_BODY_BYTES = 8 * 1024 * 1024
const DEFAULT_MAX_TOKENS = 512
const MAX_CHOICES = 8

const textPart = z.object({ type: z.string(), text: z.string().optional() })
const messageSchema = z.object({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(textPart), z.null()]).optional(),
})
const requestSchema = z.object({
  model: z.string().optional(),
  messages: z.array(messageSchema).min(1, 'messages must not be empty'),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  n: z.number().int().min(1).max(MAX_CHOICES).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(8)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  seed: z.number().int().nullish(),
})
type ChatRequest = z.infer<typeof requestSchema>

class OpenAiHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
  ) {
    super(message)
  }
}

export function openAiRoute(student: StudentSource): RouteHandler {
  const created = Math.floor(Date.now() / 1000)
  return async (req, res, url) => {
    // llama-server's /props: how many requests run at once, which clients (our own teacher among them) size their
    // concurrency from
    if (url.pathname === '/props') {
      if (req.method !== 'GET') {
        sendError(res, methodNotAllowed('GET'))
        return true
      }
      const engine = await student.loadedEngine().catch(() => null)
      sendJson(res, 200, { total_slots: engine?.slots ?? 1, model_path: engine?.modelId ?? null, n_ctx: engine?.contextSize ?? null })
      return true
    }
    if (url.pathname !== '/v1' && !url.pathname.startsWith('/v1/')) return false
    try {
      await route(student, created, req, res, url.pathname)
    } catch (err) {
      sendError(res, toHttpError(err))
    }
    return true
  }
}

async function route(student: StudentSource, created: number, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === '/v1/models' || path.startsWith('/v1/models/')) {
    if (req.method !== 'GET') throw methodNotAllowed('GET')
    const engine = await student.loadedEngine()
    const models = engine ? [{ id: modelName(engine), object: 'model', created, owned_by: 'sqlstill' }] : []
    if (path === '/v1/models') return sendJson(res, 200, { object: 'list', data: models })
    const wanted = decodeURIComponent(path.slice('/v1/models/'.length))
    const model = models.find((m) => m.id === wanted)
    if (!model) throw new OpenAiHttpError(404, `The model '${wanted}' does not exist`, 'invalid_request_error', 'model_not_found')
    return sendJson(res, 200, model)
  }
  if (path === '/v1/chat/completions') {
    if (req.method !== 'POST') throw methodNotAllowed('POST')
    const request = parseRequest(await readBody(req))
    const engine = await student.loadedEngine()
    if (!engine) {
      throw new OpenAiHttpError(404, 'No model is loaded in sqlstill: load a student model first', 'invalid_request_error', 'model_not_found')
    }
    return request.stream ? streamCompletion(engine, request, res) : completeOnce(engine, request, res)
  }
  throw new OpenAiHttpError(404, `Unknown endpoint ${req.method} ${path}`, 'invalid_request_error', 'unknown_url')
}

function methodNotAllowed(allowed: string): OpenAiHttpError {
  return new OpenAiHttpError(405, `Only ${allowed} is allowed here`, 'invalid_request_error', 'method_not_allowed')
}

function modelName(engine: StudentEngine): string {
  return engine.adapterId ? `${engine.modelId}+${engine.adapterId}` : engine.modelId
}

function parseRequest(text: string): ChatRequest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new OpenAiHttpError(400, `The request body is not JSON: ${(err as Error).message}`, 'invalid_request_error', 'invalid_json')
  }
  const parsed = requestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    throw new OpenAiHttpError(400, `Invalid request: ${where}${issue?.message ?? 'bad body'}`, 'invalid_request_error', 'invalid_request')
  }
  return parsed.data
}

function messageText(content: ChatRequest['messages'][number]['content'], index: number): string {
  if (content == null) return ''
  if (typeof content === 'string') return content
  return content
    .map((part) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw new OpenAiHttpError(400, `messages.${index}: only text content is supported`, 'invalid_request_error', 'invalid_request')
      }
      return part.text
    })
    .join('')
}

function toChatMessages(request: ChatRequest): ChatMessage[] {
  return request.messages.map((m, i) => {
    const role = m.role === 'developer' ? 'system' : m.role
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw new OpenAiHttpError(400, `messages.${i}.role: '${m.role}' is not supported`, 'invalid_request_error', 'invalid_request')
    }
    return { role, content: messageText(m.content, i) }
  })
}

/** The prompt for this engine, and the stops the flattened form needs so the model does not write the next turn. */
export function promptFor(messages: ChatMessage[], form: PromptForm): { prompt: PromptInput; stops: string[] } {
  if (form === 'chat') return { prompt: { messages }, stops: [] }
  if (messages.length === 1 && messages[0].role === 'user') return { prompt: messages[0].content, stops: [] }
  const label = { system: 'System', user: 'User', assistant: 'Assistant' } as const
  const lines = messages.map((m) => (m.role === 'system' ? `${m.content}\n` : `${label[m.role]}: ${m.content}`))
  return { prompt: `${lines.join('\n')}\nAssistant:`, stops: ['\nUser:', '\nSystem:'] }
}

interface Plan {
  prompt: PromptInput
  options: (choice: number) => GenerateOptions
  n: number
}

function plan(engine: StudentEngine, request: ChatRequest, signal: AbortSignal): Plan {
  const { prompt, stops } = promptFor(toChatMessages(request), engine.promptForm)
  const requestStops = request.stop == null ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop
  return {
    prompt,
    n: request.n ?? 1,
    // Greedy unless asked: the usual callers are evaluation harnesses that want the student's best answer.
    options: (choice) => ({
      maxTokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS,
      temperature: request.temperature ?? 0,
      ...(request.top_p != null ? { topP: request.top_p } : {}),
      ...(request.seed != null ? { seed: request.seed + choice } : {}),
      stop: [...requestStops, ...stops].filter((s) => s.length > 0),
      signal,
    }),
  }
}

function finishReason(result: GenerateResult): 'stop' | 'length' {
  return result.stopReason === 'maxTokens' ? 'length' : 'stop'
}

/** Aborts generation when the client goes away before the answer is complete. */
function abortOnDisconnect(res: ServerResponse): AbortController {
  const controller = new AbortController()
  res.on('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  return controller
}

async function completeOnce(engine: StudentEngine, request: ChatRequest, res: ServerResponse): Promise<void> {
  const controller = abortOnDisconnect(res)
  const p = plan(engine, request, controller.signal)
  const choices: unknown[] = []
  let promptTokens = 0
  let completionTokens = 0
  for (let i = 0; i < p.n; i++) {
    const result = await engine.generate(p.prompt, p.options(i))
    promptTokens = result.promptTokens
    completionTokens += result.generatedTokens
    choices.push({ index: i, message: { role: 'assistant', content: result.text }, logprobs: null, finish_reason: finishReason(result) })
  }
  sendJson(res, 200, {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: modelName(engine),
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  })
}

async function streamCompletion(engine: StudentEngine, request: ChatRequest, res: ServerResponse): Promise<void> {
  const controller = abortOnDisconnect(res)
  const p = plan(engine, request, controller.signal)
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const model = modelName(engine)
  // Headers wait for the first event, so an error before any output (a prompt too long for the context) is still a
  // proper HTTP error rather than an event inside a 200 stream.
  const send = (payload: unknown, raw = false) => {
    if (!res.headersSent) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' })
    }
    res.write(`data: ${raw ? String(payload) : JSON.stringify(payload)}\n\n`)
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    send({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })

  let promptTokens = 0
  let completionTokens = 0
  try {
    for (let i = 0; i < p.n; i++) {
      let started = false
      const result = await engine.generate(p.prompt, {
        ...p.options(i),
        onTextChunk: (text) => {
          if (!started) {
            started = true
            chunk([{ index: i, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])
          }
          chunk([{ index: i, delta: { content: text }, logprobs: null, finish_reason: null }])
        },
      })
      if (!started) chunk([{ index: i, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])
      chunk([{ index: i, delta: {}, logprobs: null, finish_reason: finishReason(result) }])
      promptTokens = result.promptTokens
      completionTokens += result.generatedTokens
    }
    if (request.stream_options?.include_usage) {
      chunk([], { usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } })
    }
    send('[DONE]', true)
  } catch (err) {
    if (!res.headersSent) throw err
    if (!controller.signal.aborted) {
      const e = toHttpError(err)
      res.write(`data: ${JSON.stringify({ error: { message: e.message, type: e.type, code: e.code } })}\n\n`)
    }
  }
  if (!res.writableEnded) res.end()
}

function toHttpError(err: unknown): OpenAiHttpError {
  if (err instanceof OpenAiHttpError) return err
  const shape = toErrorShape(err)
  const status: Record<string, number> = { BAD_REQUEST: 400, NOT_FOUND: 404, TIMEOUT: 504, CANCELLED: 499, UNAUTHORIZED: 401 }
  const s = status[shape.code] ?? 500
  return new OpenAiHttpError(s, shape.message, s < 500 ? 'invalid_request_error' : 'server_error', shape.code.toLowerCase())
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new OpenAiHttpError(413, 'The request body is too large', 'invalid_request_error', 'body_too_large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

function sendError(res: ServerResponse, err: OpenAiHttpError): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end()
    return
  }
  sendJson(res, err.status, { error: { message: err.message, type: err.type, code: err.code } })
}

