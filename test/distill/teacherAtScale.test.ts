// Synthesis against a server with parallel slots (llama-server --parallel 4, as vLLM / SGLang / a multi-GPU box
// would be): the sql stage keeps as many questions in flight as the server says it runs (its /props total_slots),
// never more; throughput and tokens are recorded; a run cancelled mid-stage resumes asking only what is missing.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { buildSql } from '../../src/main/core/distill/pipeline/sqlStage'
import type { CustomizeSettings, QuestionItem } from '../../src/main/core/distill/pipeline/types'
import { OpenAiTeacher } from '../../src/main/core/teacher'
import type { Schema } from '../../src/shared/schema'
import { spiderDb, tempDir } from '../helpers/paths'
import { startWebHost } from '../helpers/webHost'
import { modelsDir } from '../helpers/paths'
import { join } from 'node:path'
import { fakeServer, json, schema as tinySchema, type FakeServer } from '../teacher/fixtures'

const SLOTS = 4
const QUESTIONS = 24
const settings = { k: 2, temperature: 0.3, rules: '', queryTimeoutMs: 5000, teacherTimeoutMs: 20_000 } as CustomizeSettings
const questions: QuestionItem[] = Array.from({ length: QUESTIONS }, (_, i) => ({
  id: `q${i}`,
  question: `How many singers have an id above ${i}?`,
  scenario: 'learn_prior',
  origin: 'teacher_question',
  tables: ['singer'],
}))

let db: DatabaseHandle
let schema: Schema
let server: FakeServer
let inFlight = 0
let maxInFlight = 0
const asked: number[] = []

beforeAll(async () => {
  db = await openDatabase(spiderDb('concert_singer'))
  schema = await db.schema()
  // llama-server's shape: /props says how many slots; each completion takes a while, as a real one does
  server = await fakeServer(async (req, res, _i, body) => {
    if (req.url === '/props') return json(res, 200, JSON.stringify({ total_slots: SLOTS, default_generation_settings: {} }))
    if (req.url !== '/v1/chat/completions') return json(res, 404, '{"error":"no"}')
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const n = Number(/above (\d+)\?/.exec(body)?.[1])
    asked.push(n)
    await new Promise((r) => setTimeout(r, 60))
    inFlight--
    const sql = `SELECT count(*) FROM singer WHERE singer_id > ${n}`
    json(res, 200, JSON.stringify({ choices: [0, 1].map((index) => ({ index, message: { role: 'assistant', content: '```sql\n' + sql + '\n```' } })), usage: { prompt_tokens: 300, completion_tokens: 25 } }))
  })
})
afterAll(async () => {
  await db?.close()
  await server?.close()
})

describe('the teacher at scale', () => {
  it('keeps the server\'s slots busy, no more; records throughput and tokens; a cancelled stage resumes with only what is missing', async () => {
    const checkpointFile = `${tempDir('sqlstill-scale-')}/sql.checkpoint.jsonl`
    const teacher = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'big', retries: 0 })
    expect(await teacher.concurrency()).toBe(SLOTS)

    // first session: cancelled once 10 questions are answered
    const controller = new AbortController()
    const first = buildSql({ settings, schema, db, teacher, questions, examples: [], checkpointFile, signal: controller.signal, onProgress: (p) => p.done >= 10 && controller.abort() })
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' })
    const askedFirst = asked.length
    expect(askedFirst).toBeGreaterThanOrEqual(10)
    expect(askedFirst).toBeLessThan(QUESTIONS)

    // second session (a new teacher, as after a restart): only the unanswered questions are asked
    await new Promise((r) => setTimeout(r, 150)) // let the first session's last answers land in the checkpoint
    // what the first session answered is checkpointed; questions in flight at the cancel were not, and go again
    const checkpointed = new Set(
      readFileSync(checkpointFile, 'utf8').trim().split('\n').map((l) => Number((JSON.parse(l) as { key: string }).key.slice(1))),
    )
    expect(checkpointed.size).toBeGreaterThanOrEqual(10)
    const resumed = new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'big', retries: 0, pricing: { inputPerMillion: 2, outputPerMillion: 8 } })
    const progress: string[] = []
    const out = await buildSql({ settings, schema, db, teacher: resumed, questions, examples: [], checkpointFile, onProgress: (p) => p.message && progress.push(p.message) })
    const askedAgain = asked.slice(askedFirst)
    expect(askedAgain.some((n) => checkpointed.has(n))).toBe(false)
    expect(askedAgain.length).toBe(QUESTIONS - checkpointed.size)

    // every question answered, in question order, whatever order the answers came in
    expect(out.items.map((i) => i.id)).toEqual(questions.map((q) => q.id))
    expect(out.items[5]!.sql).toBe('SELECT count(*) FROM singer WHERE singer_id > 5')
    // the server's 4 slots were all used, and never exceeded
    expect(maxInFlight).toBe(SLOTS)
    expect(out.throughput).toMatchObject({ concurrency: SLOTS, asked: askedAgain.length })
    expect(out.throughput.questionsPerSecond).toBeGreaterThan(0)
    expect(out.throughput.usage).toEqual({
      requests: askedAgain.length,
      cacheHits: 0,
      retries: 0,
      promptTokens: 300 * askedAgain.length,
      completionTokens: 25 * askedAgain.length,
      // $2 per million prompt tokens, $8 per million completion tokens
      costUsd: expect.closeTo(askedAgain.length * (300 * 2 + 25 * 8) / 1e6, 12),
    })
    expect(progress.at(-1)).toMatch(/^[\d.]+ questions\/s · 4 at once$/)
  }, 60_000)

  it('uses the configured number when there is one, and 2 for a server that does not say', async () => {
    expect(await new OpenAiTeacher({ baseUrl: server.baseUrl, model: 'big', concurrency: 7 }).concurrency()).toBe(7)
    const silent = await fakeServer((_req, res) => json(res, 404, '{}'))
    try {
      expect(await new OpenAiTeacher({ baseUrl: silent.baseUrl, model: 'm' }).concurrency()).toBe(2)
    } finally {
      await silent.close()
    }
  })

  it('against `sqlstill serve --parallel 3`: the teacher finds its 3 slots and every question is answered through them', async () => {
    const host = await startWebHost({ args: ['--no-demo', '--model', join(modelsDir, 'stories260K-f32.gguf'), '--parallel', '3'] })
    try {
      expect(host.output()).toMatch(/3 slots/)
      const teacher = new OpenAiTeacher({ baseUrl: `${host.origin}/v1`, model: 'student', apiKey: host.apiKey, retries: 0 })
      expect(await teacher.concurrency()).toBe(3)
      // the tiny model writes no SQL: every question ends as a counted drop, but each went through the server
      // (a two-table schema: the tiny student's context is 512 tokens)
      const few = questions.slice(0, 6)
      const out = await buildSql({ settings: { ...settings, k: 1 }, schema: tinySchema, db, teacher, questions: few, examples: [], checkpointFile: `${tempDir('sqlstill-serve-')}/sql.jsonl` })
      expect(out.items.length + Object.values(out.dropped).reduce((a, b) => a + b, 0)).toBe(few.length)
      expect(out.throughput).toMatchObject({ concurrency: 3, asked: few.length })
      expect(out.throughput.usage!.requests).toBe(few.length)
      expect(out.dropped, JSON.stringify(out.dropped)).not.toHaveProperty("teacher_error")
      expect(out.throughput.usage!.completionTokens).toBeGreaterThan(0)
    } finally {
      await host.stop()
    }
  }, 120_000)
})
