// Random-weight models in the exact shape of real students. Speed and memory of inference and training do
// not depend on the weights' values, so these stand in for Qwen2.5 in benchmarks where no real weights
// can be downloaded. They carry the vocabulary they are given: the real model's (from its tokenizer.json, so
// every prompt has the length the real student sees), or a made-up one for tiny test models.
import { byteLevelVocab, vocabMetadata, type GgufVocab } from './vocab'
import { writeGguf, type GgmlTypeName, type GgufTensor, type GgufValue } from './writer'

export { byteLevelVocab, CHATML_TEMPLATE, type GgufVocab } from './vocab'

export type SyntheticArchitecture = 'qwen2' | 'qwen3' | 'llama' | 'gemma3'

export interface Qwen2Shape {
  name: string
  layers: number
  embd: number
  heads: number
  kvHeads: number
  ffn: number
  vocab: number
  contextLength: number
  ropeFreqBase: number
  tiedEmbeddings: boolean
}

/** A model's shape as its config.json gives it, for any architecture we write. */
export interface ModelShape extends Qwen2Shape {
  architecture: SyntheticArchitecture
  /** Per-head size when it is not embd / heads (Qwen3, Gemma 3). */
  headDim?: number
  rmsEps?: number
  /** Llama 3's RoPE scaling (rope_scaling type "llama3"): written as rope_freqs.weight, as llama.cpp's converter does. */
  llama3Rope?: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalContext: number }
  /** Gemma 3: sliding window, the period of global layers, the local RoPE base, linear scaling of the global RoPE. */
  slidingWindow?: number
  slidingWindowPattern?: number
  ropeFreqBaseLocal?: number
  ropeScalingFactor?: number
}

/** Hyperparameters of the real models (from their config.json). */
export const QWEN25_SHAPES = {
  '0.5b': { name: 'Qwen2.5-0.5B-Instruct (synthetic)', layers: 24, embd: 896, heads: 14, kvHeads: 2, ffn: 4864, vocab: 151936, contextLength: 32768, ropeFreqBase: 1_000_000, tiedEmbeddings: true },
  '1.5b': { name: 'Qwen2.5-1.5B-Instruct (synthetic)', layers: 28, embd: 1536, heads: 12, kvHeads: 2, ffn: 8960, vocab: 151936, contextLength: 32768, ropeFreqBase: 1_000_000, tiedEmbeddings: true },
} satisfies Record<string, Qwen2Shape>

/** The small students people pick, in their published shapes (config.json of each). */
export const STUDENT_SHAPES = {
  'qwen3-0.6b': { architecture: 'qwen3', name: 'Qwen3-0.6B (synthetic)', layers: 28, embd: 1024, heads: 16, kvHeads: 8, headDim: 128, ffn: 3072, vocab: 151936, contextLength: 40960, ropeFreqBase: 1_000_000, tiedEmbeddings: true, rmsEps: 1e-6 },
  'llama3.2-1b': {
    architecture: 'llama',
    name: 'Llama-3.2-1B-Instruct (synthetic)',
    layers: 16,
    embd: 2048,
    heads: 32,
    kvHeads: 8,
    ffn: 8192,
    vocab: 128256,
    contextLength: 131072,
    ropeFreqBase: 500_000,
    tiedEmbeddings: true,
    rmsEps: 1e-5,
    llama3Rope: { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 },
  },
  'gemma3-1b': {
    architecture: 'gemma3',
    name: 'Gemma-3-1B-it (synthetic)',
    layers: 26,
    embd: 1152,
    heads: 4,
    kvHeads: 1,
    headDim: 256,
    ffn: 6912,
    vocab: 262144,
    contextLength: 32768,
    ropeFreqBase: 1_000_000,
    tiedEmbeddings: true,
    rmsEps: 1e-6,
    slidingWindow: 512,
    slidingWindowPattern: 6,
    ropeFreqBaseLocal: 10_000,
  },
} satisfies Record<string, ModelShape>

/** Llama 3's RoPE frequency factors, exactly as llama.cpp's convert_hf_to_gguf.py computes rope_freqs.weight. */
export function llama3RopeFactors(headDim: number, base: number, r: NonNullable<ModelShape['llama3Rope']>): Float32Array {
  const lowWavelen = r.originalContext / r.lowFreqFactor
  const highWavelen = r.originalContext / r.highFreqFactor
  const out = new Float32Array(headDim / 2)
  for (let i = 0; i < headDim / 2; i++) {
    const freq = 1 / base ** ((2 * i) / headDim)
    const wavelen = (2 * Math.PI) / freq
    if (wavelen < highWavelen) out[i] = 1
    else if (wavelen > lowWavelen) out[i] = r.factor
    else {
      const smooth = (r.originalContext / wavelen - r.lowFreqFactor) / (r.highFreqFactor - r.lowFreqFactor)
      out[i] = 1 / ((1 - smooth) / r.factor + smooth)
    }
  }
  return out
}

