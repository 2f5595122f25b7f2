// The native host from the app's side: one forked process (hosts/native/host.ts) running the addon's long work —
// training, fusing, quantizing — so the caller's event loop stays free and a crash in native code cannot take the
// app down. One request per process: fork, send the first message, relay the host's messages, keep the last lines
// of its stderr for the error if it dies, and settle exactly once (a result, an error, a cancel or an exit).
import { fork, type ChildProcess } from 'node:child_process'
import { SqlstillError } from '../../../../shared/errors'
import { entryPoint } from '../entries'
import type { ChildMessage, ParentMessage } from './protocol'

const STDERR_TAIL = 4000

export interface NativeHostCall<T> {
  /** The request that starts the host's work. */
  first: ParentMessage
  /** Names the work in errors ("training", "export"). */
  what: string
  signal?: AbortSignal
  /** The host's messages; settle with resolve or reject when one ends the work. */
  onMessage(msg: ChildMessage, settle: { resolve(value: T): void; reject(err: Error): void }): void
  /** What cancelling does: ask the host to stop at a boundary, or kill it (then reject here). */
  onAbort(child: ChildProcess, reject: (err: Error) => void): void
  onSpawn?(pid: number): void
  /** The error for a host that exited before settling (its stderr's last lines attached). */
  exitError?(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): SqlstillError
}

export function runNativeHost<T>(call: NativeHostCall<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (call.signal?.aborted) return reject(new SqlstillError('CANCELLED', `${call.what} was cancelled before it started`))
    const entry = entryPoint('train-host')
    const child = fork(entry.file, [], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      call.signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const settlers = { resolve: (v: T) => settle(() => resolve(v)), reject: (e: Error) => settle(() => reject(e)) }
    const onAbort = () => call.onAbort(child, settlers.reject)
    call.signal?.addEventListener('abort', onAbort)
    child.on('spawn', () => {
      if (child.pid !== undefined) call.onSpawn?.(child.pid)
    })
    child.on('message', (msg: ChildMessage) => call.onMessage(msg, settlers))
    child.on('error', (err) => settlers.reject(new SqlstillError('INTERNAL', `cannot start the ${call.what} process: ${err.message}`)))
    child.on('exit', (code, signal) => {
      const tail = stderr.trim().split('\n').slice(-5).join('\n')
      settlers.reject(
        call.exitError?.(code, signal, tail) ??
          new SqlstillError('INTERNAL', `the ${call.what} process exited unexpectedly (${signal ?? `code ${code}`})`, { exitCode: code, signal, ...(tail ? { stderr: tail } : {}) }),
      )
    })
    child.send(call.first)
  })
}
