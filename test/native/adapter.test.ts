// Milestone 4: the adapter we save is a standard llama.cpp LoRA GGUF: node-llama-cpp loads it, and its logits and
// greedy output equal our forward with the adapter applied.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LORA_TARGETS, readGgufMetadata } from '../../src/main/core/train/native'
import { createTrainer, type LoraTrainer } from '../../src/main/core/train/trainer'
import { tempDir } from '../helpers/paths'
import { argmaxRow, ensureNativeBuilt, llamaReference, maxAbsDiff, storiesF32, storiesQ8 } from './helpers/native'

const VOCAB = 512
const PROMPT = [1, 403, 407, 261, 378, 300, 429, 267, 305, 433]
const COMPLETION = [289, 302, 470, 261, 338, 351, 411, 290]
const OTHER = [1, 470, 261, 338, 351, 411, 259, 290, 300, 301, 302]

function ourGreedy(t: LoraTrainer, prompt: number[], maxTokens: number): number[] {
  const tokens = [...prompt]
  const out: number[] = []
  for (let i = 0; i < maxTokens; i++) {
    const next = argmaxRow(t.forwardLogits(tokens), tokens.length - 1, VOCAB)
    out.push(next)
    if (next === 2) break // EOS
    tokens.push(next)
  }
  return out
}

describe.each([
  ['stories260K-f32', storiesF32],
  ['stories260K-q8_0', storiesQ8],
])('LoRA adapter round trip through node-llama-cpp (%s)', (label, modelPath) => {
  let trainer: LoraTrainer
  let adapterPath: string

  beforeAll(() => {
    ensureNativeBuilt()
    trainer = createTrainer({ modelPath, rank: 4, alpha: 8, targets: LORA_TARGETS, lr: 1e-2, seed: 11, threads: 1, maxLength: 64 })
    const batch = [
      { tokens: [...PROMPT, ...COMPLETION], completionStart: PROMPT.length },
      { tokens: OTHER, completionStart: 4 },
    ]
    for (let i = 0; i < 30; i++) trainer.trainStep(batch)
    adapterPath = join(tempDir(), `${label}.lora.gguf`)
    trainer.saveAdapter(adapterPath, { base_model: label })
  })

  afterAll(() => trainer?.dispose())

  it('writes llama.cpp adapter metadata and [n_in, r] / [r, n_out] tensors', () => {
    const meta = readGgufMetadata(adapterPath)
    expect(meta.metadata).toMatchObject({
      'general.type': 'adapter',
      'general.architecture': 'llama',
      'adapter.type': 'lora',
      'adapter.lora.alpha': 8,
      'sqlstill.lora.rank': 4,
      'sqlstill.lora.targets': LORA_TARGETS.join(','),
      'sqlstill.train.steps': 30,
      'sqlstill.base_model': label,
    })
    const shapes = Object.fromEntries(meta.tensors.map((t) => [t.name, t.shape]))
    expect(meta.tensors).toHaveLength(70)
    expect(meta.tensors.every((t) => t.type === 'f32')).toBe(true)
    expect(shapes['blk.0.attn_q.weight.lora_a']).toEqual([64, 4])
    expect(shapes['blk.0.attn_q.weight.lora_b']).toEqual([4, 64])
    expect(shapes['blk.2.attn_k.weight.lora_b']).toEqual([4, 32])
    expect(shapes['blk.4.ffn_down.weight.lora_a']).toEqual([172, 4])
    expect(shapes['blk.4.ffn_gate.weight.lora_b']).toEqual([4, 172])
  })

  it('loads back into a fresh trainer (resume) and refuses mismatched adapters', () => {
    const fresh = createTrainer({ modelPath, rank: 4, alpha: 8, targets: LORA_TARGETS, lr: 1e-2, seed: 99, threads: 1, maxLength: 64 })
    const otherRank = createTrainer({ modelPath, rank: 2, alpha: 8, targets: LORA_TARGETS, lr: 1e-2, seed: 99, threads: 1, maxLength: 64 })
    const fewer = createTrainer({ modelPath, rank: 4, alpha: 8, targets: ['attn_q'], lr: 1e-2, seed: 99, threads: 1, maxLength: 64 })
    try {
      const tokens = [...PROMPT, ...COMPLETION]
      fresh.loadAdapter(adapterPath)
      expect(Array.from(fresh.forwardLogits(tokens))).toEqual(Array.from(trainer.forwardLogits(tokens)))
      expect(() => otherRank.loadAdapter(adapterPath)).toThrow(/different rank/)
      expect(() => fewer.loadAdapter(adapterPath)).toThrow(/different targets/)
      expect(() => fresh.loadAdapter(modelPath)).toThrow(/not a LoRA adapter/)
      expect(() => fresh.saveAdapter(join(tempDir(), 'no', 'such', 'dir', 'a.gguf'))).toThrow(/cannot write adapter/)
    } finally {
      fresh.dispose()
      otherRank.dispose()
      fewer.dispose()
    }
  })

  it('gives the same logits and greedy output in node-llama-cpp as in our forward', () => {
    const sequences = [[...PROMPT, ...COMPLETION], OTHER]
    const withLora = llamaReference({
      modelPath,
      sequences,
      lora: { filePath: adapterPath, scale: 1 },
      greedy: { prompts: [PROMPT], maxTokens: COMPLETION.length },
    })
    const without = llamaReference({ modelPath, sequences: [sequences[0]!] })
    const ours = sequences.map((s) => trainer.forwardLogits(s))
    const diff = Math.max(...sequences.map((_, i) => maxAbsDiff(withLora.logits[i]!, ours[i]!)))
    const adapterEffect = maxAbsDiff(without.logits[0]!, ours[0]!)
    console.log(`${label}: max |Δlogit| with adapter = ${diff.toExponential(2)}; adapter moves logits by up to ${adapterEffect.toFixed(2)}`)
    expect(adapterEffect).toBeGreaterThan(1) // the adapter really changes the model, so agreement means something
    // F32 agrees to float rounding. With a Q8_0 base, activations are quantized to Q8_0 before every matmul, so a
    // rounding-level difference in the F32 LoRA branch can flip a quantization step and move a logit by ~1e-1.
    expect(diff).toBeLessThan(label.includes('q8') ? 0.25 : 1e-3)
    sequences.forEach((s, i) => {
      for (let p = 0; p < s.length; p++) {
        const ref = withLora.logits[i]![p]!
        expect(argmaxRow(ours[i]!, p, VOCAB)).toBe(ref.indexOf(Math.max(...ref)))
      }
    })
    const greedy = ourGreedy(trainer, PROMPT, COMPLETION.length)
    expect(withLora.greedy?.[0]).toEqual(greedy)
    expect(greedy).toEqual(COMPLETION) // and it learned the completion
  })
})