/**
 * mulberry32: a seeded 32-bit generator. Synthetic weights must be the same on every run and machine — with
 * Math.random a learning test passed or failed by the luck of the draw.
 */
function seededUint32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/** Fills F16 values uniformly-ish in ±[2^-7, 2^-4): small, finite, never NaN or Inf. */
function fillRandomF16(chunk: Buffer, next: () => number): void {
  const h = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length >> 1)
  for (let i = 0; i < h.length; i++) {
    const v = next() & 0xffff
    h[i] = (v & 0x83ff) | ((8 + ((v >> 10) & 3)) << 10)
  }
}

function fillRandomF32(chunk: Buffer, next: () => number, scale: number, center = 0): void {
  const f = new Float32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2)
  for (let i = 0; i < f.length; i++) f[i] = center + (next() / 4294967296 - 0.5) * scale
}

export interface SyntheticOptions {
  /**
   * Mean of the final norm's weights (default 1). Random embeddings are small (±0.06), so with a norm of 1 no logit can
   * stand out and a model trained on top of these weights can never be confident; trained models' final norms are
   * several times larger (Qwen2.5's average ~7). Learning tests use a realistic value.
   */
  outputNormMean?: number
  /** Seed of the weights (default 1): the same seed writes the same file. */
  seed?: number
  /**
   * Added to an F32 matrix's random values, element by element in ggml order (a test's known change of a weight,
   * e.g. a LoRA's B·A fused by hand, to compare against llama.cpp applying the adapter).
   */
  delta?: (tensorName: string) => Float32Array | undefined
}

export function writeSyntheticQwen2(
  path: string,
  shape: Qwen2Shape,
  weightType: GgmlTypeName = 'F16',
  vocab: GgufVocab = byteLevelVocab(shape.vocab),
  options: SyntheticOptions = {},
): number {
  return writeSyntheticModel(path, { ...shape, architecture: 'qwen2' }, weightType, vocab, options)
}

