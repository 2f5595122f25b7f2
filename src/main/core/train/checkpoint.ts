// Resumable checkpoints: LoRA weights, AdamW moments and step, the data position, early-stopping state and the
// best weights so far, in one binary file; a small manifest naming the current file is written last. A failed
// write (full disk, crash) leaves the previous checkpoint and manifest untouched.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import { writeFileAtomic } from '../platform/atomicFile'

export const MANIFEST = 'manifest.json'
const MAGIC = 'SQLSTILL-CKPT-1'

export interface CheckpointState {
  /** Optimizer steps taken. */
  step: number
  epoch: number
  /** Next batch index within `epoch`. */
  batchInEpoch: number
  bestEvalLoss: number | null
  evalsWithoutImprovement: number
  lastLoss: number | null
  elapsedSeconds: number
}

export interface CheckpointTensors {
  params: Record<string, Float32Array>
  m: Record<string, Float32Array>
  v: Record<string, Float32Array>
  /** Weights at the best eval loss so far (early stopping), when known. */
  best?: Record<string, Float32Array>
}

interface Header {
  magic: string
  state: CheckpointState
  tensors: { group: keyof CheckpointTensors; name: string; offset: number; length: number }[]
  dataBytes: number
  sha256: string
}

export interface Manifest {
  file: string
  step: number
  sha256: string
  writtenAt: string
}

export function writeCheckpoint(dir: string, state: CheckpointState, tensors: CheckpointTensors): Manifest {
  mkdirSync(dir, { recursive: true })
  const entries: Header['tensors'] = []
  const chunks: Uint8Array[] = []
  let offset = 0
  const hash = createHash('sha256')
  for (const group of ['params', 'm', 'v', 'best'] as const) {
    const set = tensors[group]
    if (!set) continue
    for (const [name, values] of Object.entries(set)) {
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
      entries.push({ group, name, offset, length: values.length })
      chunks.push(bytes)
      hash.update(bytes)
      offset += bytes.byteLength
    }
  }
  const header: Header = { magic: MAGIC, state, tensors: entries, dataBytes: offset, sha256: hash.digest('hex') }
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8')
  // pad so float data starts 4-byte aligned when read back into one buffer
  const pad = (4 - ((headerBytes.length + 4) % 4)) % 4
  const prefix = Buffer.alloc(4 + headerBytes.length + pad, 0x20)
  prefix.writeUInt32LE(headerBytes.length + pad, 0)
  headerBytes.copy(prefix, 4)
  const file = `ckpt-${String(state.step).padStart(7, '0')}.bin`
  const manifest: Manifest = { file, step: state.step, sha256: header.sha256, writtenAt: new Date().toISOString() }
  try {
    writeFileAtomic(join(dir, file), [prefix, ...chunks])
    writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2))
  } catch (err) {
    let previous: number | null = null
    try {
      previous = readManifest(dir).step
    } catch {
      // no earlier checkpoint
    }
    if (previous !== state.step) rmSync(join(dir, file), { force: true })
    const e = err as SqlstillError
    throw new SqlstillError(
      'INTERNAL',
      `could not write the checkpoint for step ${state.step}: ${e.message}. ${previous !== null ? `The previous checkpoint (step ${previous}) is intact.` : 'No earlier checkpoint exists.'}`,
      { ...(e.details ?? {}), step: state.step, previousCheckpointStep: previous },
    )
  }
  // only now is the old checkpoint unreferenced
  for (const f of readdirSync(dir)) {
    if (f !== file && /^ckpt-\d+\.bin$/.test(f)) rmSync(join(dir, f), { force: true })
  }
  return manifest
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, MANIFEST))
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST)
  if (!existsSync(path)) throw new SqlstillError('NOT_FOUND', `no checkpoint in ${dir}`)
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest
  } catch (err) {
    throw new SqlstillError('INTERNAL', `the checkpoint manifest ${path} is unreadable: ${(err as Error).message}`)
  }
}

export function readCheckpoint(dir: string): { state: CheckpointState; tensors: CheckpointTensors; manifest: Manifest } {
  const manifest = readManifest(dir)
  const path = join(dir, manifest.file)
  if (!existsSync(path)) throw new SqlstillError('NOT_FOUND', `checkpoint file ${path} named by the manifest is missing`)
  const buf = readFileSync(path)
  const headerLen = buf.readUInt32LE(0)
  const header = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as Header
  if (header.magic !== MAGIC) throw new SqlstillError('INTERNAL', `${path} is not a sqlstill checkpoint`)
  const data = buf.subarray(4 + headerLen)
  if (data.byteLength !== header.dataBytes) throw new SqlstillError('INTERNAL', `checkpoint ${path} is truncated`)
  if (createHash('sha256').update(data).digest('hex') !== header.sha256 || header.sha256 !== manifest.sha256) {
    throw new SqlstillError('INTERNAL', `checkpoint ${path} is corrupt (checksum mismatch)`)
  }
  const aligned = new Float32Array(data.byteLength / 4)
  new Uint8Array(aligned.buffer).set(data)
  const tensors: CheckpointTensors = { params: {}, m: {}, v: {} }
  for (const t of header.tensors) {
    const group = (tensors[t.group] ??= {})
    group[t.name] = aligned.slice(t.offset / 4, t.offset / 4 + t.length)
  }
  return { state: header.state, tensors, manifest }
}
