// Training jobs from the app's side: each runs the native trainer in a forked train host (see host.ts), reports
// progress, and can be cancelled (the host finishes its step, checkpoints, exits) or resumed from its out dir.
import { fork } from 'node:child_process'
import { SqlstillError } from '../../../shared/errors'
import { entryPoint } from '../entries'
import { parseTrainConfig, type TrainConfigInput } from './config'
import type { ChildMessage, ParentMessage, TrainProgress, TrainResult } from './protocol'

export type { TrainProgress, TrainResult } from './protocol'
export type { TrainConfigInput } from './config'

export interface JobOptions {
  onProgress?: (p: TrainProgress) => void
  /** Called after each checkpoint is durably written. */
  onCheckpoint?: (step: number, dir: string) => void
  /** Cancel: the host stops after the current step and writes a checkpoint; the promise rejects with CANCELLED. */
  signal?: AbortSignal
  /** The host's process id, once it is started (for diagnostics; killing it loses at most the steps since the last checkpoint). */
  onSpawn?: (pid: number) => void
}

/** Trains a LoRA adapter into outDir (adapter.gguf, metrics.jsonl, checkpoint/, job.json, result.json). */
export async function startTraining(config: TrainConfigInput, outDir: string, options: JobOptions = {}): Promise<TrainResult> {
  parseTrainConfig(config) // fail fast, in the caller's process, on a bad config
  return runHost({ type: 'start', outDir, config }, options)
}

/** Continues the job in outDir from its last checkpoint (from the start when it never wrote one). */
export function resumeTraining(outDir: string, options: JobOptions & { threads?: number } = {}): Promise<TrainResult> {
  return runHost({ type: 'resume', outDir, ...(options.threads !== undefined ? { overrides: { threads: options.threads } } : {}) }, options)
}

const STDERR_TAIL = 4000

function runHost(first: ParentMessage, options: JobOptions): Promise<TrainResult> {
  return new Promise<TrainResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new SqlstillError('CANCELLED', 'training was cancelled before it started'))
      return
    }
    const entry = entryPoint('train-host')
    const child = fork(entry.file, [], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    let settled = false
    let lastCheckpoint: { step: number; dir: string } | null = null
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      options.signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const onAbort = () => {
      if (child.connected) child.send({ type: 'cancel' } satisfies ParentMessage)
    }
    options.signal?.addEventListener('abort', onAbort)
    child.on('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid)
    })
    child.on('message', (msg: ChildMessage) => {
      switch (msg.type) {
        case 'progress':
          options.onProgress?.(msg.progress)
          break
        case 'checkpoint':
          lastCheckpoint = { step: msg.step, dir: msg.dir }
          options.onCheckpoint?.(msg.step, msg.dir)
          break
        case 'done':
          settle(() => resolve(msg.result))
          break
        case 'cancelled':
          settle(() =>
            reject(new SqlstillError('CANCELLED', `training cancelled after step ${msg.step}; a checkpoint is in ${msg.checkpointDir}`, { step: msg.step, checkpointDir: msg.checkpointDir })),
          )
          break
        case 'error':
          settle(() => reject(SqlstillError.fromShape(msg.error)))
          break
      }
    })
    child.on('error', (err) => settle(() => reject(new SqlstillError('INTERNAL', `cannot start the training process: ${err.message}`))))
    child.on('exit', (code, signal) => {
      settle(() => {
        const where = lastCheckpoint ? `the last checkpoint (step ${lastCheckpoint.step}) is in ${lastCheckpoint.dir}; resume to continue` : 'no checkpoint was written yet'
        const tail = stderr.trim().split('\n').slice(-5).join('\n')
        reject(
          new SqlstillError('INTERNAL', `the training process exited unexpectedly (${signal ?? `code ${code}`}); ${where}`, {
            exitCode: code,
            signal,
            lastCheckpointStep: lastCheckpoint?.step ?? null,
            ...(tail ? { stderr: tail } : {}),
          }),
        )
      })
    })
    child.send(first)
  })
}
