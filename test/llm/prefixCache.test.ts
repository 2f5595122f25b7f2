import { afterAll, beforeAll, expect, test } from 'vitest'
import { ModelEngine } from '../../src/main/core/llm/engine'
import { buildPrompt } from '../../src/main/core/prompt'
import { spiderSchemasFromJson } from '../prompt/spider'
import { storiesF32, TEST_THREADS } from './models'

let engine: ModelEngine
beforeAll(async () => {
  engine = await ModelEngine.load(storiesF32, { contextSize: 512, threads: TEST_THREADS })
})
afterAll(() => engine?.dispose())

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

test('the schema prefix is reused across questions: identical greedy output, fewer tokens evaluated', async () => {
  // Two tables of concert_singer: the whole schema fits the tiny model's 512-token context, so no question prunes
  // it and every prompt shares the same schema prefix.
  const full = spiderSchemasFromJson().get('concert_singer')!
  const schema = { ...full, tables: full.tables.filter((t) => t.name === 'singer' || t.name === 'stadium') }
  const link = { budgetTokens: 1500, countTokens: (t: string) => engine.countTokens(t) }
  const questions = ['How many singers do we have?', 'What is the average age of all singers?', 'List all stadium names.']
  const prompts = questions.map((question) => buildPrompt({ schema, question, link }).completion)
  const options = { maxTokens: 16 }

  // Interleaved rounds, so machine load hits both sides alike: an uncached run of question i (evaluates the whole
  // prompt), then a cached run of question i+1 (the sequence still holds question i's prompt: shared schema prefix).
  const reference = new Map<number, string>()
  const uncachedTtft: number[] = []
  const cachedTtft: number[] = []
  let reusedShare = 1
  let promptTokens = 0
  let reusedTokens = 0
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < prompts.length; i++) {
      const u = await engine.generate(prompts[i], { ...options, reusePrefix: false })
      expect(u.reusedPromptTokens).toBe(0)
      if (!reference.has(i)) reference.set(i, u.text)
      expect(u.text).toBe(reference.get(i))
      uncachedTtft.push(u.timeToFirstTokenMs)

      const j = (i + 1) % prompts.length
      const c = await engine.generate(prompts[j], options)
      cachedTtft.push(c.timeToFirstTokenMs)
      reusedShare = Math.min(reusedShare, c.reusedPromptTokens / c.promptTokens)
      promptTokens = c.promptTokens
      reusedTokens = c.reusedPromptTokens
      if (reference.has(j)) expect(c.text).toBe(reference.get(j))
      else reference.set(j, c.text)
    }
  }
  // Cached and uncached runs of every question agreed (checked above); everything up to the question is shared.
  expect(reference.size).toBe(prompts.length)
  expect(reusedShare).toBeGreaterThan(0.8)
  // The same prompt again reuses all but its last token.
  await engine.generate(prompts[2], options)
  const again = await engine.generate(prompts[2], options)
  expect(again.reusedPromptTokens).toBe(again.promptTokens - 1)
  expect(again.text).toBe(reference.get(2))

  const ratio = median(cachedTtft) / median(uncachedTtft)
  console.log(
    `prefix cache: prompt ${promptTokens} tokens, ${reusedTokens} reused; median time to first token ` +
      `cached/uncached = ${ratio.toFixed(2)} (${median(cachedTtft).toFixed(1)} ms vs ${median(uncachedTtft).toFixed(1)} ms, ` +
      `stories260K, 1 thread; on a model this small fixed per-call costs dominate)`,
  )
})
