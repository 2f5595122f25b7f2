// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw bytes. Read whole here: LoRA adapters are megabytes.
import { readFileSync } from 'node:fs'
import { SqlstillError } from '../../../shared/errors'

export interface SafeTensor {
  name: string
  dtype: string
  /** Row-major (PyTorch) shape. */
  shape: number[]
  /** The values as float32 (F32, F16 and BF16 are read). */
  values(): Float32Array
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }
/** A header larger than this is not a LoRA adapter's (which lists a few hundred tensors). */
const MAX_HEADER_BYTES = 64 * 1024 * 1024

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024)
  if (exp === 0x1f) return frac ? NaN : sign * Infinity
  return sign * 2 ** (exp - 15) * (1 + frac / 1024)
}

export function readSafetensors(path: string): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new SqlstillError(code === 'ENOENT' ? 'NOT_FOUND' : 'INTERNAL', `Cannot read ${path}: ${(err as Error).message}`, { path })
  }
  const bad = (why: string) => new SqlstillError('BAD_REQUEST', `${path} is not a valid safetensors file: ${why}.`, { path })
  if (bytes.length < 8) throw bad('it is shorter than its header')
  const headerLength = Number(bytes.readBigUInt64LE(0))
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) throw bad(`its header claims ${headerLength} bytes`)
  let header: Record<string, unknown>
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>
  } catch {
    throw bad('its header is not JSON')
  }
  const dataStart = 8 + headerLength
  const tensors = new Map<string, SafeTensor>()
  let metadata: Record<string, string> = {}
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>
      continue
    }
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown }
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw bad(`tensor ${name} has dtype ${String(dtype)}`)
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor ${name} has no valid shape`)
    if (!Array.isArray(offsets) || offsets.length !== 2) throw bad(`tensor ${name} has no byte range`)
    const [begin, end] = offsets as [number, number]
    const count = (shape as number[]).reduce((a, b) => a * b, 1)
    if (!(begin >= 0 && end >= begin && dataStart + end <= bytes.length) || end - begin !== count * DTYPE_BYTES[dtype]!) {
      throw bad(`tensor ${name}'s byte range [${begin}, ${end}) does not fit its ${dtype} shape [${(shape as number[]).join(', ')}] or the file`)
    }
    const raw = bytes.subarray(dataStart + begin, dataStart + end)
    tensors.set(name, {
      name,
      dtype,
      shape: shape as number[],
      values() {
        const out = new Float32Array(count)
        if (dtype === 'F32') for (let i = 0; i < count; i++) out[i] = raw.readFloatLE(i * 4)
        else if (dtype === 'F16') for (let i = 0; i < count; i++) out[i] = halfToFloat(raw.readUInt16LE(i * 2))
        else if (dtype === 'BF16') {
          // bf16 is the top half of a float32
          const bits = new Uint32Array(out.buffer)
          for (let i = 0; i < count; i++) bits[i] = raw.readUInt16LE(i * 2) << 16
        } else throw new SqlstillError('UNSUPPORTED', `tensor ${name} is ${dtype}; LoRA weights are read from F32, F16 or BF16.`, { name, dtype })
        return out
      },
    })
  }
  return { tensors, metadata }
}
