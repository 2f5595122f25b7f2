import { appendFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SqlGenerator } from '../../src/main/core/ask'
import { ask, AskHistory } from '../../src/main/core/ask'
import type { DatabaseHandle } from '../../src/main/core/db'
import { openDatabase } from '../../src/main/core/db'
import type { GenerateOptions, GenerateResult, PromptInput } from '../../src/main/core/llm/engine'
import { ModelEngine } from '../../src/main/core/llm/engine'
import { SqlstillError } from '../../src/shared/errors'
import type { PromptForm } from '../../src/shared/models'
import { spiderDbPath } from '../prompt/spider'
import { storiesF32, TEST_THREADS, tempDir } from './models'

/**
 * A stand-in model that answers with fixed texts, in order: it drives validation and repair through every outcome
 * class against the real database. Labelled as what it is; the real-model path is tested below with stories260K.
 */
class ScriptedGenerator implements SqlGenerator {
  readonly modelId = 'scripted'
  readonly adapterId = null
  readonly prompts: PromptInput[] = []
  constructor(
    private readonly outputs: string[],
    readonly promptForm: PromptForm = 'completion',
  ) {}
  async generate(prompt: PromptInput, options: GenerateOptions = {}): Promise<GenerateResult> {
    this.prompts.push(prompt)
    const text = this.outputs.shift() ?? ''
    options.onTextChunk?.(text)
    return {
      text,
      stopReason: 'eos',
      promptTokens: 100,
      reusedPromptTokens: 0,
      generatedTokens: 10,
      timeToFirstTokenMs: 1,
      totalMs: 2,
      tokensPerSecond: 5000,
    }
  }
}

const dbPath = spiderDbPath('concert_singer')!
let db: DatabaseHandle
const dataDir = tempDir('sqlstill-ask-')

beforeAll(async () => {
  db = await openDatabase(dbPath)
})
afterAll(() => db?.close())

