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
  /** Tokens (prompt + completion) of the examples trained per second over recent steps. */
  tokensPerSecond: number
  /** Examples trained per second over recent steps. */
  examplesPerSecond: number
  /** Completion tokens (where the loss is) per second over recent steps. */
  completionTokensPerSecond: number
  /** Positions the transformer computed per second: a shared prompt prefix counts once (packing). */
  computedTokensPerSecond: number
  etaSeconds: number | null
  learningRate: number
  /** CPU threads in use (fewer while other processes keep cores busy). */
  threads: number
  /** Peak resident memory of the trainer process so far. */
  peakRssBytes: number
  /** Where the trainer runs, once it is loaded. */
  device?: TrainDeviceInfo
  /** After tokenizing: what will be trained on and what was left out, before the first step. */
  examples?: { train: number; skippedTooLong: number; truncated: number; skippedEmpty: number; maxLength: number }
}

export interface TrainDeviceInfo {
  /** 'cpu', 'vulkan', 'cuda', 'metal'. */
  backend: string
  /** ggml's device name, e.g. 'CPU', 'Vulkan0'. */
  name: string
  description: string
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
  /** Over the steps of this run (a resumed run: since the resume). */
  tokensPerSecond: number
  examplesPerSecond: number
  completionTokensPerSecond: number
  computedTokensPerSecond: number
  /** Token totals over those steps: as the examples have them, as computed (shared prefixes once), with a loss. */
  tokens: { examples: number; computed: number; completion: number }
  peakRssBytes: number
  device: TrainDeviceInfo & { threads: number }
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
