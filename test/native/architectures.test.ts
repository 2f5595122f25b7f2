// The architectures people pick besides Qwen2.5: qwen3 (per-head q/k norms), llama with Llama 3's RoPE frequency
// factors, gemma3 (scaled embeddings, GELU-gated FFN, post-norms, sliding-window layers with their own RoPE base).
// Each, on a tiny random model written with every tensor and key llama.cpp expects: logits equal node-llama-cpp's
// (F32 tight, Q8_0 and Q4_K_M within quantization), LoRA gradients equal finite differences, and it learns: 30 prompt → SQL pairs
// overfit to ≥ 90% exact greedy completions through node-llama-cpp with our adapter, and the fused export greedy-decodes
// like base + adapter.
import { join } from 'node:path'
import { GgmlType, readGgufFileInfo } from 'node-llama-cpp'
import { beforeAll, describe, expect, it } from 'vitest'
import { fuseAndQuantize } from '../../src/main/core/export/fuse'
import { STUDENT_SHAPES, writeSyntheticModel, type ModelShape } from '../../src/main/core/gguf/synthetic'
import { forwardLogits, LORA_TARGETS, modelHparams, quantizeModel } from '../../src/main/core/train/native'
import { createTrainer } from '../../src/main/core/train/trainer'
import { tempDir } from '../helpers/paths'
import { shortSpiderPairs } from '../helpers/spiderPairs'
import { ensureNativeBuilt, llamaReference, maxAbsDiff } from './helpers/native'

beforeAll(() => ensureNativeBuilt())

// untied, so the LoRA may adapt the head too: a random model's head cannot single out the SQL's tokens otherwise
const SMALL = { layers: 2, embd: 64, heads: 4, kvHeads: 2, headDim: 32, ffn: 128, vocab: 1024, tiedEmbeddings: false }
const TINY: Record<string, ModelShape> = {
  qwen3: { ...STUDENT_SHAPES['qwen3-0.6b'], ...SMALL, name: 'tiny qwen3' },
  // originalContext 64: the factors differ from 1 over the dimensions a 20-token sequence turns through
  llama3: { ...STUDENT_SHAPES['llama3.2-1b'], ...SMALL, headDim: undefined, name: 'tiny llama 3', llama3Rope: { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 } },
  // a 6-token window every layer but each second: sequences longer than that exercise it
  gemma3: { ...STUDENT_SHAPES['gemma3-1b'], ...SMALL, layers: 4, kvHeads: 1, name: 'tiny gemma 3', slidingWindow: 6, slidingWindowPattern: 2 },
}
const EPOCHS = Number(process.env.ARCH_EPOCHS ?? 200)
const SEQUENCE = [5, 300, 400, 500, 600, 700, 10, 20, 999, 3, 44, 55, 66, 77, 88, 99, 111, 222, 333, 444]

