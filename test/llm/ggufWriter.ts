// GGUF fixtures for the engine tests: LoRA adapters for the tiny stories model, and non-model GGUF files.
// Written with the app's own streaming GGUF writer.
import { writeGguf as writeGgufFile, type GgufTensor as WriterTensor, type GgufValue } from '../../src/main/core/gguf/writer'

export type { GgufValue }

export interface GgufTensor {
  name: string
  /** ggml order: ne[0] is the fastest-varying dimension. */
  ne: number[]
  data: Float32Array
}

/** Writes F32 tensors from memory. */
export function writeGguf(path: string, kv: Record<string, GgufValue>, tensors: GgufTensor[] = []): void {
  const asWriterTensor = (t: GgufTensor): WriterTensor => ({
    name: t.name,
    shape: t.ne,
    type: 'F32',
    fill: (chunk, offset) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(chunk, 0, offset, offset + chunk.length),
  })
  writeGgufFile(path, kv, tensors.map(asWriterTensor))
}

/** Deterministic pseudo-random floats in [-amp, amp]. */
export function noise(n: number, seed: number, amp: number): Float32Array {
  const out = new Float32Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = ((x / 0xffffffff) * 2 - 1) * amp
  }
  return out
}

/** A rank-r LoRA on the query and output projections of every block of stories260K (dim 64, 5 blocks). */
export function writeStoriesLora(path: string, { rank = 4, amp = 0.5, seed = 7 } = {}): void {
  const dim = 64
  const tensors: GgufTensor[] = []
  for (let block = 0; block < 5; block++) {
    for (const proj of ['attn_q', 'attn_output']) {
      const base = `blk.${block}.${proj}.weight`
      tensors.push({ name: `${base}.lora_a`, ne: [dim, rank], data: noise(dim * rank, seed + block * 10 + 1, amp) })
      tensors.push({ name: `${base}.lora_b`, ne: [rank, dim], data: noise(rank * dim, seed + block * 10 + 2, amp) })
    }
  }
  writeGguf(
    path,
    {
      'general.architecture': { type: 'string', value: 'llama' },
      'general.type': { type: 'string', value: 'adapter' },
      'adapter.type': { type: 'string', value: 'lora' },
      'adapter.lora.alpha': { type: 'f32', value: rank },
    },
    tensors,
  )
}
