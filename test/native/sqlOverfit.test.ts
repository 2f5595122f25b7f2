// Milestone 5: end to end on real prompt -> SQL pairs. Train a LoRA on 50 Spider pairs with our trainer, save it,
// and check that node-llama-cpp with the adapter greedily completes (nearly) every prompt with its exact SQL.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { LORA_TARGETS } from '../../src/main/core/train/native'
import { createTrainer } from '../../src/main/core/train/trainer'
import { sharedDir, tempDir } from '../helpers/paths'
import { ensureNativeBuilt, llamaReference, storiesF32 } from './helpers/native'

beforeAll(() => ensureNativeBuilt())

const NEWLINE = 13 // <0x0A>; the completion's terminator
const EPOCHS = 30
const BATCH = 10

/**
 * 50 short Spider training pairs. The SQL is limited to characters this 512-piece TinyStories vocabulary has real,
 * trained pieces for: '_', '=', '>' and EOS share one untrained embedding with the byte tokens, so no head could
 * tell them apart. Completions end with a newline instead of EOS for the same reason.
 */
function spiderPairs(): { question: string; sql: string }[] {
  const train = JSON.parse(readFileSync(join(sharedDir, 'data', 'spider', 'train_spider.json'), 'utf8')) as { question: string; query: string }[]
  const seen = new Set<string>()
  const pairs: { question: string; sql: string }[] = []
  for (const item of train) {
    const sql = item.query.replace(/\s+/g, ' ').trim()
    if (sql.length > 45 || item.question.length > 60 || !/^[A-Za-z0-9 *(),]+$/.test(sql) || seen.has(sql)) continue
    seen.add(sql)
    pairs.push({ question: item.question, sql })
    if (pairs.length === 50) break
  }
  return pairs
}

describe('prompt -> SQL overfit on stories260K through node-llama-cpp', () => {
  it('reaches >= 95% exact greedy completions with the saved adapter', () => {
    const pairs = spiderPairs()
    expect(pairs).toHaveLength(50)
    const texts = pairs.flatMap((p) => [`Q: ${p.question}\nSQL:`, ` ${p.sql}\n`])
    const tokenized = llamaReference({ modelPath: storiesF32, sequences: [], tokenize: texts }).tokens!
    const examples = pairs.map((_, i) => {
      const prompt = [1, ...tokenized[2 * i]!]
      const completion = tokenized[2 * i + 1]!
      expect(completion.at(-1)).toBe(NEWLINE)
      return { tokens: [...prompt, ...completion], completionStart: prompt.length, prompt, completion }
    })

    const rank = 16
    const lr = 1e-2
    const trainer = createTrainer({ modelPath: storiesF32, rank, alpha: 2 * rank, targets: LORA_TARGETS, lr, seed: 5, threads: 1, maxLength: 128 })
    const adapterPath = join(tempDir(), 'spider50.lora.gguf')
    const started = Date.now()
    try {
      const first = trainer.evalLoss(examples).loss
      for (let epoch = 0; epoch < EPOCHS; epoch++) {
        // constant, then linear decay to a tenth over the second half
        const decay = epoch < EPOCHS / 2 ? 1 : 0.1 + 0.9 * (1 - (epoch - EPOCHS / 2) / (EPOCHS / 2))
        trainer.setLearningRate(lr * decay)
        for (let b = 0; b < examples.length; b += BATCH) trainer.trainStep(examples.slice(b, b + BATCH))
      }
      const last = trainer.evalLoss(examples).loss
      console.log(`spider50: loss ${first.toFixed(3)} -> ${last.toFixed(4)} in ${EPOCHS} epochs, ${((Date.now() - started) / 1000).toFixed(1)} s`)
      trainer.saveAdapter(adapterPath, { task: 'spider50-overfit' })
    } finally {
      trainer.dispose()
    }

    const maxTokens = Math.max(...examples.map((e) => e.completion.length))
    const reference = llamaReference({
      modelPath: storiesF32,
      sequences: [],
      lora: { filePath: adapterPath, scale: 1 },
      greedy: { prompts: examples.map((e) => e.prompt), maxTokens, stopToken: NEWLINE },
    })
    const misses = examples.filter((e, i) => JSON.stringify(reference.greedy![i]) !== JSON.stringify(e.completion))
    console.log(`spider50: ${50 - misses.length}/50 exact greedy completions through node-llama-cpp`)
    expect(misses.length).toBeLessThanOrEqual(2)
  }, 180_000)
})
