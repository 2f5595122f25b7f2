// KID (knowledge distillation with imperfect data): a fraction alpha of completion inputs become the student's own
// predictions while the labels stay correct; training still converges.
import { describe, expect, it } from 'vitest'
import { kidCorrupt, rng } from '../../src/main/core/train/data'
import { startTraining } from '../../src/main/core/train/job'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt } from '../native/helpers/native'
import { quickConfig, storyPairs, tinyRandomLlama } from './helpers'

ensureNativeBuilt()

describe('kidCorrupt', () => {
  it('replaces about alpha of the completion inputs with predictions, never the prompt, and keeps the labels', () => {
    const tokens = Array.from({ length: 4000 }, (_, i) => 10 + (i % 50))
    const ex = { tokens, completionStart: 100 }
    const predicted = new Int32Array(tokens.length).fill(7)
    const k = kidCorrupt(ex, predicted, 0.25, rng(1))
    expect(k.labels).toEqual(tokens)
    expect(k.tokens.slice(0, 100)).toEqual(tokens.slice(0, 100))
    const differing = k.tokens.filter((t, i) => t !== k.labels[i]).length
    expect(differing).toBe(k.differing)
    expect(differing / (tokens.length - 101)).toBeGreaterThan(0.22)
    expect(differing / (tokens.length - 101)).toBeLessThan(0.28)
    expect(k.tokens.at(-1)).toBe(tokens.at(-1)) // the last input predicts nothing
    expect(kidCorrupt(ex, predicted, 0, rng(1)).differing).toBe(0)
  })
})

describe('training with kid', () => {
  it('feeds inputs that differ from the labels at ≈alpha of completion positions (random model: predictions are wrong)', async () => {
    const r = await startTraining(
      quickConfig({ baseModel: tinyRandomLlama, examples: storyPairs(12), maxSteps: 6, kid: { alpha: 0.3 }, learningRate: 1e-3, maxLength: 128 }),
      tempDir('sqlstill-kid-'),
    )
    console.log(`[kid] alpha 0.3 on a random model: replaced ${r.kid!.replacedFraction.toFixed(3)}, differing ${r.kid!.differingFraction.toFixed(3)}`)
    expect(r.kid!.replacedFraction).toBeGreaterThan(0.22)
    expect(r.kid!.replacedFraction).toBeLessThan(0.38)
    expect(r.kid!.differingFraction).toBeGreaterThan(0.2)
    expect(r.kid!.differingFraction).toBeLessThanOrEqual(r.kid!.replacedFraction)
  })

  it('still converges on a small overfit (clean eval loss on the training pairs falls)', async () => {
    const examples = storyPairs(8)
    const before = await startTraining(quickConfig({ examples, evalExamples: examples, maxSteps: 1, learningRate: 1e-6, warmupSteps: 0 }), tempDir('sqlstill-kid-'))
    const r = await startTraining(quickConfig({ examples, evalExamples: examples, maxSteps: 40, kid: { alpha: 0.2 } }), tempDir('sqlstill-kid-'))
    console.log(`[kid] eval loss ${before.finalEvalLoss!.toFixed(3)} -> ${r.finalEvalLoss!.toFixed(3)} with alpha 0.2`)
    expect(r.kid!.replacedFraction).toBeGreaterThan(0.12)
    expect(r.finalEvalLoss!).toBeLessThan(before.finalEvalLoss! * 0.5)
  })
})
