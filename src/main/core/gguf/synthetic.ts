// Random-weight models in the exact shape of real students. Speed and memory of inference and training do
// not depend on the weights' values, so these stand in for Qwen2.5 in benchmarks where no real weights
// can be downloaded. They carry the vocabulary they are given: the real model's (from its tokenizer.json, so
// every prompt has the length the real student sees), or a made-up one for tiny test models.
import { randomFillSync } from 'node:crypto'
import { byteLevelVocab, vocabMetadata, type GgufVocab } from './vocab'
import { writeGguf, type GgmlTypeName, type GgufTensor, type GgufValue } from './writer'

export { byteLevelVocab, CHATML_TEMPLATE, type GgufVocab } from './vocab'

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

/** Hyperparameters of the real models (from their config.json). */
export const QWEN25_SHAPES = {
  '0.5b': { name: 'Qwen2.5-0.5B-Instruct (synthetic)', layers: 24, embd: 896, heads: 14, kvHeads: 2, ffn: 4864, vocab: 151936, contextLength: 32768, ropeFreqBase: 1_000_000, tiedEmbeddings: true },
  '1.5b': { name: 'Qwen2.5-1.5B-Instruct (synthetic)', layers: 28, embd: 1536, heads: 12, kvHeads: 2, ffn: 8960, vocab: 151936, contextLength: 32768, ropeFreqBase: 1_000_000, tiedEmbeddings: true },
} satisfies Record<string, Qwen2Shape>

/** Fills F16 values uniformly-ish in ±[2^-7, 2^-4): small, finite, never NaN or Inf. */
function fillRandomF16(chunk: Buffer): void {
  randomFillSync(chunk)
  const h = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length >> 1)
  for (let i = 0; i < h.length; i++) {
    const v = h[i]!
    h[i] = (v & 0x83ff) | ((8 + ((v >> 10) & 3)) << 10)
  }
}

function fillRandomF32(chunk: Buffer, scale: number, center = 0): void {
  const f = new Float32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2)
  for (let i = 0; i < f.length; i++) f[i] = center + (Math.random() - 0.5) * scale
}

export interface SyntheticOptions {
  /**
   * Mean of the final norm's weights (default 1). Random embeddings are small (±0.06), so with a norm of 1 no logit can
   * stand out and a model trained on top of these weights can never be confident; trained models' final norms are
   * several times larger (Qwen2.5's average ~7). Learning tests use a realistic value.
   */
  outputNormMean?: number
}

export function writeSyntheticQwen2(
  path: string,
  shape: Qwen2Shape,
  weightType: GgmlTypeName = 'F16',
  vocab: GgufVocab = byteLevelVocab(shape.vocab),
  options: SyntheticOptions = {},
): number {
  const headDim = shape.embd / shape.heads
  const kvDim = headDim * shape.kvHeads
  if (vocab.tokens.length !== shape.vocab) throw new Error(`the vocabulary has ${vocab.tokens.length} tokens, the shape ${shape.vocab}`)
  const metadata: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: 'qwen2' },
    'general.name': { type: 'string', value: shape.name },
    'general.file_type': { type: 'u32', value: weightType === 'F32' ? 0 : 1 },
    'qwen2.block_count': { type: 'u32', value: shape.layers },
    'qwen2.context_length': { type: 'u32', value: shape.contextLength },
    'qwen2.embedding_length': { type: 'u32', value: shape.embd },
    'qwen2.feed_forward_length': { type: 'u32', value: shape.ffn },
    'qwen2.attention.head_count': { type: 'u32', value: shape.heads },
    'qwen2.attention.head_count_kv': { type: 'u32', value: shape.kvHeads },
    'qwen2.rope.freq_base': { type: 'f32', value: shape.ropeFreqBase },
    'qwen2.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-6 },
    ...vocabMetadata(vocab),
  }
  const matrix = (name: string, cols: number, rows: number): GgufTensor => ({
    name,
    shape: [cols, rows],
    type: weightType,
    fill: weightType === 'F16' ? (c) => fillRandomF16(c) : (c) => fillRandomF32(c, 0.05),
  })
  const vector = (name: string, n: number, center: number, scale: number): GgufTensor => ({
    name,
    shape: [n],
    type: 'F32',
    fill: (c) => fillRandomF32(c, scale, center),
  })
  const tensors: GgufTensor[] = [matrix('token_embd.weight', shape.embd, shape.vocab)]
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}`
    tensors.push(
      vector(`${p}.attn_norm.weight`, shape.embd, 1, 0.1),
      matrix(`${p}.attn_q.weight`, shape.embd, shape.embd),
      vector(`${p}.attn_q.bias`, shape.embd, 0, 0.02),
      matrix(`${p}.attn_k.weight`, shape.embd, kvDim),
      vector(`${p}.attn_k.bias`, kvDim, 0, 0.02),
      matrix(`${p}.attn_v.weight`, shape.embd, kvDim),
      vector(`${p}.attn_v.bias`, kvDim, 0, 0.02),
      matrix(`${p}.attn_output.weight`, shape.embd, shape.embd),
      vector(`${p}.ffn_norm.weight`, shape.embd, 1, 0.1),
      matrix(`${p}.ffn_gate.weight`, shape.embd, shape.ffn),
      matrix(`${p}.ffn_up.weight`, shape.embd, shape.ffn),
      matrix(`${p}.ffn_down.weight`, shape.ffn, shape.embd),
    )
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
