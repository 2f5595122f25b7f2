// Messages between a training job (parent) and its train host (child process).
import type { ApiErrorShape } from '../../../shared/errors'
import type { ExportProgress, ExportRequest, ExportResult } from '../export/fuse'
import type { TrainConfigInput } from './config'

export type TrainPhase = 'tokenizing' | 'training' | 'evaluating' | 'saving'

export interface TrainProgress {
  phase: TrainPhase
  /** Optimizer steps taken. */
  step: number
  totalSteps: number
  /** 0-based epoch of the next batch. */
  epoch: number
  /** Loss of the last step (mean cross-entropy over its completion tokens); null before the first step. */
  loss: number | null
  evalLoss?: number
  /** Tokens (prompt + completion) processed per second over recent steps. */
  tokensPerSecond: number
  etaSeconds: number | null
  learningRate: number
}

export interface TrainResult {
  outDir: string
  adapterPath: string
  metricsPath: string
  steps: number
  totalSteps: number
  epochs: number
  finalLoss: number | null
  finalEvalLoss: number | null
  bestEvalLoss: number | null
  stoppedEarly: boolean
  resumedFromStep: number | null
  examples: { train: number; eval: number; skippedTooLong: number; truncated: number; skippedEmpty: number; evalSkipped: number }
  kid: { replacedFraction: number; differingFraction: number } | null
  trainableParams: number
  seconds: number
  tokensPerSecond: number
}

export type ParentMessage =
  | { type: 'start'; outDir: string; config: TrainConfigInput }
  | { type: 'resume'; outDir: string; overrides?: { threads?: number } }
  | { type: 'cancel' }
  | { type: 'export'; request: ExportRequest }

export type ChildMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'done'; result: TrainResult }
  | { type: 'cancelled'; step: number; checkpointDir: string }
  | { type: 'error'; error: ApiErrorShape }
  | { type: 'exportProgress'; progress: ExportProgress }
  | { type: 'exportDone'; result: ExportResult }
