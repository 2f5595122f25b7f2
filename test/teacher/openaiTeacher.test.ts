// The HTTP teacher against scripted local servers: retries and backoff, timeouts, auth and malformed answers,
// the n fallback, the disk cache and where the API key comes from.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { OpenAiTeacher, TEACHER_API_KEY_ENV } from '../../src/main/core/teacher'
import { SqlstillError } from '../../src/shared/errors'
import { chatAnswer, fakeServer, json, schema, type FakeServer } from './fixtures'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sqlstill-teacher-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

let server: FakeServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

async function failure(promise: Promise<unknown>): Promise<SqlstillError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof SqlstillError) return err
    throw new Error(`expected a SqlstillError, got ${String(err)}`)
  }
  throw new Error('expected a failure, got success')
}

const SQL_REPLY = '```sql\nSELECT name FROM singer WHERE age > 40;\n```'
const ask = { schema, question: 'Names of singers older than 40?', n: 1 }

describe('OpenAI-compatible teacher over HTTP', () => {
  test('retries 500s with backoff and succeeds on the third attempt', async () => {
    server = await fakeServer((_req, res, i) => {
      if (i < 2) return json(res, 500, JSON.stringify({ error: { message: 'overloaded' } }))
      json(res, 200, chatAnswer([SQL_REPLY]))
    })
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', backoffMs: 20, retries: 3 })
    expect(await teacher.generateSql(ask)).toEqual(['SELECT name FROM singer WHERE age > 40'])
    expect(server.requests).toHaveLength(3)
    expect(teacher.stats).toMatchObject({ httpRequests: 3, retries: 2 })
  })

  test('gives up after the configured retries with the server message', async () => {
    server = await fakeServer((_req, res) => json(res, 503, JSON.stringify({ error: { message: 'model is loading' } })))
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', backoffMs: 5, retries: 2 })
    const err = await failure(teacher.generateSql(ask))
    expect(err.code).toBe('INTERNAL')
    expect(err.message).toContain('model is loading')
    expect(err.details).toMatchObject({ status: 503, attempts: 3 })
    expect(server.requests).toHaveLength(3)
  })

  test('honours Retry-After on 429', async () => {
    server = await fakeServer((_req, res, i) => {
      if (i === 0) return json(res, 429, '{"error":{"message":"slow down"}}', { 'retry-after': '0.3' })
      json(res, 200, chatAnswer([SQL_REPLY]))
    })
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', backoffMs: 1, retries: 2 })
    const started = Date.now()
    await teacher.generateSql(ask)
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    expect(server.requests).toHaveLength(2)
  })

  test('a server that never answers fails with TIMEOUT within the configured limit', async () => {
    server = await fakeServer(() => {
      // never responds
    })
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 300, retries: 1, backoffMs: 10 })
    const started = Date.now()
    const err = await failure(teacher.generateSql(ask))
    const elapsed = Date.now() - started
    expect(err.code).toBe('TIMEOUT')
    expect(err.message).toContain('300 ms')
    // Two attempts of 300 ms plus a short backoff.
    expect(elapsed).toBeGreaterThanOrEqual(580)
    expect(elapsed).toBeLessThan(3000)
    expect(server.requests).toHaveLength(2)
  })

  test('401 is UNAUTHORIZED at once, without retries', async () => {
    server = await fakeServer((_req, res) => json(res, 401, JSON.stringify({ error: { message: 'Incorrect API key provided' } })))
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', apiKey: 'wrong', backoffMs: 1, retries: 4 })
    const err = await failure(teacher.generateSql(ask))
    expect(err.code).toBe('UNAUTHORIZED')
    expect(err.message).toContain('Incorrect API key provided')
    expect(server.requests).toHaveLength(1)
  })

  test('other 4xx are not retried and keep the server message', async () => {
    server = await fakeServer((_req, res) => json(res, 400, JSON.stringify({ error: { message: 'model "m" not found, try pulling it first' } })))
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', backoffMs: 1 })
    const err = await failure(teacher.judge({ question: 'q', sql: 'SELECT 1', schema }))
    expect(err.code).toBe('BAD_REQUEST')
    expect(err.message).toContain('try pulling it first')
    expect(server.requests).toHaveLength(1)
  })

  test('garbage instead of JSON is a clear error, not a crash', async () => {
    server = await fakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html>Bad gateway page</html>')
    })
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', backoffMs: 1 })
    const err = await failure(teacher.generateSql(ask))
    expect(err.code).toBe('INTERNAL')
    expect(err.message).toMatch(/not JSON.*Bad gateway page/)
  })

  test('JSON without choices is a clear error too', async () => {
    server = await fakeServer((_req, res) => json(res, 200, '{"object":"chat.completion"}'))
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', backoffMs: 1 })
    const err = await failure(teacher.writeQuestion({ sql: 'SELECT 1', schema }))
    expect(err.code).toBe('INTERNAL')
    expect(err.message).toContain('no "choices"')
  })

  test('an unreachable server is a network error after the retries', async () => {
    const gone = await fakeServer(() => undefined)
    const baseUrl = gone.baseUrl
    await gone.close()
    const teacher = new OpenAiTeacher({ baseUrl, model: 'm', backoffMs: 1, retries: 1 })
    const err = await failure(teacher.generateSql(ask))
    expect(err.code).toBe('INTERNAL')
    expect(err.message).toMatch(/Could not reach the teacher/)
    expect(teacher.stats.httpRequests).toBe(2)
  })

  test('a server that ignores n gets the missing samples one request each, with distinct seeds', async () => {
    server = await fakeServer((_req, res, i) => json(res, 200, chatAnswer([`SELECT ${i} FROM singer`])))
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', concurrency: 2 })
    const samples = await teacher.generateSql({ ...ask, n: 4 })
    expect(samples).toHaveLength(4)
    expect(new Set(samples).size).toBe(4)
    const bodies = server.requests.map((r) => JSON.parse(r.body) as { n?: number; seed?: number; temperature: number })
    expect(bodies[0].n).toBe(4)
    expect(bodies.slice(1).map((b) => b.seed).sort()).toEqual([1, 2, 3])
    expect(bodies.every((b) => b.temperature === 0.3)).toBe(true)
  })

  test('the concurrency limit holds', async () => {
    let inFlight = 0
    let peak = 0
    server = await fakeServer(async (_req, res) => {
      peak = Math.max(peak, ++inFlight)
      await new Promise((r) => setTimeout(r, 50))
      inFlight--
      json(res, 200, chatAnswer(['SELECT 1']))
    })
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', concurrency: 2 })
    await Promise.all(Array.from({ length: 6 }, (_, i) => teacher.generateSql({ ...ask, question: `q${i}` })))
    expect(server.requests).toHaveLength(6)
    expect(peak).toBe(2)
  })

  test('the disk cache answers a repeated run without any HTTP request', async () => {
    server = await fakeServer((_req, res, i) => json(res, 200, chatAnswer([`SELECT ${i}`])))
    const cacheDir = tempDir()
    const run = async () => {
      const teacher = new OpenAiTeacher({ baseUrl: server!.baseUrl, model: 'm', cacheDir })
      const out = [
        await teacher.generateSql({ ...ask, n: 3 }),
        await teacher.writeQuestion({ sql: 'SELECT name FROM singer', schema }),
        await teacher.judge({ question: 'q', sql: 'SELECT 1', schema }),
      ]
      return { out, stats: { ...teacher.stats } }
    }
    const first = await run()
    const served = server.requests.length
    expect(served).toBe(5) // 1 + 2 fallback samples, a question, a verdict
    expect(first.stats.cacheHits).toBe(0)
    const second = await run()
    expect(server.requests.length).toBe(served)
    expect(second.stats).toEqual({ httpRequests: 0, cacheHits: 5, retries: 0, promptTokens: 0, completionTokens: 0 })
    expect(second.out).toEqual(first.out)
    // A different request is a miss.
    const other = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'another', cacheDir })
    await other.generateSql(ask)
    expect(server.requests.length).toBe(served + 1)
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0)
  })

  test('the API key comes from the option, then the secret store, then the environment', async () => {
    server = await fakeServer((_req, res) => json(res, 200, chatAnswer(['SELECT 1'])))
    const auth = () => server!.requests.at(-1)!.headers.authorization
    const store = { get: async (name: string) => (name === 'teacher.apiKey' ? 'from-store' : null), set: async () => undefined }
    const env = { [TEACHER_API_KEY_ENV]: 'from-env' }

    await new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', apiKey: 'explicit', secretStore: store, env }).generateSql(ask)
    expect(auth()).toBe('Bearer explicit')
    await new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', secretStore: store, env }).generateSql(ask)
    expect(auth()).toBe('Bearer from-store')
    await new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', env }).generateSql(ask)
    expect(auth()).toBe('Bearer from-env')
    await new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', env: {} }).generateSql(ask)
    expect(auth()).toBeUndefined()
  })

  test('a caller signal cancels a request in flight, and close() stops the teacher', async () => {
    server = await fakeServer(() => undefined)
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 10_000 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const err = await failure(teacher.generateSql({ ...ask, signal: controller.signal }))
    expect(err.code).toBe('CANCELLED')
    await teacher.close()
    expect((await failure(teacher.generateSql(ask))).code).toBe('CANCELLED')
  })

  test('bad options are refused up front', () => {
    expect(() => new OpenAiTeacher({ baseUrl: 'not a url', model: 'm' })).toThrow(/not a URL/)
    expect(() => new OpenAiTeacher({ baseUrl: 'ftp://x/v1', model: 'm' })).toThrow(/http or https/)
    expect(() => new OpenAiTeacher({ baseUrl: 'http://127.0.0.1:1/v1', model: ' ' })).toThrow(/model name/)
  })

  test('judge and writeQuestion read typical replies', async () => {
    const replies = ['{"agrees": true, "reason": "It filters on age."}', '"How many singers are older than 40?"']
    server = await fakeServer((_req, res, i) => json(res, 200, chatAnswer([replies[i]])))
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'm' })
    expect(await teacher.judge({ question: 'q', sql: 'SELECT 1', schema })).toEqual({ agrees: true, reason: 'It filters on age.', parsed: true })
    expect(await teacher.writeQuestion({ sql: 'SELECT count(*) FROM singer WHERE age > 40', schema })).toBe(
      'How many singers are older than 40?',
    )
    const judgeBody = JSON.parse(server.requests[0].body) as { messages: { role: string; content: string }[]; temperature: number }
    expect(judgeBody.temperature).toBe(0)
    expect(judgeBody.messages[1].content).toContain('CREATE TABLE singer')
  })
})