// The opt-in 'output' target: a LoRA on the output head (output.weight.lora_a/b), which llama.cpp applies too. In
// stories260K the byte-fallback rows of the head are near-identical (mean cosine 0.99), so '_' (<0x5F>), '=' (<0x3D>)
// and EOS are hard to single out with projection LoRA alone; this completion is made of exactly such tokens.
describe('LoRA adapter with the output-head target, round trip through node-llama-cpp', () => {
  const BYTES_COMPLETION = [98, 64, 98, 62, 2] // <0x5F> <0x3D> <0x5F> <0x3B> </s>
  let trainer: LoraTrainer
  let adapterPath: string

  beforeAll(() => {
    ensureNativeBuilt()
    trainer = createTrainer({ modelPath: storiesF32, rank: 4, alpha: 8, targets: ['attn_v', 'output'], lr: 2e-2, seed: 5, threads: 1, maxLength: 64 })
    const batch = [{ tokens: [...PROMPT, ...BYTES_COMPLETION], completionStart: PROMPT.length }]
    for (let i = 0; i < 40; i++) trainer.trainStep(batch)
    adapterPath = join(tempDir(), 'stories-output-head.lora.gguf')
    trainer.saveAdapter(adapterPath, {})
  })

  afterAll(() => trainer?.dispose())

  it('saves output.weight.lora_a [n_embd, r] and lora_b [r, n_vocab] next to the layer pairs', () => {
    const meta = readGgufMetadata(adapterPath)
    expect(meta.metadata['sqlstill.lora.targets']).toBe('attn_v,output')
    const shapes = Object.fromEntries(meta.tensors.map((t) => [t.name, t.shape]))
    expect(meta.tensors).toHaveLength(5 * 2 + 2)
    expect(shapes['output.weight.lora_a']).toEqual([64, 4])
    expect(shapes['output.weight.lora_b']).toEqual([4, VOCAB])
  })

  it('refuses an unknown target name and a head-less adapter in a head trainer', () => {
    expect(() => createTrainer({ modelPath: storiesF32, rank: 4, alpha: 8, targets: ['lm_head' as never], lr: 1e-2, threads: 1, maxLength: 64 })).toThrow(
      /unknown LoRA target/,
    )
    const noHead = createTrainer({ modelPath: storiesF32, rank: 4, alpha: 8, targets: ['attn_v'], lr: 1e-2, seed: 1, threads: 1, maxLength: 64 })
    try {
      expect(() => noHead.loadAdapter(adapterPath)).toThrow(/different targets/)
    } finally {
      noHead.dispose()
    }
  })

  it('node-llama-cpp applies it identically and both emit the byte tokens and EOS', () => {
    const sequences = [[...PROMPT, ...BYTES_COMPLETION]]
    const ref = llamaReference({
      modelPath: storiesF32,
      sequences,
      lora: { filePath: adapterPath, scale: 1 },
      greedy: { prompts: [PROMPT], maxTokens: BYTES_COMPLETION.length },
    })
    const ours = trainer.forwardLogits(sequences[0]!)
    expect(maxAbsDiff(ref.logits[0]!, ours)).toBeLessThan(1e-3)
    const greedy = ourGreedy(trainer, PROMPT, BYTES_COMPLETION.length)
    expect(greedy).toEqual(BYTES_COMPLETION)
    expect(ref.greedy?.[0]).toEqual(BYTES_COMPLETION)
  })
})
