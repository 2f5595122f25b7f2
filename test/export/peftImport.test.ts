// A PEFT LoRA written by the test itself (adapter_config.json + adapter_model.safetensors, PyTorch layout) for a
// tiny synthetic model, imported as a llama.cpp LoRA GGUF: llama.cpp running base + imported adapter must give the
// logits of a model whose weights the test fused by hand (W + alpha/r · B·A, in the PyTorch convention, permuted
// for llama's rotary layout) — so a transposed or mis-permuted import cannot pass. What llama.cpp's LoRA cannot
// express (rsLoRA, DoRA, modules_to_save, a base of another shape, a pickle) is refused with the reason.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importPeftAdapter } from '../../src/main/core/adapters/peftImport'
import { writeSyntheticModel, type ModelShape } from '../../src/main/core/gguf/synthetic'
import { readGgufMetadata } from '../../src/main/core/train/native'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt, llamaReference } from '../native/helpers/native'

const dir = tempDir('sqlstill-peft-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const shapeOf = (architecture: ModelShape['architecture'], embd = 64): ModelShape => ({
  architecture,
  name: `tiny ${architecture}`,
  layers: 2,
  embd,
  heads: 4,
  kvHeads: 2,
  ffn: 96,
  vocab: 320,
  contextLength: 512,
  ropeFreqBase: 10_000,
  tiedEmbeddings: false,
  rmsEps: 1e-6,
})

const RANK = 2
const ALPHA = 6 // scale alpha / r = 3: large enough to move the logits well past float noise

interface TorchTensor {
  name: string
  dtype: 'F32' | 'BF16'
  shape: [number, number]
  values: Float32Array
}

function seeded(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296 - 0.5
  }
}

/** bf16 keeps the top 16 bits of a float32: round the test's values the same way, so expectations match. */
function toBf16(values: Float32Array): Float32Array {
  const u = new Uint32Array(values.buffer.slice(0))
  for (let i = 0; i < u.length; i++) u[i] = u[i]! & 0xffff0000
  return new Float32Array(u.buffer)
}

function writeSafetensors(file: string, tensors: TorchTensor[]): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } }
  const parts: Buffer[] = []
  let offset = 0
  for (const t of tensors) {
    const bytes =
      t.dtype === 'F32'
        ? Buffer.from(t.values.buffer.slice(0))
        : Buffer.from(new Uint16Array(Array.from(new Uint32Array(t.values.buffer.slice(0)), (u) => u >>> 16)).buffer)
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] }
    parts.push(bytes)
    offset += bytes.length
  }
  const json = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(json.length))
  writeFileSync(file, Buffer.concat([length, json, ...parts]))
}

interface Module {
  /** PEFT's module path inside the model. */
  path: string
  /** Our tensor name. */
  tensor: string
  out: number
  in: number
  /** Heads whose rotary rows llama's GGUF permutes (q: heads, k: kv heads). */
  permuteHeads?: number
}

function modulesFor(shape: ModelShape): Module[] {
  const head = shape.embd / shape.heads
  const mods: Module[] = []
  for (let l = 0; l < shape.layers; l++) {
    mods.push(
      { path: `model.layers.${l}.self_attn.q_proj`, tensor: `blk.${l}.attn_q.weight`, out: head * shape.heads, in: shape.embd, permuteHeads: shape.heads },
      { path: `model.layers.${l}.self_attn.k_proj`, tensor: `blk.${l}.attn_k.weight`, out: head * shape.kvHeads, in: shape.embd, permuteHeads: shape.kvHeads },
      { path: `model.layers.${l}.mlp.down_proj`, tensor: `blk.${l}.ffn_down.weight`, out: shape.embd, in: shape.ffn },
    )
  }
  mods.push({ path: 'lm_head', tensor: 'output.weight', out: shape.vocab, in: shape.embd })
  return mods
}

/** Rows of a [rows, cols] matrix in the order convert_hf_to_gguf.py's permute(w, n_head) puts them. */
function permutedRows(delta: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const out = new Float32Array(delta.length)
  const perHead = rows / heads
  for (let dst = 0; dst < rows; dst++) {
    const h = Math.floor(dst / perHead)
    const within = dst % perHead
    // dst = h·perHead + 2i + j comes from src = h·perHead + j·(perHead/2) + i
    const src = h * perHead + (within % 2) * (perHead / 2) + Math.floor(within / 2)
    out.set(delta.subarray(src * cols, (src + 1) * cols), dst * cols)
  }
  return out
}

