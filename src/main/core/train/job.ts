// Training jobs from the app's side: each runs the native trainer in a forked native host (hosts/native/host.ts), reports
// progress, and can be cancelled (the host finishes its step, checkpoints, exits) or resumed from its out dir.
import { SqlstillError } from '../../../shared/errors'
import { runNativeHost } from '../hosts/native/client'
import { parseTrainConfig, type TrainConfigInput } from './config'
import type { ChildMessage, ParentMessage, TrainProgress, TrainResult } from '../hosts/native/protocol'

export type { TrainProgress, TrainResult } from '../hosts/native/protocol'
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

function runHost(first: ParentMessage, options: JobOptions): Promise<TrainResult> {
  let lastCheckpoint: { step: number; dir: string } | null = null
  return runNativeHost<TrainResult>({
    first,
    what: 'training',
    signal: options.signal,
    onSpawn: options.onSpawn,
    // the host finishes its step, writes a checkpoint and answers 'cancelled'
    onAbort: (child) => {
      if (child.connected) child.send({ type: 'cancel' } satisfies ParentMessage)
    },
    onMessage: (msg, { resolve, reject }) => {
      switch (msg.type) {
        case 'progress':
          options.onProgress?.(msg.progress)
          break
        case 'checkpoint':
          lastCheckpoint = { step: msg.step, dir: msg.dir }
          options.onCheckpoint?.(msg.step, msg.dir)
          break
        case 'done':
          resolve(msg.result)
          break
        case 'cancelled':
          reject(new SqlstillError('CANCELLED', `training cancelled after step ${msg.step}; a checkpoint is in ${msg.checkpointDir}`, { step: msg.step, checkpointDir: msg.checkpointDir }))
          break
        case 'error':
          reject(SqlstillError.fromShape(msg.error))
          break
      }
    },
    exitError: (code, signal, tail) => {
      const where = lastCheckpoint ? `the last checkpoint (step ${lastCheckpoint.step}) is in ${lastCheckpoint.dir}; resume to continue` : 'no checkpoint was written yet'
      return new SqlstillError('INTERNAL', `the training process exited unexpectedly (${signal ?? `code ${code}`}); ${where}`, {
        exitCode: code,
        signal,
        lastCheckpointStep: lastCheckpoint?.step ?? null,
        ...(tail ? { stderr: tail } : {}),
      })
    },
  })
}
