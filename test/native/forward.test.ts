// Milestone 2: our own ggml graph gives the same logits as node-llama-cpp (llama.cpp's graph) for every position.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeSyntheticQwen2 } from '../../src/main/core/gguf/synthetic'
import { forwardLogits, modelHparams } from '../../src/main/core/train/native'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt, llamaReference, maxAbsDiff, storiesF32, storiesQ8, tinyRandomLlama } from './helpers/native'

beforeAll(() => ensureNativeBuilt())

// BOS, then ordinary SentencePiece pieces of the stories vocabulary (ids >= 259 are merged pieces, not bytes)
const SEQUENCES = [
  [1, 403, 407, 261, 378, 300, 429, 267, 305, 433, 289, 302],
  [1, 470, 261, 338, 351, 411, 259, 290],
  [1, 13, 260, 500, 264, 268, 330, 362, 385, 399, 421, 447, 480, 501, 510, 300, 290, 281, 275, 270],
]

function parity(modelPath: string, sequences: number[][]): number {
  const reference = llamaReference({ modelPath, sequences })
  let worst = 0
  sequences.forEach((tokens, i) => {
    worst = Math.max(worst, maxAbsDiff(reference.logits[i]!, forwardLogits(modelPath, tokens, 1)))
  })
  return worst
}

describe('native forward parity with node-llama-cpp', () => {
  it('matches on stories260K F32 (llama, GQA, normal RoPE)', () => {
    const diff = parity(storiesF32, SEQUENCES)
    console.log(`stories260K-f32 max |Δlogit| = ${diff.toExponential(2)}`)
    expect(diff).toBeLessThan(1e-3)
  })

  it('matches on stories260K Q8_0 (quantized weights kept quantized)', () => {
    const diff = parity(storiesQ8, SEQUENCES)
    console.log(`stories260K-q8_0 max |Δlogit| = ${diff.toExponential(2)}`)
    expect(diff).toBeLessThan(1e-2)
  })

  it('matches on the F16 tiny random llama (32k vocab)', () => {
    const diff = parity(tinyRandomLlama, [[1, 450, 4996, 17354, 1701, 432, 17204, 975]])
    console.log(`llama-2-tiny-random max |Δlogit| = ${diff.toExponential(2)}`)
    expect(diff).toBeLessThan(1e-3)
  })

  it('matches on a synthetic qwen2 (biases, NEOX RoPE, tied head)', () => {
    const path = join(tempDir(), 'qwen2-tiny.gguf')
    writeSyntheticQwen2(
      path,
      { name: 'qwen2 tiny', layers: 2, embd: 64, heads: 4, kvHeads: 2, ffn: 128, vocab: 1024, contextLength: 512, ropeFreqBase: 1_000_000, tiedEmbeddings: true },
      'F32',
    )
    expect(modelHparams(path)).toMatchObject({ architecture: 'qwen2', ropeMode: 'neox', ropeFreqBase: 1_000_000 })
    const diff = parity(path, [[5, 300, 400, 500, 600, 700, 10, 20, 999, 3]])
    console.log(`synthetic qwen2 max |Δlogit| = ${diff.toExponential(2)}`)
    // with these random weights a wrong RoPE mode shows up as ~2e-3
    expect(diff).toBeLessThan(1e-4)
  })

  it('rejects token ids outside the vocabulary', () => {
    expect(() => forwardLogits(storiesF32, [1, 512])).toThrow(/out of range/)
    expect(() => forwardLogits(storiesF32, [])).toThrow(/no tokens/)
  })
})
