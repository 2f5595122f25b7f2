// Export: the adapter fused into its base (F32) gives node-llama-cpp the same greedy output as base + adapter;
// quantized exports load and mostly agree; a wrong base is refused before anything is written.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { SqlstillError } from '../../src/shared/errors'
import { exportFused } from '../../src/main/core/export'
import { fuseAndQuantize } from '../../src/main/core/export/fuse'
import { readAdapterInfo, readModelInfo } from '../../src/main/core/llm/gguf'
import { readGgufMetadata } from '../../src/main/core/train/native'
import { startTraining } from '../../src/main/core/train/job'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt, llamaReference } from '../native/helpers/native'
import { quickConfig, storiesF32, storiesQ8, tinyRandomLlama } from '../train/helpers'

const PROMPTS = [
  [1, 403, 407, 261, 378, 300, 429, 267, 305, 433],
  [1, 470, 261, 338, 351],
  [1, 300, 301, 302, 290],
]
const MAX_TOKENS = 24
const RULES = 'A regular customer has more than 3 orders.\nAmounts are in cents.'

function agreement(a: number[][], b: number[][]): number {
  let same = 0
  let total = 0
  a.forEach((seq, i) => {
    const other = b[i]!
    const n = Math.max(seq.length, other.length)
    for (let j = 0; j < n; j++) if (seq[j] === other[j]) same++
    total += n
  })
  return same / total
}

describe('exportFused', () => {
  let dir: string
  let adapter: string
  let reference: number[][]
  let plain: number[][]

  beforeAll(async () => {
    ensureNativeBuilt()
    dir = tempDir('sqlstill-export-')
    const r = await startTraining(quickConfig({ maxSteps: 25, learningRate: 2e-2, promptRules: RULES }), join(dir, 'job'))
    adapter = r.adapterPath
    reference = llamaReference({ modelPath: storiesF32, sequences: [], lora: { filePath: adapter }, greedy: { prompts: PROMPTS, maxTokens: MAX_TOKENS } }).greedy!
    plain = llamaReference({ modelPath: storiesF32, sequences: [], greedy: { prompts: PROMPTS, maxTokens: MAX_TOKENS } }).greedy!
    // the parity checks below mean something only if the adapter changes the output
    expect(agreement(reference, plain)).toBeLessThan(0.9)
  }, 120_000)

  it('F32: the fused model greedy-decodes exactly like base + adapter, with progress', async () => {
    const out = join(dir, 'fused-f32.gguf')
    const phases = new Set<string>()
    const res = await exportFused({ base: storiesF32, adapter, type: 'F32', out, onProgress: (p) => phases.add(p.phase) })
    expect(res.baseVerified).toBe(true)
    expect([...phases]).toEqual(expect.arrayContaining(['checking', 'fusing', 'done']))
    const meta = readGgufMetadata(out)
    const base = readGgufMetadata(storiesF32)
    expect(meta.tensors.map((t) => t.name)).toEqual(base.tensors.map((t) => t.name))
    expect(meta.metadata['tokenizer.ggml.model']).toBe(base.metadata['tokenizer.ggml.model'])
    // the adapter's prompt form travels into the fused model, so sqlstill keeps asking it the way it was trained
    expect(meta.metadata['sqlstill.prompt.form']).toBe('completion')
    expect((await readModelInfo(out)).trainedPromptForm).toBe('completion')
    expect((await readModelInfo(storiesF32)).trainedPromptForm).toBeNull()
    // …and so do the business rules it was trained with: the prompt policy asks the fused model with them
    expect((await readAdapterInfo(adapter)).trainedRules).toBe(RULES)
    expect((await readModelInfo(out)).trainedRules).toBe(RULES)
    expect((await readModelInfo(storiesF32)).trainedRules).toBeNull()
    const fused = llamaReference({ modelPath: out, sequences: [], greedy: { prompts: PROMPTS, maxTokens: MAX_TOKENS } }).greedy!
    expect(fused).toEqual(reference)
  })

  it.each(['Q8_0', 'Q4_0', 'Q4_K_M'] as const)('%s: loads in node-llama-cpp and mostly agrees with base + adapter', (type) => {
    const out = join(dir, `fused-${type}.gguf`)
    fuseAndQuantize({ base: storiesF32, adapter, type, out, threads: 1 })
    const meta = readGgufMetadata(out)
    expect(meta.metadata['sqlstill.prompt.form']).toBe('completion')
    const types = new Set(meta.tensors.filter((t) => t.name.includes('ffn_up')).map((t) => t.type))
    const greedy = llamaReference({ modelPath: out, sequences: [], greedy: { prompts: PROMPTS, maxTokens: MAX_TOKENS } }).greedy!
    const agree = agreement(greedy, reference)
    const agreePlain = agreement(greedy, plain)
    console.log(
      `[export] ${type}: ffn_up stored as ${[...types].join(',')}; greedy agreement with base+adapter ${(agree * 100).toFixed(1)}% (with the plain base: ${(agreePlain * 100).toFixed(1)}%)`,
    )
    // a 64-wide model loses much to 4-bit rounding; what must hold is that the adapter's effect survives
    expect(agree).toBeGreaterThan(type === 'Q8_0' ? 0.8 : 0.25)
    expect(agree).toBeGreaterThan(agreePlain)
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('refuses a base of another shape, and one whose hash differs from the recorded base, writing nothing', async () => {
    const out = join(dir, 'wrong.gguf')
    await expect(exportFused({ base: tinyRandomLlama, adapter, type: 'F32', out })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/different base/) })
    expect(() => fuseAndQuantize({ base: tinyRandomLlama, adapter, type: 'F32', out, allowBaseMismatch: true })).toThrow(/do not match the base model|wrong base/)
    // same shapes, different file (the Q8_0 twin): refused by hash unless allowed
    expect(() => fuseAndQuantize({ base: storiesQ8, adapter, type: 'F32', out })).toThrow(SqlstillError)
    expect(existsSync(out)).toBe(false)
    const ok = fuseAndQuantize({ base: storiesQ8, adapter, type: 'F16', out, allowBaseMismatch: true })
    expect(ok.baseVerified).toBe(false)
    expect(existsSync(out)).toBe(true)
  })

  it('rejects unknown types and missing files clearly', () => {
    expect(() => fuseAndQuantize({ base: storiesF32, adapter, type: 'Q3' as never, out: join(dir, 'x.gguf') })).toThrow(/unknown export type/)
    expect(() => fuseAndQuantize({ base: join(dir, 'nope.gguf'), adapter, type: 'F32', out: join(dir, 'x.gguf') })).toThrow(/not found/)
    expect(() => fuseAndQuantize({ base: storiesF32, adapter: storiesF32, type: 'F32', out: join(dir, 'x.gguf') })).toThrow(/not a LoRA adapter/)
  })
})
