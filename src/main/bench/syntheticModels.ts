// Synthetic students for the benchmarks, generated once and cached under .cache/bench-models: F16 random
// weights in the exact Qwen2.5 shapes with Qwen's real tokenizer and chat template, quantized to Q4_K_M by
// llama.cpp's own quantizer when the native addon is built (as real students ship), else benchmarked in F16.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { QWEN25_SHAPES, writeSyntheticQwen2, type Qwen2Shape } from '../core/gguf/synthetic'
import { appRoot } from '../core/platform/paths'
import { qwen25Vocab } from './realVocabs'

export type SyntheticSize = keyof typeof QWEN25_SHAPES

export interface SyntheticModel {
  size: SyntheticSize
  shape: Qwen2Shape
  path: string
  quantization: 'Q4_K_M' | 'F16'
}

type Quantizer = (input: string, output: string, type: string) => Promise<void> | void

async function loadQuantizer(): Promise<Quantizer | null> {
  try {
    const native = (await import('../core/train/native')) as { loadNative?: () => { quantizeModel?: Quantizer } }
    return native.loadNative?.().quantizeModel ?? null
  } catch {
    return null
  }
}

export async function syntheticModel(size: SyntheticSize, log: (line: string) => void): Promise<SyntheticModel> {
  const dir = join(appRoot(), '.cache', 'bench-models')
  mkdirSync(dir, { recursive: true })
  const shape = QWEN25_SHAPES[size]
  // "qwen-vocab": the real tokenizer (earlier caches carried a made-up one that made prompts 2.1x longer)
  const f16 = join(dir, `qwen2.5-${size}-synthetic-qwen-vocab-f16.gguf`)
  const q4 = join(dir, `qwen2.5-${size}-synthetic-qwen-vocab-q4_k_m.gguf`)
  if (existsSync(q4)) return { size, shape, path: q4, quantization: 'Q4_K_M' }
  if (!existsSync(f16)) {
    log(`generating ${shape.name} (F16)…`)
    writeSyntheticQwen2(f16, shape, 'F16', qwen25Vocab(shape.vocab))
  }
  const quantize = await loadQuantizer()
  if (!quantize) {
    log('native addon not built: benchmarking the F16 model (run "npm run build:native" for Q4_K_M)')
    return { size, shape, path: f16, quantization: 'F16' }
  }
  log(`quantizing to Q4_K_M with llama_model_quantize…`)
  await quantize(f16, q4, 'Q4_K_M')
  return { size, shape, path: q4, quantization: 'Q4_K_M' }
}
