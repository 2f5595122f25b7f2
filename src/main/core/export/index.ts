// Export of a fine-tuned student as one GGUF: the adapter fused into its base, quantized. The work runs in a
// child process (the train host), so the caller's event loop stays free and a crash cannot take the app down.
import { fork } from 'node:child_process'
import { SqlstillError } from '../../../shared/errors'
import { entryPoint } from '../entries'
import type { ChildMessage, ParentMessage } from '../train/protocol'
import type { ExportProgress, ExportRequest, ExportResult } from './fuse'

export { EXPORT_TYPES, type ExportProgress, type ExportRequest, type ExportResult, type ExportType } from './fuse'

export function exportFused(req: ExportRequest & { onProgress?: (p: ExportProgress) => void; signal?: AbortSignal }): Promise<ExportResult> {
  const { onProgress, signal, ...request } = req
  return new Promise<ExportResult>((resolve, reject) => {
    if (signal?.aborted) return reject(new SqlstillError('CANCELLED', 'export was cancelled before it started'))
    const entry = entryPoint('train-host')
    const child = fork(entry.file, [], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000)
    })
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      fn()
    }
    // fusing/quantizing has no step boundary to stop at: kill the host (its outputs are written as *.tmp + rename)
    const onAbort = () => {
      settle(() => reject(new SqlstillError('CANCELLED', 'export cancelled')))
      child.kill('SIGKILL')
    }
    signal?.addEventListener('abort', onAbort)
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'exportProgress') onProgress?.(msg.progress)
      else if (msg.type === 'exportDone') settle(() => resolve(msg.result))
      else if (msg.type === 'error') settle(() => reject(SqlstillError.fromShape(msg.error)))
    })
    child.on('error', (err) => settle(() => reject(new SqlstillError('INTERNAL', `cannot start the export process: ${err.message}`))))
    child.on('exit', (code, sig) =>
      settle(() => reject(new SqlstillError('INTERNAL', `the export process exited unexpectedly (${sig ?? `code ${code}`})`, { stderr: stderr.trim().split('\n').slice(-5).join('\n') }))),
    )
    child.send({ type: 'export', request } satisfies ParentMessage)
  })
}
