// Export of a fine-tuned student as one GGUF: the adapter fused into its base, quantized, in the native host
// (core/hosts/native/client.ts), so the caller's event loop stays free and a crash cannot take the app down.
import { SqlstillError } from '../../../shared/errors'
import { runNativeHost } from '../hosts/native/client'
import type { ExportProgress, ExportRequest, ExportResult } from './fuse'

export { EXPORT_TYPES, type ExportProgress, type ExportRequest, type ExportResult, type ExportType } from './fuse'

export function exportFused(req: ExportRequest & { onProgress?: (p: ExportProgress) => void; signal?: AbortSignal }): Promise<ExportResult> {
  const { onProgress, signal, ...request } = req
  return runNativeHost<ExportResult>({
    first: { type: 'export', request },
    what: 'export',
    signal,
    // fusing/quantizing has no step boundary to stop at: kill the host (its outputs are written as *.tmp + rename)
    onAbort: (child, reject) => {
      reject(new SqlstillError('CANCELLED', 'export cancelled'))
      child.kill('SIGKILL')
    },
    onMessage: (msg, { resolve, reject }) => {
      if (msg.type === 'exportProgress') onProgress?.(msg.progress)
      else if (msg.type === 'exportDone') resolve(msg.result)
      else if (msg.type === 'error') reject(SqlstillError.fromShape(msg.error))
    },
  })
}
