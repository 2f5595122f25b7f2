// Synthetic students for the benchmarks, generated once and cached under .cache/bench-models: F16 random
// weights in the exact shapes of the real models with their real tokenizer and chat template, quantized to Q4_K_M
// by llama.cpp's own quantizer when the native addon is built (as real students ship), else benchmarked in F16.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { QWEN25_SHAPES, STUDENT_SHAPES, writeSyntheticModel, writeSyntheticQwen2, type ModelShape, type Qwen2Shape } from '../core/gguf/synthetic'
import type { GgufVocab } from '../core/gguf/vocab'
import { appRoot } from '../core/platform/paths'
import { gemma3Vocab, llama3Vocab, qwen25Vocab, qwen3Vocab } from './realVocabs'

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

/** The cached Q4_K_M of a model `write` generates in F16 (F16 itself when the quantizer is not built). */
async function cachedModel(stem: string, label: string, write: (f16: string) => void, log: (line: string) => void): Promise<{ path: string; quantization: 'Q4_K_M' | 'F16' }> {
  const dir = join(appRoot(), '.cache', 'bench-models')
  mkdirSync(dir, { recursive: true })
  const f16 = join(dir, `${stem}-f16.gguf`)
  const q4 = join(dir, `${stem}-q4_k_m.gguf`)
  if (existsSync(q4)) return { path: q4, quantization: 'Q4_K_M' }
  if (!existsSync(f16)) {
    log(`generating ${label} (F16)…`)
    write(f16)
  }
  const quantize = await loadQuantizer()
  if (!quantize) {
    log('native addon not built: benchmarking the F16 model (run "npm run build:native" for Q4_K_M)')
    return { path: f16, quantization: 'F16' }
  }
  log(`quantizing ${label} to Q4_K_M with llama_model_quantize…`)
  await quantize(f16, q4, 'Q4_K_M')
  return { path: q4, quantization: 'Q4_K_M' }
}

export async function syntheticModel(size: SyntheticSize, log: (line: string) => void): Promise<SyntheticModel> {
  const shape = QWEN25_SHAPES[size]
  // "qwen-vocab": the real tokenizer (earlier caches carried a made-up one that made prompts 2.1x longer)
  const model = await cachedModel(`qwen2.5-${size}-synthetic-qwen-vocab`, shape.name, (f16) => writeSyntheticQwen2(f16, shape, 'F16', qwen25Vocab(shape.vocab)), log)
  return { size, shape, ...model }
}

export type StudentShapeKey = keyof typeof STUDENT_SHAPES

const STUDENT_VOCABS: Record<StudentShapeKey, (size: number) => GgufVocab> = {
  'qwen3-0.6b': qwen3Vocab,
  'llama3.2-1b': llama3Vocab,
  'gemma3-1b': gemma3Vocab,
}

/** One of the other architectures' small students, with its own real tokenizer and chat template. */
export async function syntheticStudent(key: StudentShapeKey, log: (line: string) => void): Promise<{ key: StudentShapeKey; shape: ModelShape; path: string; quantization: 'Q4_K_M' | 'F16' }> {
  const shape: ModelShape = STUDENT_SHAPES[key]
  const model = await cachedModel(`${key}-synthetic`, shape.name, (f16) => writeSyntheticModel(f16, shape, 'F16', STUDENT_VOCABS[key](shape.vocab)), log)
  return { key, shape, ...model }
}
