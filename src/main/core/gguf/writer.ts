// A streaming GGUF (v3) writer: metadata of the common value types and tensors whose bytes are produced
// chunk by chunk, so a multi-gigabyte model never has to sit in memory. Used to generate synthetic models
// for benchmarks and small fixtures for tests; the native addon writes adapters through ggml's own gguf API.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'

export const GGUF_ALIGNMENT = 32

/** ggml tensor types this writer can lay out (block size, bytes per block). */
export const GGML_TYPES = {
  F32: { id: 0, blockSize: 1, blockBytes: 4 },
  F16: { id: 1, blockSize: 1, blockBytes: 2 },
  Q8_0: { id: 8, blockSize: 32, blockBytes: 34 },
} as const
export type GgmlTypeName = keyof typeof GGML_TYPES

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: string[] }
  | { type: 'i32[]'; value: number[] }
  | { type: 'f32[]'; value: number[] }

export interface GgufTensor {
  name: string
  /** ggml order: ne[0] is the contiguous (row) dimension. */
  shape: number[]
  type: GgmlTypeName
  /** Fills `chunk` with the tensor bytes starting at byte `offset` of the tensor's data. */
  fill(chunk: Buffer, offset: number): void
}

const VALUE_TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const

export function tensorByteSize(shape: number[], type: GgmlTypeName): number {
  const t = GGML_TYPES[type]
  const elements = shape.reduce((a, b) => a * b, 1)
  if (shape[0]! % t.blockSize !== 0) throw new Error(`row length ${shape[0]} is not a multiple of ${t.blockSize} for ${type}`)
  return (elements / t.blockSize) * t.blockBytes
}

class ByteSink {
  private parts: Buffer[] = []
  length = 0
  push(buf: Buffer): void {
    this.parts.push(buf)
    this.length += buf.length
  }
  u32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v)
    this.push(b)
  }
  i32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeInt32LE(v)
    this.push(b)
  }
  u64(v: number): void {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(v))
    this.push(b)
  }
  f32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeFloatLE(v)
    this.push(b)
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8')
    this.u64(bytes.length)
    this.push(bytes)
  }
  concat(): Buffer {
    return Buffer.concat(this.parts)
  }
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      sink.u32(VALUE_TYPE.u32), sink.u32(v.value)
      return
    case 'i32':
      sink.u32(VALUE_TYPE.i32), sink.i32(v.value)
      return
    case 'f32':
      sink.u32(VALUE_TYPE.f32), sink.f32(v.value)
      return
    case 'bool':
      sink.u32(VALUE_TYPE.bool), sink.push(Buffer.from([v.value ? 1 : 0]))
      return
    case 'string':
      sink.u32(VALUE_TYPE.string), sink.str(v.value)
      return
    case 'string[]':
      sink.u32(VALUE_TYPE.array), sink.u32(VALUE_TYPE.string), sink.u64(v.value.length)
      for (const s of v.value) sink.str(s)
      return
    case 'i32[]':
      sink.u32(VALUE_TYPE.array), sink.u32(VALUE_TYPE.i32), sink.u64(v.value.length)
      for (const n of v.value) sink.i32(n)
      return
    case 'f32[]':
      sink.u32(VALUE_TYPE.array), sink.u32(VALUE_TYPE.f32), sink.u64(v.value.length)
      for (const n of v.value) sink.f32(n)
      return
  }
}

const align = (n: number) => Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT

/** Writes the file atomically (temp file, then rename). Returns the file size in bytes. */
export function writeGguf(path: string, metadata: Record<string, GgufValue>, tensors: GgufTensor[], chunkBytes = 16 << 20): number {
  const head = new ByteSink()
  head.push(Buffer.from('GGUF', 'ascii'))
  head.u32(3)
  head.u64(tensors.length)
  head.u64(Object.keys(metadata).length)
  for (const [key, value] of Object.entries(metadata)) {
    head.str(key)
    writeValue(head, value)
  }
  const sizes = tensors.map((t) => tensorByteSize(t.shape, t.type))
  let offset = 0
  tensors.forEach((t, i) => {
    head.str(t.name)
    head.u32(t.shape.length)
    for (const d of t.shape) head.u64(d)
    head.u32(GGML_TYPES[t.type].id)
    head.u64(offset)
    offset = align(offset + sizes[i]!)
  })
  const header = head.concat()
  const tmp = `${path}.${process.pid}.partial`
  const fd = openSync(tmp, 'w')
  try {
    let position = 0
    const put = (buf: Buffer) => {
      writeSync(fd, buf, 0, buf.length, position)
      position += buf.length
    }
    put(header)
    put(Buffer.alloc(align(position) - position))
    const chunk = Buffer.alloc(chunkBytes)
    tensors.forEach((t, i) => {
      const size = sizes[i]!
      for (let done = 0; done < size; done += chunk.length) {
        const view = chunk.subarray(0, Math.min(chunk.length, size - done))
        t.fill(view, done)
        put(view)
      }
      put(Buffer.alloc(align(position) - position))
    })
    closeSync(fd)
    renameSync(tmp, path)
    return position
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
}
