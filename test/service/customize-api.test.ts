// The teacher, compare, customization, dataset and export parts of the API contract, end to end over the real web
// host (the built CLI's `serve`) with the tiny stories260K student: calls over HTTP, events over the SSE stream.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient, type ApiEvents, type ApiTransport, type EventName, type SqlstillApi } from '../../src/shared/api'
import type { Envelope } from '../../src/shared/errors'
import { modelsDir, spiderDb, tempDir } from '../helpers/paths'
import { startWebHost, type RunningHost } from '../helpers/webHost'

const TEACHER_KEY = 'proxy-key-for-the-test'

interface Seen {
  event: EventName
  payload: unknown
}

/** The browser's transport: invoke over POST, events from the /api/events server-sent stream. */
class SseClient implements ApiTransport {
  readonly seen: Seen[] = []
  private readonly waiters = new Set<() => void>()
  private readonly controller = new AbortController()
  readonly connected: Promise<void>

  constructor(
    private readonly origin: string,
    private readonly token: string,
  ) {
    this.connected = this.listen()
  }

  async invoke(method: string, arg: unknown): Promise<Envelope<unknown>> {
    const res = await fetch(`${this.origin}/api/invoke/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(arg ?? null),
    })
    return (await res.json()) as Envelope<unknown>
  }

  subscribe(): () => void {
    return () => undefined // this test reads `seen` directly
  }

  private async listen(): Promise<void> {
    const res = await fetch(`${this.origin}/api/events`, { headers: { authorization: `Bearer ${this.token}` }, signal: this.controller.signal })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    const pump = async (): Promise<void> => {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += decoder.decode(value, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          for (const line of frame.split('\n')) {
            if (!line.startsWith('data: ')) continue
            this.seen.push(JSON.parse(line.slice(6)) as Seen)
          }
          for (const wake of this.waiters) wake()
        }
      }
    }
    // The first chunk (": connected") says the host has registered this stream.
    const firstChunk = await reader.read()
    buffer += decoder.decode(firstChunk.value, { stream: true })
    void pump().catch(() => undefined)
  }

  of<E extends EventName>(event: E, where: (p: ApiEvents[E]) => boolean = () => true): ApiEvents[E][] {
    return this.seen.filter((s) => s.event === event).map((s) => s.payload as ApiEvents[E]).filter(where)
  }

  async waitFor<E extends EventName>(event: E, where: (p: ApiEvents[E]) => boolean, timeoutMs = 60_000): Promise<ApiEvents[E]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.of(event, where)[0]
      if (hit) return hit
      if (Date.now() > deadline) throw new Error(`no ${event} event within ${timeoutMs} ms; saw ${this.seen.map((s) => s.event).join(', ')}`)
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(wake, 250)
        this.waiters.add(wake)
      })
    }
  }

  close(): void {
    this.controller.abort()
  }
}

/**
 * A stand-in for a hosted teacher API in front of the host's own /v1: it demands the teacher key (which the host
 * process only has from SQLSTILL_TEACHER_API_KEY) and forwards with the host's per-launch token.
 */
function startTeacherProxy(target: () => RunningHost): Promise<{ server: Server; url: string; authorized: number; refused: number }> {
  const stats = { authorized: 0, refused: 0 }
  const server = createServer((req, res) => {
    void (async () => {
      if (req.headers.authorization !== `Bearer ${TEACHER_KEY}`) {
        stats.refused++
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad key' } }))
        return
      }
      stats.authorized++
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const host = target()
      const upstream = await fetch(`${host.origin}${req.url}`, {
        method: req.method,
        headers: { authorization: `Bearer ${host.apiKey}`, 'content-type': 'application/json' },
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      })
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
      res.end(Buffer.from(await upstream.arrayBuffer()))
    })().catch((err: unknown) => res.writeHead(502).end(String(err)))
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port
      resolve(Object.assign(stats, { server, url: `http://127.0.0.1:${port}/v1` }))
    }),
  )
}

let host: RunningHost
let client: SseClient
let api: SqlstillApi
let proxy: Awaited<ReturnType<typeof startTeacherProxy>>
const scratch = tempDir('sqlstill-customize-api-')

beforeAll(async () => {
  host = await startWebHost({
    args: ['--no-demo', '--model', join(modelsDir, 'stories260K-f32.gguf')],
    env: { SQLSTILL_TEACHER_API_KEY: TEACHER_KEY },
  })
  client = new SseClient(host.origin, host.apiKey)
  await client.connected
  api = createApiClient(client)
  proxy = await startTeacherProxy(() => host)
}, 90_000)

afterAll(async () => {
  client?.close()
  proxy?.server.close()
  await host?.stop()
  rmSync(scratch, { recursive: true, force: true })
  if (host) rmSync(host.dataDir, { recursive: true, force: true })
})

