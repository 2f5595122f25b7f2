// Training and export as the UI sees them: live progress for the loss chart, the trainer's result, export types.

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

/** Payload of the `train.progress` event: which customization run (if any) and which training folder. */
export interface TrainProgressEvent extends TrainProgress {
  runId: string | null
  outDir: string
}

export const EXPORT_TYPES = ['Q4_K_M', 'Q8_0', 'F16', 'F32', 'Q4_0', 'Q5_K_M', 'Q6_K'] as const
export type ExportType = (typeof EXPORT_TYPES)[number]

export interface ExportProgress {
  phase: 'checking' | 'fusing' | 'quantizing' | 'done'
  /** 0..1 within the phase. */
  fraction: number
}

export interface ExportResult {
  out: string
  type: ExportType
  bytes: number
  seconds: number
  baseVerified: boolean
}
