// The OpenAI-compatible endpoint of a real `sqlstill serve --model …` process, used by an OpenAI client (plain fetch)
// and by the HTTP teacher with the host's token as its API key. Runs the built CLI: build first (the test runner does).
import { readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { OpenAiTeacher } from '../../src/main/core/teacher'
import { writeStoriesLora } from '../llm/ggufWriter'
import { repoRoot, tempDir } from '../helpers/paths'
import { startWebHost, type RunningHost } from '../helpers/webHost'
import { countingFetch, schema } from './fixtures'

const model = path.join(path.resolve(repoRoot, '../shared'), 'models/stories260K-f32.gguf')
const scratch = tempDir('sqlstill-endpoint-')
const adapter = path.join(scratch, 'stories-lora.gguf')

let host: RunningHost
let bare: RunningHost
beforeAll(async () => {
  writeStoriesLora(adapter)
  ;[host, bare] = await Promise.all([
    startWebHost({ args: ['--model', model, '--no-demo'] }),
    startWebHost({ args: ['--no-demo'] }),
  ])
})
afterAll(async () => {
  await Promise.all([host?.stop(), bare?.stop()])
  rmSync(scratch, { recursive: true, force: true })
})

function api(h: RunningHost, p: string, body?: unknown, token = h.apiKey): Promise<Response> {
  return fetch(`${h.origin}/v1${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
}

const story = { messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 12 }

describe('OpenAI-compatible endpoint of sqlstill serve', () => {
  test('GET /v1/models lists the loaded student', async () => {
    const res = await api(host, '/models')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { object: string; data: { id: string; object: string }[] }
    expect(body.object).toBe('list')
    expect(body.data).toEqual([expect.objectContaining({ id: 'stories260K-f32.gguf', object: 'model' })])
    expect((await api(host, '/models/stories260K-f32.gguf')).status).toBe(200)
  })

  test('non-streaming chat completion', async () => {
    const res = await api(host, '/chat/completions', { ...story, model: 'stories260K-f32.gguf', n: 2 })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      object: string
      model: string
      choices: { index: number; message: { role: string; content: string }; finish_reason: string }[]
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
    }
    expect(body.object).toBe('chat.completion')
    expect(body.model).toBe('stories260K-f32.gguf')
    expect(body.choices.map((c) => c.index)).toEqual([0, 1])
    // The tiny model continues its training stories; greedy by default, so both choices agree.
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: expect.stringMatching(/\w+/) })
    expect(body.choices[1].message.content).toBe(body.choices[0].message.content)
    expect(body.choices[0].finish_reason).toBe('length')
    expect(body.usage.completion_tokens).toBe(24)
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 24)
  })

  test('streaming chat completion sends chunks, a finish reason and [DONE]', async () => {
    const plain = (await (await api(host, '/chat/completions', story)).json()) as { choices: { message: { content: string } }[] }
    const res = await api(host, '/chat/completions', { ...story, stream: true, stop: ['zzz'] })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => frame.replace(/^data: /, ''))
    expect(events.at(-1)).toBe('[DONE]')
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { object: string; choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[] })
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true)
    expect(chunks[0].choices[0].delta.role).toBe('assistant')
    const text = chunks.map((c) => c.choices[0].delta.content ?? '').join('')
    expect(chunks.filter((c) => c.choices[0].delta.content).length).toBeGreaterThan(1)
    expect(text).toBe(plain.choices[0].message.content)
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('length')
  })

  test('a client that hangs up mid-stream does not hurt the host', async () => {
    const controller = new AbortController()
    const res = await fetch(`${host.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...story, max_tokens: 400, stream: true }),
      signal: controller.signal,
    })
    const reader = res.body!.getReader()
    await reader.read()
    controller.abort()
    await reader.read().catch(() => undefined)
    const after = await api(host, '/chat/completions', story)
    expect(after.status).toBe(200)
    expect(host.process.exitCode).toBeNull()
  })

  test('bad requests get 400 with an OpenAI error body', async () => {
    for (const body of ['{not json', { messages: [] }, { messages: [{ role: 'tool', content: 'x' }] }, { ...story, temperature: 9 }]) {
      const res = await api(host, '/chat/completions', body)
      expect(res.status).toBe(400)
      const err = (await res.json()) as { error: { message: string; type: string; code: string } }
      expect(err.error.type).toBe('invalid_request_error')
      expect(err.error.message.length).toBeGreaterThan(5)
    }
    const long = await api(host, '/chat/completions', { messages: [{ role: 'user', content: 'story '.repeat(2000) }] })
    expect(long.status).toBe(400)
    expect(((await long.json()) as { error: { message: string } }).error.message).toMatch(/context/)
    expect((await api(host, '/nope')).status).toBe(404)
  })

  test('without a model: an empty model list and a 404 model_not_found', async () => {
    expect(await (await api(bare, '/models')).json()).toEqual({ object: 'list', data: [] })
    const res = await api(bare, '/chat/completions', story)
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model_not_found')
  })

  test('the token is the API key: anything else is refused', async () => {
    expect((await api(host, '/models', undefined, 'wrong-token')).status).toBe(401)
    const teacher = new OpenAiTeacher({ baseUrl: `${host.origin}/v1`, model: 'x', apiKey: 'wrong-token', retries: 3, backoffMs: 1 })
    await expect(teacher.generateSql({ schema, question: 'q', n: 1 })).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect(teacher.stats.httpRequests).toBe(1)
  })

  test('the HTTP teacher against sqlstill: k samples, then the same run again from the disk cache with no HTTP', async () => {
    const cacheDir = path.join(scratch, 'cache')
    const run = async () => {
      const counter = countingFetch()
      const teacher = new OpenAiTeacher({
        baseUrl: `${host.origin}/v1`, model: 'stories260K-f32.gguf', apiKey: host.apiKey, cacheDir, fetch: counter.fetch,
        // The tiny model has a 512-token context and a byte-level tokenizer: keep the schema part small.
        schemaBudgetTokens: 40,
      })
      expect(await teacher.listModels()).toEqual(['stories260K-f32.gguf'])
      const samples = await teacher.generateSql({ schema, question: 'Names of singers older than 40?', n: 3, maxTokens: 16 })
      const verdict = await teacher.judge({ question: 'How many singers?', sql: 'SELECT count(*) FROM singer', schema })
      await teacher.close()
      return { samples, verdict, calls: counter.calls(), bodies: counter.bodies }
    }
    const first = await run()
    expect(first.samples).toHaveLength(3)
    for (const s of first.samples) expect(typeof s).toBe('string')
    expect(typeof first.verdict.agrees).toBe('boolean')
    // One GET /models, one POST with n=3 (sqlstill honours n), one judge.
    expect(first.calls).toBe(3)
    expect(first.bodies[0]).toMatchObject({ n: 3, temperature: 0.3, max_tokens: 16 })
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0)

    const second = await run()
    expect(second.calls).toBe(1) // only the uncached GET /models
    expect(second.samples).toEqual(first.samples)
    expect(second.verdict).toEqual(first.verdict)
  })
})

describe('sqlstill serve --adapter', () => {
  test('serves the model with its adapter under a combined name', async () => {
    const withAdapter = await startWebHost({ args: ['--model', model, '--adapter', adapter, '--no-demo'] })
    try {
      const body = (await (await api(withAdapter, '/models')).json()) as { data: { id: string }[] }
      expect(body.data.map((m) => m.id)).toEqual(['stories260K-f32.gguf+stories-lora.gguf'])
      const res = await api(withAdapter, '/chat/completions', story)
      expect(res.status).toBe(200)
    } finally {
      await withAdapter.stop()
    }
  })
})