describe('teacher configuration', () => {
  it('round-trips the configuration, keeps keys out of config.json, and refuses keys without a secret store', async () => {
    expect(await api.teacher.get()).toBeNull()
    const config = { kind: 'openai' as const, baseUrl: proxy.url, model: 'x', retries: 0 }
    expect(await api.teacher.configure({ config })).toEqual(config)
    expect(await api.teacher.get()).toEqual(config)
    await client.waitFor('teacher.changed', (c) => c?.kind === 'openai')

    const err = await api.teacher.setApiKey({ key: 'sk-secret-value' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'UNSUPPORTED' })
    expect((err as Error).message).toContain('SQLSTILL_TEACHER_API_KEY')
    const stored = readFileSync(join(host.dataDir, 'config.json'), 'utf8')
    expect(JSON.parse(stored).teacher).toEqual(config)
    expect(stored).not.toContain('sk-secret-value')
    expect(stored).not.toContain(TEACHER_KEY)

    // The contract validates configurations: no key field, a real URL.
    await expect(api.teacher.configure({ config: { ...config, apiKey: 'k' } as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(api.teacher.configure({ config: { ...config, baseUrl: 'ftp://x' } })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(await api.teacher.get()).toEqual(config)

    // Nothing listens on the discard port: the check says so instead of throwing.
    await api.teacher.configure({ config: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', retries: 0 } })
    expect(await api.teacher.test()).toMatchObject({ ok: false })
    await api.teacher.configure({ config: null })
    expect(await api.teacher.get()).toBeNull()
    await expect(api.teacher.test()).resolves.toMatchObject({ ok: false, message: expect.stringContaining('No teacher is configured') })
  })

  it('tests the connection and asks the teacher (the host\'s own /v1 behind the key) for SQL', async () => {
    await api.teacher.configure({ config: { kind: 'openai', baseUrl: proxy.url, model: 'to-be-chosen', retries: 0 } })
    const probe = await api.teacher.test()
    expect(probe).toMatchObject({ ok: true })
    expect(probe.message).toContain('does not list to-be-chosen')
    expect(probe.models!.length).toBe(1)
    await api.teacher.configure({ config: { kind: 'openai', baseUrl: proxy.url, model: probe.models![0]!, retries: 0, timeoutMs: 60_000 } })

    // The tiny student's context is 512 tokens: a one-table database keeps the teacher's prompt inside it.
    const tiny = join(scratch, 'tiny.sqlite')
    const sqlite = new Database(tiny)
    sqlite.exec("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)")
    sqlite.close()
    const db = await api.db.open({ path: tiny })
    const answer = await api.teacher.ask({ dbId: db.id, question: 'How many rows?' })
    expect(answer.teacherId).toBe(`openai:${proxy.url}#${probe.models![0]}`)
    expect(['no_sql', 'syntax', 'unknown_identifier', 'runtime_error', 'empty_result', 'ok']).toContain(answer.validation)
    // The tiny model writes prose, so whatever it wrote must be classified, with a result exactly when it ran.
    expect(answer.result === null).toBe(answer.validation !== 'ok' && answer.validation !== 'empty_result')
    expect(proxy.authorized).toBeGreaterThanOrEqual(2) // GET /models and the chat completion
    expect(proxy.refused).toBe(0)
  })
})

describe('compare.results', () => {
  it('uses the official rules (column order free) and names the rows that differ', async () => {
    const db = await api.db.open({ path: spiderDb('concert_singer') })
    const same = await api.compare.results({ dbId: db.id, a: 'SELECT name, age FROM singer', b: 'SELECT age, name FROM singer ORDER BY age' })
    expect(same.same).toBe(true)
    expect(same.orderMatters).toBe(false)
    expect(same.differingRows).toEqual({ a: [], b: [] })

    const missing = await api.compare.results({ dbId: db.id, a: 'SELECT name, age FROM singer', b: 'SELECT name, age FROM singer WHERE singer_id <> 3' })
    expect(missing.same).toBe(false)
    if (!missing.a.ok) throw new Error('a should run')
    const name3 = (await api.db.query({ dbId: db.id, sql: 'SELECT name FROM singer WHERE singer_id = 3' })).rows[0]![0]
    const index = missing.a.result.rows.findIndex((r) => r[0] === name3)
    expect(missing.differingRows).toEqual({ a: [index], b: [] })

    const broken = await api.compare.results({ dbId: db.id, a: 'SELECT name FROM singer', b: 'SELECT nope FROM singer' })
    expect(broken.same).toBe(false)
    expect(broken.b).toMatchObject({ ok: false, error: { code: 'SQL_ERROR' } })
  })
})

// A whole run takes ~30 s on a quiet 2-core machine and several times that on a busy one: these tests wait for as
// long as a slow machine needs, and each one that needs a finished run gets it from finishedRun(), which starts the
// run the first time it is asked, so no test relies on another having run first.
const RUN_TIMEOUT_MS = 300_000

describe('customization over the API', () => {
  const pets = async () => (await api.db.open({ path: spiderDb('pets_1') })).id
  let finished: Promise<{ runId: string; outDir: string; event: ApiEvents['customize.finished'] }> | undefined
  const finishedRun = () =>
    (finished ??= (async () => {
      const { runId, outDir } = await api.customize.start({ dbId: await pets(), n: 20, epochs: 1, maxSteps: 4, evalFraction: 0.2, seed: 3 })
      const event = await client.waitFor('customize.finished', (e) => e.runId === runId, RUN_TIMEOUT_MS)
      return { runId, outDir, event }
    })())

  it('runs with the synthesizer in the background, reporting stages and training metrics as events', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    const dbId = await pets()
    const { runId, outDir, event: finished } = await finishedRun()
    expect(outDir.startsWith(join(host.dataDir, 'customize', 'pets_1-'))).toBe(true)
    expect(finished.error).toBeUndefined()
    expect(existsSync(finished.result!.adapterPath!)).toBe(true)

    const stages = new Set(client.of('customize.progress', (p) => p.runId === runId).map((p) => p.stage))
    expect([...stages]).toEqual(expect.arrayContaining(['info', 'questions', 'sql', 'filters', 'dataset', 'train', 'evaluate']))
    const datasetDone = client.of('customize.progress', (p) => p.runId === runId && p.stage === 'dataset' && p.message === 'done')[0]
    expect(datasetDone?.counts?.out).toBeGreaterThan(0)
    const metrics = client.of('train.progress', (p) => p.runId === runId && p.phase === 'training')
    expect(metrics.length).toBeGreaterThan(0)
    expect(metrics.at(-1)!.step).toBeGreaterThan(0)
    expect(typeof metrics.at(-1)!.loss).toBe('number')
    expect(metrics.at(-1)!.tokensPerSecond).toBeGreaterThan(0)

    const status = await api.customize.status({ outDir })
    expect(status.stages.train.status).toBe('done')
    expect(status.settings.studentModel).toBe(join(modelsDir, 'stories260K-f32.gguf'))
    const list = await api.customize.list({ dbId })
    expect(list.find((r) => r.outDir === outDir)).toMatchObject({ state: 'done', runId: null, adapterPath: finished.result!.adapterPath })
  })

  it('lists, searches and edits the dataset', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    const finishedDir = (await finishedRun()).outDir
    const page = await api.dataset.list({ outDir: finishedDir, split: 'train', limit: 3 })
    expect(page.total).toBeGreaterThan(3)
    expect(page.items).toHaveLength(3)
    const first = page.items[0]!
    const found = await api.dataset.list({ outDir: finishedDir, split: 'train', search: first.question })
    expect(found.items.map((e) => e.id)).toContain(first.id)

    const excluded = await api.dataset.update({ outDir: finishedDir, id: first.id, excluded: true })
    expect(excluded.excluded).toBe(true)
    await expect(api.dataset.update({ outDir: finishedDir, id: first.id, sql: 'SELECT nope FROM pets' })).rejects.toMatchObject({ code: 'SQL_ERROR' })
    // Editing the data makes the trained adapter stale: a resume retrains.
    expect((await api.customize.status({ outDir: finishedDir })).stages.train.status).toBe('pending')
  })

  it('cancels mid-run to a cancelled status, and a resume finishes it', { timeout: 2 * RUN_TIMEOUT_MS + 30_000 }, async () => {
    const dbId = await pets()
    const { runId, outDir } = await api.customize.start({ dbId, n: 20, epochs: 1, maxSteps: 4, evalFraction: 0.2, seed: 4 })
    await client.waitFor('customize.progress', (p) => p.runId === runId && p.stage === 'train', RUN_TIMEOUT_MS)
    expect(await api.customize.cancel({ runId })).toEqual({ cancelled: true })
    const stopped = await client.waitFor('customize.finished', (e) => e.runId === runId, RUN_TIMEOUT_MS)
    expect(stopped.error?.code).toBe('CANCELLED')
    const status = await api.customize.status({ outDir })
    expect(Object.values(status.stages).map((s) => s.status)).toContain('cancelled')
    expect((await api.customize.list({ dbId })).find((r) => r.outDir === outDir)?.state).toBe('cancelled')

    const resumed = await api.customize.resume({ outDir })
    expect(resumed.outDir).toBe(outDir)
    const done = await client.waitFor('customize.finished', (e) => e.runId === resumed.runId, RUN_TIMEOUT_MS)
    expect(done.error).toBeUndefined()
    expect((await api.customize.status({ outDir })).stages.evaluate.status).toBe('done')
  })

  it('exports the adapter fused into the loaded student', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    const adapter = (await finishedRun()).event.result!.adapterPath!
    const out = join(scratch, 'fused.gguf')
    const result = await api.export.run({ adapter, type: 'F32', out, exportId: 'e1' })
    expect(result).toMatchObject({ out, type: 'F32', exportId: 'e1' })
    expect(result.bytes).toBe(statSync(out).size)
    expect(client.of('export.progress', (p) => p.exportId === 'e1').length).toBeGreaterThan(0)
  })

  it('refuses to customize without a loaded student', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    const dbId = await pets()
    await finishedRun() // the other tests need the student; unloading it must come after their run
    await api.model.unload()
    await expect(api.customize.start({ dbId, n: 5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(api.customize.resume({ outDir: join(scratch, 'nothing-here') })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await api.model.load({ ref: join(modelsDir, 'stories260K-f32.gguf') }) // as the other tests expect it
  })
})