/** A random-weight GGUF of any architecture we train, with every tensor and key llama.cpp expects for it. */
export function writeSyntheticModel(
  path: string,
  shape: ModelShape,
  weightType: GgmlTypeName = 'F16',
  vocab: GgufVocab = byteLevelVocab(shape.vocab),
  options: SyntheticOptions = {},
): number {
  const arch = shape.architecture
  const headDim = shape.headDim ?? shape.embd / shape.heads
  const qDim = headDim * shape.heads
  const kvDim = headDim * shape.kvHeads
  if (vocab.tokens.length !== shape.vocab) throw new Error(`the vocabulary has ${vocab.tokens.length} tokens, the shape ${shape.vocab}`)
  const k = (key: string) => `${arch}.${key}`
  const next = seededUint32(options.seed ?? 1)
  const metadata: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: arch },
    'general.name': { type: 'string', value: shape.name },
    'general.file_type': { type: 'u32', value: weightType === 'F32' ? 0 : 1 },
    [k('block_count')]: { type: 'u32', value: shape.layers },
    [k('context_length')]: { type: 'u32', value: shape.contextLength },
    [k('embedding_length')]: { type: 'u32', value: shape.embd },
    [k('feed_forward_length')]: { type: 'u32', value: shape.ffn },
    [k('attention.head_count')]: { type: 'u32', value: shape.heads },
    [k('attention.head_count_kv')]: { type: 'u32', value: shape.kvHeads },
    [k('rope.freq_base')]: { type: 'f32', value: shape.ropeFreqBase },
    [k('attention.layer_norm_rms_epsilon')]: { type: 'f32', value: shape.rmsEps ?? 1e-6 },
    ...(shape.headDim !== undefined
      ? { [k('attention.key_length')]: { type: 'u32', value: headDim }, [k('attention.value_length')]: { type: 'u32', value: headDim } }
      : {}),
    ...(arch === 'llama' ? { [k('rope.dimension_count')]: { type: 'u32', value: headDim }, [k('vocab_size')]: { type: 'u32', value: shape.vocab } } : {}),
    ...(shape.slidingWindow
      ? {
          [k('attention.sliding_window')]: { type: 'u32', value: shape.slidingWindow },
          [k('attention.sliding_window_pattern')]: { type: 'u32', value: shape.slidingWindowPattern ?? 6 },
          [k('rope.freq_base_swa')]: { type: 'f32', value: shape.ropeFreqBaseLocal ?? 10_000 },
        }
      : {}),
    ...(shape.ropeScalingFactor
      ? { [k('rope.scaling.type')]: { type: 'string', value: 'linear' }, [k('rope.scaling.factor')]: { type: 'f32', value: shape.ropeScalingFactor } }
      : {}),
    ...vocabMetadata(vocab),
  }
  const matrix = (name: string, cols: number, rows: number): GgufTensor => {
    const delta = weightType === 'F32' ? options.delta?.(name) : undefined
    if (delta && delta.length !== cols * rows) throw new Error(`the delta for ${name} has ${delta.length} values, the tensor ${cols * rows}`)
    return {
      name,
      shape: [cols, rows],
      type: weightType,
      fill:
        weightType === 'F16'
          ? (c) => fillRandomF16(c, next)
          : (c, offset) => {
              fillRandomF32(c, next, 0.05)
              if (!delta) return
              const f = new Float32Array(c.buffer, c.byteOffset, c.length >> 2)
              for (let i = 0; i < f.length; i++) f[i]! += delta[offset / 4 + i]!
            },
    }
  }
  const vector = (name: string, n: number, center: number, scale: number): GgufTensor => ({
    name,
    shape: [n],
    type: 'F32',
    fill: (c) => fillRandomF32(c, next, scale, center),
  })
  const tensors: GgufTensor[] = [matrix('token_embd.weight', shape.embd, shape.vocab)]
  if (shape.llama3Rope) {
    const factors = llama3RopeFactors(headDim, shape.ropeFreqBase, shape.llama3Rope)
    tensors.push({ name: 'rope_freqs.weight', shape: [factors.length], type: 'F32', fill: (c) => new Float32Array(c.buffer, c.byteOffset, factors.length).set(factors) })
  }
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}`
    tensors.push(vector(`${p}.attn_norm.weight`, shape.embd, 1, 0.1), matrix(`${p}.attn_q.weight`, shape.embd, qDim))
    if (arch === 'qwen2') tensors.push(vector(`${p}.attn_q.bias`, qDim, 0, 0.02))
    tensors.push(matrix(`${p}.attn_k.weight`, shape.embd, kvDim))
    if (arch === 'qwen2') tensors.push(vector(`${p}.attn_k.bias`, kvDim, 0, 0.02))
    tensors.push(matrix(`${p}.attn_v.weight`, shape.embd, kvDim))
    if (arch === 'qwen2') tensors.push(vector(`${p}.attn_v.bias`, kvDim, 0, 0.02))
    if (arch === 'qwen3' || arch === 'gemma3') {
      tensors.push(vector(`${p}.attn_q_norm.weight`, headDim, 1, 0.1), vector(`${p}.attn_k_norm.weight`, headDim, 1, 0.1))
    }
    tensors.push(matrix(`${p}.attn_output.weight`, qDim, shape.embd))
    if (arch === 'gemma3') tensors.push(vector(`${p}.post_attention_norm.weight`, shape.embd, 1, 0.1))
    tensors.push(
      vector(`${p}.ffn_norm.weight`, shape.embd, 1, 0.1),
      matrix(`${p}.ffn_gate.weight`, shape.embd, shape.ffn),
      matrix(`${p}.ffn_up.weight`, shape.embd, shape.ffn),
      matrix(`${p}.ffn_down.weight`, shape.ffn, shape.embd),
    )
    if (arch === 'gemma3') tensors.push(vector(`${p}.post_ffw_norm.weight`, shape.embd, 1, 0.1))
  }
  tensors.push(vector('output_norm.weight', shape.embd, options.outputNormMean ?? 1, 0.1))
  if (!shape.tiedEmbeddings) tensors.push(matrix('output.weight', shape.embd, shape.vocab))
  return writeGguf(path, metadata, tensors)
}

/** Parameter count of the shape (embeddings counted once when tied), for reports. */
export function parameterCount(shape: Qwen2Shape): number {
  const headDim = shape.embd / shape.heads
  const kvDim = headDim * shape.kvHeads
  const perLayer =
    2 * shape.embd + shape.embd * shape.embd * 2 + shape.embd * kvDim * 2 + shape.embd + 2 * kvDim + 3 * shape.embd * shape.ffn
  return shape.vocab * shape.embd * (shape.tiedEmbeddings ? 1 : 2) + shape.layers * perLayer + shape.embd
}
