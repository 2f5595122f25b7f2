// A minimal GGUF v3 writer for tests: LoRA adapters for the tiny stories model, and non-model GGUF files.
import { writeFileSync } from 'node:fs'

export type GgufValue =
  | { type: 'string'; value: string }
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }

export interface GgufTensor {
  name: string
  /** ggml order: ne[0] is the fastest-varying dimension. */
  ne: number[]
  data: Float32Array
}

const ALIGNMENT = 32

class Buf {
  private chunks: Buffer[] = []
  length = 0
  push(b: Buffer) {
    this.chunks.push(b)
    this.length += b.length
  }
  u32(n: number) {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n)
    this.push(b)
  }
  u64(n: number) {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(n))
    this.push(b)
  }
  str(s: string) {
    const bytes = Buffer.from(s, 'utf8')
    this.u64(bytes.length)
    this.push(bytes)
  }
  pad() {
    const rem = this.length % ALIGNMENT
    if (rem) this.push(Buffer.alloc(ALIGNMENT - rem))
  }
  concat() {
    return Buffer.concat(this.chunks)
  }
}

export function writeGguf(path: string, kv: Record<string, GgufValue>, tensors: GgufTensor[] = []): void {
  const out = new Buf()
  out.push(Buffer.from('GGUF', 'ascii'))
  out.u32(3)
  out.u64(tensors.length)
  out.u64(Object.keys(kv).length)
  for (const [key, v] of Object.entries(kv)) {
    out.str(key)
    if (v.type === 'string') {
      out.u32(8)
      out.str(v.value)
    } else if (v.type === 'u32') {
      out.u32(4)
      out.u32(v.value)
    } else if (v.type === 'f32') {
      out.u32(6)
      const b = Buffer.alloc(4)
      b.writeFloatLE(v.value)
      out.push(b)
    } else {
      out.u32(7)
      out.push(Buffer.from([v.value ? 1 : 0]))
    }
  }
  let offset = 0
  const offsets: number[] = []
  for (const t of tensors) {
    offsets.push(offset)
    offset += Math.ceil((t.data.length * 4) / ALIGNMENT) * ALIGNMENT
  }
  tensors.forEach((t, i) => {
    out.str(t.name)
    out.u32(t.ne.length)
    for (const d of t.ne) out.u64(d)
    out.u32(0) // GGML_TYPE_F32
    out.u64(offsets[i])
  })
  out.pad()
  for (const t of tensors) {
    out.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))
    out.pad()
  }
  writeFileSync(path, out.concat())
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
