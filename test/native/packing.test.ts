// Shared-prefix packing: a batch whose examples share their prompt up to the question is computed as one sequence
// holding the prefix once. The loss and every LoRA gradient must be those of the examples computed one by one.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeSyntheticQwen2 } from '../../src/main/core/gguf/synthetic'
import { ALL_LORA_TARGETS } from '../../src/main/core/train/native'
import { createTrainer, type LoraTrainer, type TrainerOptions } from '../../src/main/core/train/trainer'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt, seededValues, storiesF32 } from './helpers/native'

beforeAll(() => ensureNativeBuilt())

/** B != 0 everywhere (else dL/dA is exactly zero and half the check is vacuous), the same in every trainer. */
function randomizeB(t: LoraTrainer): void {
  for (const name of t.info().tensorNames) {
    if (name.endsWith('lora_b')) t.setTensor(name, seededValues(t.getTensor(name).length, name.length * 7919 + name.charCodeAt(4), 0.2))
  }
}

function relDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): { rel: number; norm: number } {
  let diff = 0
  let norm = 0
  for (const [name, g] of Object.entries(a)) {
    const h = b[name]!
    expect(h, name).toHaveLength(g.length)
    for (let i = 0; i < g.length; i++) {
      diff += (g[i]! - h[i]!) ** 2
      norm += g[i]! ** 2
    }
  }
  return { rel: Math.sqrt(diff / norm), norm }
}

/** A shared "schema" prefix, questions branching off it (two share a longer prefix), a duplicate, and a stranger. */
function batchFor(vocabLow: number, vocabHigh: number) {
  let s = 99
  const tok = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return vocabLow + (s % (vocabHigh - vocabLow))
  }
  const seq = (n: number) => Array.from({ length: n }, tok)
  const prefix = [1, ...seq(40)]
  const q1 = seq(6)
  const examples = [
    { tokens: [...prefix, ...q1, ...seq(9)], completionStart: prefix.length + q1.length },
    { tokens: [...prefix, ...q1, ...seq(7)], completionStart: prefix.length + q1.length }, // same question, other SQL
    { tokens: [...prefix, ...seq(5), ...seq(8)], completionStart: prefix.length + 5 },
    { tokens: [...prefix, ...seq(4), ...seq(11)], completionStart: prefix.length + 4 },
    { tokens: [1, ...seq(12), ...seq(6)], completionStart: 13 }, // shares only the first token
  ]
  examples.push({ ...examples[2]!, tokens: [...examples[2]!.tokens] }) // an exact duplicate counts twice
  return examples
}