/** Writes the PEFT folder; returns the hand-fused ΔW per tensor in ggml order (= PyTorch's row-major [out, in]). */
function writePeft(folder: string, shape: ModelShape, config: Record<string, unknown> = {}): Map<string, Float32Array> {
  mkdirSync(folder, { recursive: true })
  const rand = seeded(42)
  const tensors: TorchTensor[] = []
  const deltas = new Map<string, Float32Array>()
  for (const [index, m] of modulesFor(shape).entries()) {
    // one module in bf16, as Unsloth and axolotl usually save them
    const dtype = index === 1 ? 'BF16' : 'F32'
    let a: Float32Array = Float32Array.from({ length: RANK * m.in }, () => rand() * 0.4)
    let b: Float32Array = Float32Array.from({ length: m.out * RANK }, () => rand() * 0.4)
    if (dtype === 'BF16') {
      a = toBf16(a)
      b = toBf16(b)
    }
    tensors.push({ name: `base_model.model.${m.path}.lora_A.weight`, dtype, shape: [RANK, m.in], values: a })
    tensors.push({ name: `base_model.model.${m.path}.lora_B.weight`, dtype, shape: [m.out, RANK], values: b })
    let delta: Float32Array = new Float32Array(m.out * m.in)
    for (let o = 0; o < m.out; o++) {
      for (let i = 0; i < m.in; i++) {
        let sum = 0
        for (let k = 0; k < RANK; k++) sum += b[o * RANK + k]! * a[k * m.in + i]!
        delta[o * m.in + i] = (ALPHA / RANK) * sum
      }
    }
    if (shape.architecture === 'llama' && m.permuteHeads) delta = permutedRows(delta, m.out, m.in, m.permuteHeads)
    deltas.set(m.tensor, delta)
  }
  writeSafetensors(join(folder, 'adapter_model.safetensors'), tensors)
  writeFileSync(
    join(folder, 'adapter_config.json'),
    JSON.stringify({
      peft_type: 'LORA',
      r: RANK,
      lora_alpha: ALPHA,
      lora_dropout: 0.05,
      target_modules: ['q_proj', 'k_proj', 'down_proj', 'lm_head'],
      bias: 'none',
      use_rslora: false,
      use_dora: false,
      fan_in_fan_out: false,
      modules_to_save: null,
      base_model_name_or_path: 'test/tiny',
      ...config,
    }),
  )
  return deltas
}

function maxDiff(a: number[][][], b: number[][][]): number {
  let max = 0
  a.forEach((seq, s) => seq.forEach((row, p) => row.forEach((v, t) => (max = Math.max(max, Math.abs(v - b[s]![p]![t]!))))))
  return max
}

const SEQUENCES = [[1, 72, 101, 108, 108, 111, 32, 119, 111, 114]]

describe('sqlstill adapter import (PEFT → llama.cpp LoRA GGUF)', () => {
  ensureNativeBuilt()

  for (const arch of ['qwen2', 'llama'] as const) {
    it(`${arch}: llama.cpp with the imported adapter gives the logits of the hand-fused model`, async () => {
      const shape = shapeOf(arch)
      const base = join(dir, `${arch}-base.gguf`)
      writeSyntheticModel(base, shape, 'F32', undefined, { seed: 3 })
      const peft = join(dir, `${arch}-peft`)
      const deltas = writePeft(peft, shape)
      const fused = join(dir, `${arch}-fused-by-hand.gguf`)
      writeSyntheticModel(fused, shape, 'F32', undefined, { seed: 3, delta: (name) => deltas.get(name) })

      const out = join(dir, `${arch}-adapter.gguf`)
      const result = await importPeftAdapter({ peftDir: peft, base, out })
      expect(result).toMatchObject({ rank: RANK, alpha: ALPHA, targets: ['attn_q', 'attn_k', 'ffn_down', 'output'], tensors: 14, trainedOn: 'test/tiny' })
      const meta = readGgufMetadata(out).metadata
      expect(meta['general.type']).toBe('adapter')
      expect(meta['adapter.lora.alpha']).toBeCloseTo(ALPHA)

      const withAdapter = llamaReference({ modelPath: base, sequences: SEQUENCES, lora: { filePath: out } }).logits
      const handFused = llamaReference({ modelPath: fused, sequences: SEQUENCES }).logits
      const plain = llamaReference({ modelPath: base, sequences: SEQUENCES }).logits
      const moved = maxDiff(plain, handFused)
      // the adapter changes the logits a lot, and the imported one changes them exactly as the fused weights do
      expect(moved).toBeGreaterThan(0.05)
      expect(maxDiff(withAdapter, handFused)).toBeLessThan(moved * 1e-3)
    }, 120_000)
  }

  it('refuses what a llama.cpp LoRA cannot express, or a base it does not fit, saying why', async () => {
    const shape = shapeOf('qwen2')
    const base = join(dir, 'qwen2-base.gguf')
    const expectRefusal = async (name: string, config: Record<string, unknown>, pattern: RegExp, code = 'UNSUPPORTED', against = base) => {
      const folder = join(dir, `bad-${name}`)
      writePeft(folder, shape, config)
      await expect(importPeftAdapter({ peftDir: folder, base: against, out: join(folder, 'out.gguf') })).rejects.toMatchObject({ code, message: expect.stringMatching(pattern) })
    }
    await expectRefusal('rslora', { use_rslora: true }, /rsLoRA/)
    await expectRefusal('dora', { use_dora: true }, /DoRA/)
    await expectRefusal('save', { modules_to_save: ['embed_tokens'] }, /modules_to_save/)
    await expectRefusal('alpha', { alpha_pattern: { q_proj: 32 } }, /alpha_pattern/)
    // a base of another width: every misfit named, with what the adapter was trained on
    const narrow = join(dir, 'narrow.gguf')
    writeSyntheticModel(narrow, shapeOf('qwen2', 32), 'F32')
    await expectRefusal('shape', {}, /does not fit .*narrow\.gguf \(it was trained on test\/tiny\).*attn_q/, 'BAD_REQUEST', narrow)
    // a pickle is never loaded
    const pickle = join(dir, 'pickle')
    mkdirSync(pickle)
    writeFileSync(join(pickle, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4 }))
    writeFileSync(join(pickle, 'adapter_model.bin'), 'not loaded')
    await expect(importPeftAdapter({ peftDir: pickle, base, out: join(pickle, 'o.gguf') })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/safe_serialization/) })
    // a corrupt safetensors file
    const corrupt = join(dir, 'corrupt')
    writePeft(corrupt, shape)
    writeFileSync(join(corrupt, 'adapter_model.safetensors'), Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]))
    await expect(importPeftAdapter({ peftDir: corrupt, base, out: join(corrupt, 'o.gguf') })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/not a valid safetensors/) })
  })
})
