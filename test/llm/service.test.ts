import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { AskService } from '../../src/main/core/ask'
import type { DatabaseHandle } from '../../src/main/core/db'
import { openDatabase } from '../../src/main/core/db'
import type { Settings } from '../../src/shared/settings'
import { DEFAULT_ANSWER_MAX_TOKENS, DEFAULT_SETTINGS, normalizeSettings } from '../../src/shared/settings'
import { spiderDbPath } from '../prompt/spider'
import { writeStoriesLora } from './ggufWriter'
import { storiesF32, TEST_THREADS, tempDir } from './models'
import { codeOf } from '../helpers/errors'

let db: DatabaseHandle
// a schema budget the 512-token context holds whole, so an added few-shot example makes the prompt longer
// (with the default budget the prompt is fitted to the context, and the example's room comes out of the schema)
let settings: Settings = { ...DEFAULT_SETTINGS, threads: TEST_THREADS, contextSize: 512, schemaPromptBudget: 200 }
const service = new AskService({ dataDir: tempDir('sqlstill-service-'), settings: () => settings })

beforeAll(async () => {
  db = await openDatabase(spiderDbPath('concert_singer')!)
})
afterAll(async () => {
  await service.dispose()
  await db?.close()
})

test('the student service: load, ask, FixIt examples from corrections, cancel by id, settings reload, adapter, unload', async () => {
  expect(await codeOf(service.ask({ db, question: 'How many singers?' }))).toBe('BAD_REQUEST')

  const loaded = await service.loadModel(storiesF32)
  expect(loaded).toMatchObject({ modelId: 'stories260K-f32.gguf', contextSize: 512, quantization: 'F32', adapter: null })

  const first = await service.ask({ db, question: 'How many singers are there?', maxTokens: 8 })
  expect(service.history.list(db.path).map((i) => i.id)).toEqual([first.record.id])

  // A correction becomes a few-shot example in later prompts on this database.
  service.history.mark(db.path, first.record.id, 'wrong', 'SELECT count(*) FROM singer')
  const second = await service.ask({ db, question: 'How many singers are there?', maxTokens: 8 })
  expect(second.record.promptTokens).toBeGreaterThan(first.record.promptTokens)

  let cancelledAt = -1
  const askId = 'ask-1'
  const running = service.ask({
    db,
    question: 'List every singer name.',
    askId,
    maxTokens: 200,
    onTextChunk: () => {
      if (cancelledAt < 0) cancelledAt = Number(service.cancel(askId))
    },
  })
  expect(await codeOf(running)).toBe('CANCELLED')
  expect(cancelledAt).toBe(1)
  expect(service.cancel(askId)).toBe(false)

  settings = { ...settings, contextSize: 384 }
  await service.ask({ db, question: 'How many stadiums?', maxTokens: 4 })
  expect(service.currentModel()?.contextSize).toBe(384)

  const lora = path.join(tempDir(), 'lora.gguf')
  writeStoriesLora(lora)
  expect((await service.setAdapter({ path: lora, scale: 0.5 })).adapter).toEqual({ path: lora, scale: 0.5 })
  const adapted = await service.ask({ db, question: 'How many stadiums?', maxTokens: 4 })
  expect(adapted.record.adapterId).toBe('lora.gguf')

  expect(service.cancelDownload('no-such-download')).toBe(false)
  expect(await codeOf(service.download('ftp://example.com/x.gguf', 'd1'))).toBe('BAD_REQUEST')

  await service.unloadModel()
  expect(service.currentModel()).toBeNull()
})

test('sampling settings: used when a request gives none, a request’s own values win, the defaults are greedy and 256 tokens', async () => {
  expect(normalizeSettings({})).toMatchObject({ temperature: 0, maxTokens: DEFAULT_ANSWER_MAX_TOKENS })
  expect(DEFAULT_ANSWER_MAX_TOKENS).toBe(256)

  let sampling: Settings = { ...DEFAULT_SETTINGS, threads: TEST_THREADS, contextSize: 512, repairOnFailure: false }
  const own = new AskService({ dataDir: tempDir('sqlstill-sampling-'), settings: () => sampling })
  try {
    await own.loadModel(storiesF32)
    const question = 'List the names of all singers older than thirty.'
    const output = async (request: { maxTokens?: number; temperature?: number } = {}) => {
      const { record } = await own.ask({ db, question, ...request })
      return record.attempts[0]
    }
    // Defaults: greedy, so the same question gives the same answer; 256 tokens (less what the context leaves).
    const greedy = await output()
    expect((await output()).output).toBe(greedy.output)
    expect(greedy.generatedTokens).toBe(DEFAULT_ANSWER_MAX_TOKENS)

    // The maxTokens setting limits an answer; a request's own limit wins.
    sampling = { ...sampling, maxTokens: 16 }
    expect((await output()).generatedTokens).toBe(16)
    expect((await output({ maxTokens: 20 })).generatedTokens).toBe(20)

    // A high temperature setting samples: over a few answers, at least one leaves the greedy path.
    sampling = { ...sampling, maxTokens: 64, temperature: 2 }
    const greedy64 = (await output({ temperature: 0 })).output
    const sampled = [await output(), await output(), await output()].map((a) => a.output)
    expect(sampled.some((text) => text !== greedy64)).toBe(true)
    // ...and a request's temperature 0 still decodes greedily.
    expect((await output({ temperature: 0 })).output).toBe(greedy64)
  } finally {
    await own.dispose()
  }
})
