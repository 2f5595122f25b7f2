// The repair prompt is longer than the first (it adds the failed query and the error): it must be fitted to
// the context too, so the repair really runs on a small-context model instead of failing on length.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ask } from '../../src/main/core/ask/ask'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { ModelEngine } from '../../src/main/core/llm/engine'
import { demoDb } from '../helpers/paths'
import { storiesF32, TEST_THREADS } from './models'

let engine: ModelEngine
let db: DatabaseHandle
beforeAll(async () => {
  engine = await ModelEngine.load(storiesF32, { threads: TEST_THREADS, contextSize: 512 })
  db = await openDatabase(demoDb)
})
afterAll(async () => {
  await engine?.dispose()
  await db?.close()
})

test('a failed first attempt gets a repair that fits the 512-token context', async () => {
  const { record } = await ask({ generator: engine, db, question: 'How many tracks are there in each genre?', maxTokens: 32 })
  expect(record.attempts).toHaveLength(2)
  const [first, repair] = record.attempts
  expect(first!.validation).not.toBe('ok') // the story model writes prose, not SQL
  expect(repair!.kind).toBe('repair')
  expect(repair!.error?.code).not.toBe('BAD_REQUEST')
  expect(repair!.promptTokens).toBeGreaterThan(0)
  expect(repair!.promptTokens + 32).toBeLessThanOrEqual(512)
})