describe.each(Object.entries(TINY))('architecture %s', (name, shape) => {
  const dir = tempDir(`sqlstill-arch-${name}-`)
  const model = join(dir, `${name}.gguf`)
  beforeAll(() => {
    // a final norm of a trained model's size, so the random model can become confident (see SyntheticOptions).
    // The weights are seeded: how fast a random 64-wide model memorizes depends on the draw (with llama 3's sparse
    // RoPE frequencies at head dim 16 some draws take 3× the epochs), and a learning test must not be a lottery.
    writeSyntheticModel(model, shape, 'F32', undefined, { outputNormMean: 6, seed: 2 })
  })

  it('reads its hyperparameters as llama.cpp does', () => {
    const hp = modelHparams(model)
    expect(hp).toMatchObject({ architecture: shape.architecture, nLayer: shape.layers, nHead: shape.heads, nHeadKv: shape.kvHeads })
    expect(hp.headDim).toBe(shape.headDim ?? shape.embd / shape.heads)
    expect(hp.ropeMode).toBe(shape.architecture === 'llama' ? 'normal' : 'neox')
  })

  it('gives node-llama-cpp\'s logits (F32, and Q8_0 within quantization)', () => {
    const reference = llamaReference({ modelPath: model, sequences: [SEQUENCE] })
    const f32 = maxAbsDiff(reference.logits[0]!, forwardLogits(model, SEQUENCE, 1))
    const q8 = join(dir, `${name}-q8_0.gguf`)
    quantizeModel(model, q8, 'Q8_0', 1)
    const q8Diff = maxAbsDiff(llamaReference({ modelPath: q8, sequences: [SEQUENCE] }).logits[0]!, forwardLogits(q8, SEQUENCE, 1))
    console.log(`[${name}] max |Δlogit| F32 ${f32.toExponential(2)}, Q8_0 ${q8Diff.toExponential(2)}`)
    // gemma3: llama.cpp's CPU GELU reads a table of F16 values, ours computes it
    expect(f32).toBeLessThan(shape.architecture === 'gemma3' ? 2e-3 : 1e-4)
    expect(q8Diff).toBeLessThan(shape.architecture === 'gemma3' ? 1e-1 : 2e-2) // gemma3 scales its embeddings by √n_embd
  })

  it('gives node-llama-cpp\'s logits at Q4_K_M too (a 256-wide model: K-quants pack rows in 256-value blocks)', async () => {
    const wide: ModelShape = { ...shape, embd: 256, ffn: 512, headDim: shape.headDim === undefined ? undefined : 64, name: `${shape.name} (256 wide)` }
    const f32 = join(dir, `${name}-wide.gguf`)
    writeSyntheticModel(f32, wide, 'F32', undefined, { outputNormMean: 6, seed: 3 })
    const q4 = join(dir, `${name}-wide-q4_k_m.gguf`)
    quantizeModel(f32, q4, 'Q4_K_M', 1)
    // the matrices really are K-quants (Q4_K, and Q6_K where Q4_K_M keeps more bits), not a fallback type
    const { tensorInfo } = await readGgufFileInfo(q4, { sourceType: 'filesystem', logWarnings: false })
    const matrices = tensorInfo!.filter((t) => t.dimensions.length === 2)
    expect(matrices.length).toBeGreaterThan(0)
    expect(matrices.filter((t) => t.ggmlType !== GgmlType.Q4_K && t.ggmlType !== GgmlType.Q6_K).map((t) => t.name)).toEqual([])
    const reference = llamaReference({ modelPath: q4, sequences: [SEQUENCE] }).logits[0]!
    const diff = maxAbsDiff(reference, forwardLogits(q4, SEQUENCE, 1))
    // what quantizing itself changes, in llama.cpp: the scale our difference is judged against
    const unquantized = llamaReference({ modelPath: f32, sequences: [SEQUENCE] }).logits[0]!
    const quantization = Math.max(...reference.map((row, p) => Math.max(...row.map((v, j) => Math.abs(v - unquantized[p]![j]!)))))
    console.log(`[${name}] max |Δlogit| Q4_K_M ${diff.toExponential(2)}; llama.cpp's own F32 → Q4_K_M change ${quantization.toExponential(2)}`)
    if (shape.architecture === 'gemma3') {
      // llama.cpp's CPU GELU reads an F16 table, ours computes it (its backward needs the formula); the matmuls
      // quantize those activations to 8 bits, so a difference of 1e-3 can move a value across a rounding step
      expect(diff).toBeLessThan(0.25 * quantization)
    } else {
      expect(diff).toBeLessThan(1e-4) // the same K-quant dot products on both sides
    }
  })

  it('computes LoRA gradients that match finite differences', () => {
    const t = createTrainer({ modelPath: model, rank: 4, alpha: 8, targets: LORA_TARGETS, lr: 1e-3, threads: 1, maxLength: 64, seed: 2 })
    try {
      for (const n of t.info().tensorNames) {
        if (!n.endsWith('lora_b')) continue
        const v = t.getTensor(n)
        for (let i = 0; i < v.length; i++) v[i] = Math.sin(i * 1.7 + n.length) * 0.1
        t.setTensor(n, v)
      }
      const batch = [{ tokens: SEQUENCE, completionStart: 12 }]
      const { grads } = t.computeGradients(batch)
      for (const n of ['blk.0.attn_k.weight.lora_a', 'blk.1.ffn_up.weight.lora_b', `blk.${shape.layers - 1}.attn_q.weight.lora_a`]) {
        const g = grads[n]!
        let idx = 0
        for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[idx]!)) idx = i
        const values = t.getTensor(n)
        const orig = values[idx]!
        const lossAt = (x: number) => {
          values[idx] = x
          t.setTensor(n, values)
          return t.evalLoss(batch).loss
        }
        // Central differences at h and 2h, Richardson-combined: the h² error of one central difference is as large
        // as the tolerance where the loss curves strongly (gradients ~1), and a smaller h drowns in F32 rounding.
        const h = 1e-2
        const central = (step: number) => (lossAt(orig + step) - lossAt(orig - step)) / (2 * step)
        const fd = (4 * central(h) - central(2 * h)) / 3
        values[idx] = orig
        t.setTensor(n, values)
        const rel = Math.abs(fd - g[idx]!) / Math.max(Math.abs(fd), 1e-6)
        console.log(`[${name}] ${n}[${idx}] analytic ${g[idx]!.toExponential(4)} numeric ${fd.toExponential(4)} rel ${rel.toExponential(1)}`)
        expect(Math.abs(g[idx]!)).toBeGreaterThan(1e-4)
        expect(rel).toBeLessThan(1e-2)
      }
    } finally {
      t.dispose()
    }
  })

  it('overfits 30 prompt → SQL pairs to ≥ 90% exact greedy completions through node-llama-cpp, and so does its fused export', { timeout: 600_000 }, async () => {
    const pairs = shortSpiderPairs(30)
    const texts = pairs.flatMap((p) => [`-- Question: ${p.question}\n-- SQL:\n`, `${p.sql};`])
    const tokenized = llamaReference({ modelPath: model, sequences: [], tokenize: texts }).tokens!
    const examples = pairs.map((_, i) => {
      const prompt = tokenized[2 * i]!
      const completion = tokenized[2 * i + 1]!.filter((t, j) => j > 0 || t !== prompt[0]) // no second BOS
      return { tokens: [...prompt, ...completion], completionStart: prompt.length, prompt, completion }
    })
    const trainer = createTrainer({ modelPath: model, rank: 16, alpha: 32, targets: [...LORA_TARGETS, 'output'], lr: 1e-2, seed: 4, threads: 1, maxLength: 128 })
    const adapter = join(dir, `${name}.lora.gguf`)
    try {
      const first = trainer.evalLoss(examples).loss
      for (let epoch = 0; epoch < EPOCHS; epoch++) {
        trainer.setLearningRate(epoch < EPOCHS * 0.6 ? 1e-2 : 2e-3)
        for (let b = 0; b < examples.length; b += 10) trainer.trainStep(examples.slice(b, b + 10))
      }
      console.log(`[${name}] overfit loss ${first.toFixed(3)} -> ${trainer.evalLoss(examples).loss.toFixed(4)}`)
      trainer.saveAdapter(adapter)
    } finally {
      trainer.dispose()
    }
    const maxTokens = Math.max(...examples.map((e) => e.completion.length))
    const greedy = (modelPath: string, lora?: string) =>
      llamaReference({ modelPath, sequences: [], ...(lora ? { lora: { filePath: lora } } : {}), greedy: { prompts: examples.map((e) => e.prompt), maxTokens } }).greedy!
    const exact = (outs: number[][]) => examples.filter((e, i) => JSON.stringify(outs[i]!.slice(0, e.completion.length)) === JSON.stringify(e.completion)).length
    const withAdapter = greedy(model, adapter)
    console.log(`[${name}] ${exact(withAdapter)}/30 exact greedy completions through node-llama-cpp with the adapter`)
    expect(exact(withAdapter)).toBeGreaterThanOrEqual(27)

    const fused = join(dir, `${name}-fused.gguf`)
    await fuseAndQuantize({ base: model, adapter, type: 'F32', out: fused })
    const fusedOut = greedy(fused)
    const same = fusedOut.filter((g, i) => JSON.stringify(g) === JSON.stringify(withAdapter[i])).length
    console.log(`[${name}] fused F32 export: ${same}/30 greedy outputs equal base + adapter`)
    expect(same).toBeGreaterThanOrEqual(29)
  })
})
