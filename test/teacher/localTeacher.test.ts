// The local GGUF teacher on the tiny stories260K model: it writes stories, not SQL, which is exactly what tests the
// robustness of the reply readers (k samples still come back, nonsense verdicts map to a defined "no").
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { GenerateOptions, PromptInput } from '../../src/main/core/llm/engine'
import { LocalTeacher, type TeacherEngine } from '../../src/main/core/teacher'
import type { PromptForm } from '../../src/shared/models'
import { repoRoot } from '../helpers/paths'
import { schema } from './fixtures'

const storiesF32 = path.join(path.resolve(repoRoot, '../shared'), 'models/stories260K-f32.gguf')

describe('local GGUF teacher (stories260K)', () => {
  let teacher: LocalTeacher
  beforeAll(async () => {
    teacher = await LocalTeacher.load(storiesF32, { seed: 7, engine: { threads: 1, contextSize: 512 } })
  })
  afterAll(async () => {
    await teacher?.close()
  })

  test('describes itself and uses the completion form (the model has no chat template)', () => {
    expect(teacher.id).toBe('local:stories260K-f32.gguf')
    expect(teacher.describe()).toContain('completion prompts')
  })

  test('generateSql returns exactly k strings', async () => {
    const samples = await teacher.generateSql({ schema, question: 'Names of singers older than 40?', n: 3, maxTokens: 24 })
    expect(samples).toHaveLength(3)
    for (const s of samples) expect(typeof s).toBe('string')
  })

  test('judge maps the tiny model nonsense to a defined verdict', async () => {
    const verdict = await teacher.judge({ question: 'How many singers are there?', sql: 'SELECT count(*) FROM singer', schema })
    expect(typeof verdict.agrees).toBe('boolean')
    expect(typeof verdict.reason).toBe('string')
    // Whatever it wrote, an unreadable reply never counts as agreement.
    if (!verdict.parsed) expect(verdict).toEqual({ agrees: false, reason: 'unparseable', parsed: false })
  })

  test('writeQuestion returns a string', async () => {
    const q = await teacher.writeQuestion({ sql: 'SELECT name FROM singer WHERE age > 40', schema, plan: 'names of singers over 40' })
    expect(typeof q).toBe('string')
    expect(q.length).toBeLessThanOrEqual(500)
  })

  test('a cancelled request rejects with CANCELLED', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(teacher.generateSql({ schema, question: 'q', n: 2, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' })
  })

  test('n is checked', async () => {
    await expect(teacher.generateSql({ schema, question: 'q', n: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})

describe('local teacher prompt form (recording engine, no model)', () => {
  function recordingEngine(promptForm: PromptForm, reply: string) {
    const calls: { prompt: PromptInput; options: GenerateOptions }[] = []
    const engine: TeacherEngine = {
      promptForm,
      contextSize: 8192,
      modelId: 'recorder.gguf',
      tokenCounter: (t: string) => Math.ceil(t.length / 4),
      generate: async (prompt, options = {}) => {
        calls.push({ prompt, options })
        return { text: reply, stopReason: 'eos', promptTokens: 1, reusedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 0, totalMs: 0, tokensPerSecond: 0 }
      },
      dispose: async () => undefined,
    }
    return { engine, calls }
  }

  test('a model with a chat template gets chat messages and k samples with distinct seeds at temperature 0.3', async () => {
    const { engine, calls } = recordingEngine('chat', '```sql\nSELECT name FROM singer;\n```')
    const teacher = new LocalTeacher(engine, { seed: 100 })
    expect(await teacher.generateSql({ schema, question: 'names?', n: 3 })).toEqual(Array(3).fill('SELECT name FROM singer'))
    expect(calls.every((c) => typeof c.prompt === 'object' && 'messages' in c.prompt)).toBe(true)
    expect(calls.map((c) => c.options.seed)).toEqual([100, 101, 102])
    expect(calls.every((c) => c.options.temperature === 0.3 && c.options.stop?.length === 0)).toBe(true)
  })

  test('a base model gets the completion prompt with its stops; the judge runs greedy', async () => {
    const { engine, calls } = recordingEngine('completion', ' yes, it counts the singers')
    const teacher = new LocalTeacher(engine)
    expect(await teacher.judge({ question: 'How many singers?', sql: 'SELECT count(*) FROM singer', schema })).toEqual({
      agrees: true,
      reason: 'it counts the singers',
      parsed: true,
    })
    expect(typeof calls[0].prompt).toBe('string')
    expect(calls[0].options).toMatchObject({ temperature: 0, stop: ['\n\n'] })
  })
})