function checkPacking(label: string, options: TrainerOptions, vocab: [number, number]) {
  const packed = createTrainer({ ...options, packing: true, attention: 'tree' })
  const unpacked = createTrainer({ ...options, packing: false })
  try {
    randomizeB(packed)
    randomizeB(unpacked)
    const batch = batchFor(vocab[0], vocab[1])
    const a = packed.computeGradients(batch)
    const b = unpacked.computeGradients(batch)
    // the examples share their prefix: the packed batch computes far fewer positions in one sequence
    expect(a.sequences).toBe(1)
    expect(b.sequences).toBe(batch.length)
    expect(a.exampleTokens).toBe(b.exampleTokens)
    // each sequence is padded to a multiple of 32 positions that nothing attends to
    expect(b.computedTokens).toBeGreaterThanOrEqual(b.exampleTokens)
    expect(b.computedTokens).toBeLessThan(b.exampleTokens + 32 * b.sequences)
    expect(a.computedTokens % 32).toBe(0)
    expect(a.computedTokens).toBeLessThan(b.exampleTokens * 0.5)
    expect(a.tokens).toBe(b.tokens)
    expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(1e-5)
    const { rel, norm } = relDiff(b.grads, a.grads)
    expect(norm).toBeGreaterThan(0)
    // every one of the eight targets has gradients, and they agree
    for (const target of ALL_LORA_TARGETS) {
      const names = Object.keys(a.grads).filter((n) => n.includes(`.${target}.`) || n.startsWith(`${target}.`))
      expect(names.length, target).toBeGreaterThan(0)
      for (const n of names) expect(a.grads[n]!.some((x) => x !== 0), n).toBe(true)
    }
    // the sum over the examples one by one, each weighted by its share of the completion tokens
    const summed: Record<string, Float32Array> = Object.fromEntries(Object.entries(a.grads).map(([n, g]) => [n, new Float32Array(g.length)]))
    let lossSum = 0
    for (const ex of batch) {
      const one = unpacked.computeGradients([ex])
      const w = one.tokens / a.tokens
      lossSum += one.loss * w
      for (const [n, g] of Object.entries(one.grads)) for (let i = 0; i < g.length; i++) summed[n]![i]! += g[i]! * w
    }
    const vsSum = relDiff(summed, a.grads)
    // the same packed sequence with one T×T mask instead of the tree layout
    const masked = createTrainer({ ...options, packing: true, attention: 'mask' })
    let vsMask: { rel: number }
    try {
      randomizeB(masked)
      const c = masked.computeGradients(batch)
      expect(c.computedTokens).toBe(a.computedTokens)
      expect(Math.abs(c.loss - a.loss) / a.loss).toBeLessThan(1e-5)
      vsMask = relDiff(c.grads, a.grads)
    } finally {
      masked.dispose()
    }
    console.log(
      `${label}: ${a.computedTokens} of ${a.exampleTokens} positions computed; loss ${a.loss.toFixed(6)} vs ${b.loss.toFixed(6)}; ` +
        `gradient rel. diff ${rel.toExponential(2)} (vs batch), ${vsSum.rel.toExponential(2)} (vs sum of single examples), ${vsMask.rel.toExponential(2)} (tree vs mask)`,
    )
    expect(Math.abs(lossSum - a.loss) / a.loss).toBeLessThan(1e-5)
    expect(rel).toBeLessThan(1e-4)
    expect(vsSum.rel).toBeLessThan(1e-4)
    expect(vsMask.rel).toBeLessThan(1e-4)

    // evaluation and KID's predictions pack the same way
    expect(Math.abs(packed.evalLoss(batch).loss - unpacked.evalLoss(batch).loss) / b.loss).toBeLessThan(1e-5)
    const predicted = packed.predictCompletions(batch)
    batch.forEach((ex, e) => {
      const alone = packed.predictTokens(ex.tokens)
      for (let p = 0; p < ex.tokens.length; p++) {
        expect(predicted[e]![p], `${e}/${p}`).toBe(p >= ex.completionStart - 1 && p < ex.tokens.length - 1 ? alone[p] : -1)
      }
    })
  } finally {
    packed.dispose()
    unpacked.dispose()
  }
}

describe('shared-prefix packing', () => {
  it('gives stories260K the gradients of the examples one by one (all eight targets)', () => {
    checkPacking('stories260K-f32', { modelPath: storiesF32, rank: 4, alpha: 8, targets: [...ALL_LORA_TARGETS], lr: 1e-3, threads: 1, maxLength: 128, seed: 5 }, [259, 490])
  })

  it('gives a tiny qwen2 (biases, NEOX RoPE, own head) the gradients of the examples one by one', () => {
    const path = join(tempDir(), 'qwen2-tiny-untied.gguf')
    writeSyntheticQwen2(path, { name: 'qwen2 tiny', layers: 2, embd: 64, heads: 4, kvHeads: 2, ffn: 128, vocab: 1024, contextLength: 512, ropeFreqBase: 1_000_000, tiedEmbeddings: false }, 'F32')
    checkPacking('tiny qwen2', { modelPath: path, rank: 4, alpha: 8, targets: [...ALL_LORA_TARGETS], lr: 1e-3, threads: 1, maxLength: 128, seed: 5 }, [300, 1000])
  })

  it('starts a new sequence when the next example would overflow packLength, and never splits an example', () => {
    const t = createTrainer({ modelPath: storiesF32, rank: 2, alpha: 4, targets: ['attn_q'], lr: 1e-3, threads: 1, maxLength: 64, packLength: 64, seed: 1 })
    try {
      const batch = batchFor(259, 490) // prefix 41 + continuations: more than 64 positions in all
      const r = t.evalLoss(batch)
      expect(r.sequences).toBeGreaterThan(1)
      expect(r.sequences).toBeLessThan(batch.length)
      const alone = createTrainer({ modelPath: storiesF32, rank: 2, alpha: 4, targets: ['attn_q'], lr: 1e-3, threads: 1, maxLength: 64, packing: false, seed: 1 })
      try {
        expect(Math.abs(alone.evalLoss(batch).loss - r.loss) / r.loss).toBeLessThan(1e-5)
      } finally {
        alone.dispose()
      }
    } finally {
      t.dispose()
    }
  })
})