describe('validation classes and the repair round (scripted outputs, real database)', () => {
  const run = (outputs: string[], extra: Partial<Parameters<typeof ask>[0]> = {}) =>
    ask({ generator: new ScriptedGenerator(outputs), db, question: 'How many singers are there?', ...extra })

  test('ok on the first try: no repair, result attached', async () => {
    const { record, result } = await run(['SELECT count(*) FROM singer'])
    expect(record.validation).toBe('ok')
    expect(record.attempts).toHaveLength(1)
    expect(result?.rows).toEqual([[6]])
    expect(record.result).toMatchObject({ columns: ['count(*)'], rowCount: 1, preview: [[6]] })
    expect(record.schemaTables).toContain('singer')
  })

  test('unknown table → repair → ok; both attempts recorded, the repaired query chosen', async () => {
    const gen = new ScriptedGenerator(['SELECT count(*) FROM singers', '```sql\nSELECT count(*) FROM singer;\n```'])
    const { record } = await ask({ generator: gen, db, question: 'How many singers are there?' })
    expect(record.attempts.map((a) => [a.kind, a.validation])).toEqual([
      ['initial', 'unknown_identifier'],
      ['repair', 'ok'],
    ])
    expect(record.attempts[0].error?.message).toMatch(/singers/)
    expect(record.sql).toBe('SELECT count(*) FROM singer')
    expect(record.validation).toBe('ok')
    // The repair prompt showed the model its query and the error.
    expect(gen.prompts[1]).toEqual(expect.stringContaining('SELECT count(*) FROM singers;\n-- Error: '))
  })

  test('syntax, no_sql and runtime errors are classified; a failed repair keeps the better attempt', async () => {
    const syntax = await run(['SELECT count(* FROM singer', 'no idea'])
    expect(syntax.record.attempts.map((a) => a.validation)).toEqual(['syntax', 'no_sql'])
    expect(syntax.record.validation).toBe('syntax')
    expect(syntax.record.sql).toBe('SELECT count(* FROM singer')

    const runtime = await run(['SELECT abs(-9223372036854775808) FROM singer'], { repair: false })
    expect(runtime.record.attempts).toHaveLength(1)
    expect(runtime.record.validation).toBe('runtime_error')
    expect(runtime.record.error?.message).toMatch(/overflow/i)
  })

  test('an empty result is not an error and is not repaired', async () => {
    const { record } = await run(["SELECT name FROM singer WHERE country = 'Atlantis'"])
    expect(record.validation).toBe('empty_result')
    expect(record.attempts).toHaveLength(1)
  })

  test('a write statement is refused, never run', async () => {
    const { record } = await run(['DELETE FROM singer'], { repair: false })
    // No SELECT in it: the extractor finds no query at all.
    expect(record.validation).toBe('no_sql')
    const sneaky = await run(['WITH x AS (SELECT 1) DELETE FROM singer'], { repair: false })
    expect(['runtime_error', 'syntax']).toContain(sneaky.record.validation)
    const still = await run(['SELECT count(*) FROM singer'])
    expect(still.result?.rows).toEqual([[6]])
  })

  test('chat-form models get chat messages, and the repair continues the conversation', async () => {
    const gen = new ScriptedGenerator(['SELECT nme FROM singer', 'SELECT name FROM singer'], 'chat')
    const { record } = await ask({ generator: gen, db, question: 'Names of singers?' })
    expect(record.promptForm).toBe('chat')
    expect(record.validation).toBe('ok')
    const repair = gen.prompts[1] as { messages: { role: string; content: string }[] }
    expect(repair.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user'])
    expect(repair.messages[3].content).toMatch(/nme/)
  })

  test('the generator decides the form (a chat-template model with a plain-text adapter says completion)', async () => {
    const gen = new ScriptedGenerator(['SELECT name FROM singer'], 'completion')
    const { record } = await ask({ generator: gen, db, question: 'Names of singers?' })
    expect(record.promptForm).toBe('completion')
    expect(typeof gen.prompts[0]).toBe('string')
    // an explicit form still wins over the model's
    const forced = new ScriptedGenerator(['SELECT name FROM singer'], 'completion')
    expect((await ask({ generator: forced, db, question: 'Names of singers?', promptForm: 'chat' })).record.promptForm).toBe('chat')
  })
})

describe('ask with the real tiny model', () => {
  let engine: ModelEngine
  beforeAll(async () => {
    engine = await ModelEngine.load(storiesF32, { contextSize: 512, threads: TEST_THREADS })
  })
  afterAll(() => engine?.dispose())

  test('produces a complete record (nonsense SQL is expected), streams, and saves history', async () => {
    const history = new AskHistory(dataDir)
    const chunks: [string, number][] = []
    const { record } = await ask({
      generator: engine,
      db,
      question: 'How many singers are there?',
      maxTokens: 24,
      history,
      onTextChunk: (text, attempt) => chunks.push([text, attempt]),
    })
    expect(record.modelId).toBe('stories260K-f32.gguf')
    expect(record.adapterId).toBeNull()
    expect(record.promptForm).toBe('completion')
    expect(record.promptTokens).toBeGreaterThan(50)
    expect(record.promptTokens).toBeLessThan(512)
    expect(record.schemaPruned).toBe(true) // the default budget was shrunk to fit the 512-token context
    expect(record.attempts.length).toBeGreaterThanOrEqual(1)
    expect(record.attempts[0].output).toBe(
      chunks
        .filter(([, a]) => a === 0)
        .map(([t]) => t)
        .join(''),
    )
    expect(['no_sql', 'syntax', 'unknown_identifier', 'runtime_error', 'empty_result', 'ok']).toContain(record.validation)
    if (record.attempts[0].validation !== 'ok' && record.attempts[0].validation !== 'empty_result') {
      expect(record.attempts).toHaveLength(2)
      expect(record.attempts[1].kind).toBe('repair')
    }
    expect(record.timeToFirstTokenMs).toBeGreaterThan(0)
    expect(record.totalMs).toBeGreaterThanOrEqual(record.timeToFirstTokenMs)
    expect(history.list(dbPath)[0].id).toBe(record.id)
  })

  test('cancelling rejects with CANCELLED and records nothing', async () => {
    const history = new AskHistory(tempDir('sqlstill-ask-cancel-'))
    const controller = new AbortController()
    controller.abort()
    const error = await ask({ generator: engine, db, question: 'How many singers?', signal: controller.signal, history }).catch(
      (e) => e,
    )
    expect(error).toBeInstanceOf(SqlstillError)
    expect((error as SqlstillError).code).toBe('CANCELLED')
    expect(history.list(dbPath)).toEqual([])
  })
})

describe('history', () => {
  test('append, list newest first, mark right/wrong with corrected SQL, examples, torn lines skipped', async () => {
    const dir = tempDir('sqlstill-history-')
    const history = new AskHistory(dir)
    const a = await ask({ generator: new ScriptedGenerator(['SELECT count(*) FROM singer']), db, question: 'How many singers?', history })
    const b = await ask({ generator: new ScriptedGenerator(['SELECT max(age) FROM singer']), db, question: 'Youngest singer age?', history })
    expect(history.list(dbPath).map((i) => i.id)).toEqual([b.record.id, a.record.id])

    history.mark(dbPath, b.record.id, 'wrong', ' SELECT min(age) FROM singer ')
    history.mark(dbPath, a.record.id, 'right')
    appendFileSync(history.fileFor(dbPath), '{"type":"ask","id":"torn')

    const reread = new AskHistory(dir)
    const items = reread.list(dbPath)
    expect(items).toHaveLength(2)
    expect(items[0].feedback).toMatchObject({ verdict: 'wrong', correctedSql: 'SELECT min(age) FROM singer' })
    expect(items[1].feedback).toMatchObject({ verdict: 'right' })
    expect(reread.examples(dbPath)).toEqual([
      { question: 'Youngest singer age?', sql: 'SELECT min(age) FROM singer' },
      { question: 'How many singers?', sql: 'SELECT count(*) FROM singer' },
    ])
    expect(reread.list(dbPath, { limit: 1, offset: 1 }).map((i) => i.id)).toEqual([a.record.id])
    expect(() => reread.mark(dbPath, 'nope', 'right')).toThrow(SqlstillError)
    expect(reread.list('/elsewhere/other.sqlite')).toEqual([])
  })
})
