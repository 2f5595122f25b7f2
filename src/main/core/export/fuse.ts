// Fusing a LoRA adapter into its base and quantizing the result, in the calling process (synchronous native
// work: call it from the native host or another child/worker, not from a UI thread; exportFused does that).
import { existsSync, rmSync, statSync } from 'node:fs'
import { SqlstillError } from '../../../shared/errors'
import { sha256File } from '../train/fileHash'
import { loadNative, readGgufMetadata } from '../train/native'
import { EXPORT_TYPES, type ExportProgress, type ExportResult, type ExportType } from '../../../shared/train'

// The export types, progress and result are shared with the UI (src/shared/train.ts).
export { EXPORT_TYPES, type ExportProgress, type ExportResult, type ExportType }

export interface ExportRequest {
  base: string
  adapter: string
  type: ExportType
  out: string
  threads?: number
  /** Fuse even when the adapter's recorded base sha256 differs from the base file (e.g. a requantized base). */
  allowBaseMismatch?: boolean
}

export function fuseAndQuantize(req: ExportRequest, onProgress: (p: ExportProgress) => void = () => {}): ExportResult {
  const started = Date.now()
  if (!(EXPORT_TYPES as readonly string[]).includes(req.type)) {
    throw new SqlstillError('BAD_REQUEST', `unknown export type '${req.type}' (expected ${EXPORT_TYPES.join(', ')})`)
  }
  for (const [what, path] of [['base model', req.base], ['adapter', req.adapter]] as const) {
    if (!existsSync(path)) throw new SqlstillError('NOT_FOUND', `${what} not found: ${path}`)
  }
  if ([req.base, req.adapter].includes(req.out)) throw new SqlstillError('BAD_REQUEST', 'the output must not overwrite the base or the adapter')
  onProgress({ phase: 'checking', fraction: 0 })
  const adapterMeta = readGgufMetadata(req.adapter)
  if (adapterMeta.metadata['general.type'] !== 'adapter') throw new SqlstillError('NOT_A_MODEL', `not a LoRA adapter: ${req.adapter}`)
  const recorded = adapterMeta.metadata['sqlstill.base.sha256']
  let baseVerified = false
  if (typeof recorded === 'string' && recorded) {
    const actual = sha256File(req.base)
    if (actual !== recorded && !req.allowBaseMismatch) {
      throw new SqlstillError(
        'BAD_REQUEST',
        `the adapter was trained on a different base model (recorded sha256 ${recorded.slice(0, 12)}…, ${req.base} is ${actual.slice(0, 12)}…); pass the base it was trained on`,
        { recorded, actual },
      )
    }
    baseVerified = actual === recorded
  }
  onProgress({ phase: 'checking', fraction: 1 })
  const native = loadNative()
  const fuseProgress = (fraction: number) => onProgress({ phase: 'fusing', fraction })
  if (req.type === 'F32' || req.type === 'F16') {
    native.fuseAdapter(req.base, req.adapter, req.out, req.type, fuseProgress)
  } else {
    // fuse at full precision, then let llama.cpp's quantizer pick per-tensor types (and fallbacks) as usual
    const fused = `${req.out}.fused-f32.tmp`
    try {
      native.fuseAdapter(req.base, req.adapter, fused, 'F32', fuseProgress)
      onProgress({ phase: 'quantizing', fraction: 0 })
      native.quantizeModel(fused, req.out, req.type, req.threads)
      onProgress({ phase: 'quantizing', fraction: 1 })
    } finally {
      rmSync(fused, { force: true })
      rmSync(`${fused}.tmp`, { force: true })
    }
  }
  onProgress({ phase: 'done', fraction: 1 })
  return { out: req.out, type: req.type, bytes: statSync(req.out).size, seconds: (Date.now() - started) / 1000, baseVerified }
}
