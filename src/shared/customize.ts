// "Customize on my schema" as the UI and the core both see it: the run.json manifest, its stages and progress, the
// dataset examples the user reviews, and the API's run summaries. Plain JSON data only (the renderer has no Node).
import type { HistoryItem } from './ask'
import type { Backend } from './models'
import type { TeacherConfig } from './teacher'
import type { TrainDeviceInfo } from './train'

export const STAGES = ['info', 'questions', 'sql', 'filters', 'dataset', 'train', 'evaluate'] as const
export type StageName = (typeof STAGES)[number]
export type StageStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled'

export type Scenario = 'learn_prior' | 'add_ref' | 'fix_it' | 'synthetic'

/** A question with the SQL that answers it, given by the user. */
export interface UserPair {
  question: string
  sql: string
}

export interface FixItPair extends UserPair {
  /** What the student wrote before the user corrected it. */
  wrongSql?: string
}

/**
 * The user's History verdicts as customization examples: answers marked right become references (AddRef), answers
 * marked wrong with a corrected SQL become FixIt pairs; a wrong mark without a correction teaches nothing.
 */
export function historyPairs(items: readonly HistoryItem[]): { addRef: UserPair[]; fixIt: FixItPair[] } {
  const addRef: UserPair[] = []
  const fixIt: FixItPair[] = []
  for (const item of items) {
    const feedback = item.feedback
    if (feedback?.verdict === 'right' && item.sql) addRef.push({ question: item.question, sql: item.sql })
    else if (feedback?.verdict === 'wrong' && feedback.correctedSql) {
      fixIt.push({ question: item.question, sql: feedback.correctedSql, ...(item.sql ? { wrongSql: item.sql } : {}) })
    }
  }
  return { addRef, fixIt }
}

/** Spider hardness of an example's SQL; 'unknown' when the counting rules cannot parse it. */
export type ExampleHardness = 'easy' | 'medium' | 'hard' | 'extra' | 'unknown'

export interface TrainOptions {
  rank?: number
  alpha?: number
  targets?: string[]
  learningRate?: number
  epochs?: number
  maxLength?: number
  batchSize?: number
  threads?: number
  maxSteps?: number
  /** Where to train (default: the app's backend setting, as inference; 'auto' picks a GPU when there is one). */
  backend?: Backend
  /** Knowledge distillation with imperfect data, passed through to the trainer. */
  kid?: { alpha: number }
  /**
   * Experiment (Struct-SQL): completions become "-- plan: FROM … | WHERE … | SELECT …\n<SQL>;". The plan has no ';'
   * (generation stops there) and `ask` drops "-- plan:" lines before extracting the SQL, so a plan-trained student
   * is asked exactly like any other.
   */
  planTargets?: boolean
}

/** Which degenerate results the execution filter lets through. */
export interface NonDegenerateSettings {
  allowEmpty?: boolean
  allowAllNull?: boolean
  allowZeroCount?: boolean
}

/** Plain data: everything a resume needs except the teacher object itself. */
export interface CustomizeSettings {
  dbPath: string
  studentModel: string
  rules: string
  n: number
  k: number
  temperature: number
  jury: boolean
  evalFraction: number
  seed: number
  /** Per-statement limit for executing teacher SQL. */
  queryTimeoutMs: number
  /** Per teacher call; a slower answer counts as teacher_timeout and the run goes on. */
  teacherTimeoutMs: number
  nonDegenerate: NonDegenerateSettings
  train: TrainOptions
  activateIfBetter: boolean
  /** The teacher's configuration (plain data, never a key), from which every shell makes it again to resume. */
  teacher?: TeacherConfig
  /** Runs made before `teacher` was recorded: 'synth', 'local:PATH' or 'openai:URL#model'. */
  teacherSpec?: string
  /** The user's examples in every student prompt of the run (training and evaluation), fixed when it started. */
  promptExamples?: { question: string; sql: string }[]
}

export interface FilterCount {
  in: number
  pass: number
  fail: number
  /** Failures by reason bucket (the reason up to its first ':'). */
  reasons: Record<string, number>
}

/** One model's execution accuracy on the run's eval split: overall and on the user's own pairs. */
export interface EvalFigures {
  all: number | null
  userItems: number | null
}

/** Whether the customized adapter beat the base model, and whether it was switched on. */
export interface ActivationDecision {
  activate: boolean
  activated: boolean
  reason: string
}

/**
 * The report's one sentence about the adapter. Whether it is on is a fact of the loaded model now (the user may have
 * activated, removed or swapped it since); the run's decision only says what happened at the end of the run. One
 * sentence from both, so the report cannot say "not activated" beside "active on …".
 */
export function activationHeadline(decision: ActivationDecision | null, activeNow: boolean): { text: string; note: string | null } {
  if (activeNow) {
    return { text: decision?.activated ? 'The adapter is active: it was activated automatically' : 'The adapter is active', note: null }
  }
  if (decision?.activated) return { text: 'The adapter was activated automatically, and is not active now', note: 'another adapter or student was chosen since' }
  if (decision?.activate) return { text: 'The adapter is better, but is not active', note: 'the loaded student had changed, or activation is off' }
  return { text: 'The adapter is not active', note: null }
}

/** What each stage records beyond the counts: one type per stage, so no reader has to guess or cast. */
export interface StageExtras {
  info: { rules: number; addRef: number; fixIt: number }
  /** Questions kept from the template when the teacher failed to rephrase, by reason. */
  questions: { notes: Record<string, number> }
  /** Self-consistency agreement per question id, and the k samples asked for. */
  sql: {
    agreement: Record<string, number>
    k: number
    /** How fast the teacher answered in the last session of the stage, and what it cost (HTTP teachers). */
    throughput?: {
      concurrency: number
      asked: number
      seconds: number
      questionsPerSecond: number | null
      usage?: { requests: number; cacheHits: number; retries: number; promptTokens: number; completionTokens: number; costUsd?: number }
    }
  }
  filters: { train: number; eval: number }
  dataset: { train: number; eval: number; user: number; trainByScenario: Record<string, number> }
  train: { adapterPath: string; maxLength?: number; evalExamples: number; planTargets: boolean; promptForm: 'chat' | 'completion' }
  evaluate: { base: EvalFigures; customized: EvalFigures; decision: ActivationDecision }
}

export interface StageRecord<Extra = StageExtras[StageName]> {
  status: StageStatus
  startedAt?: string
  finishedAt?: string
  /** Items into and out of the stage. */
  in?: number
  out?: number
  /** Why items left the stage (teacher_error, near_duplicate, …). */
  dropped?: Record<string, number>
  /** Per filter, in application order (the filters stage). */
  filters?: Record<string, FilterCount>
  error?: { code: string; message: string }
  /** Stage-specific facts (e.g. the adapter path, the activation decision), set when the stage is done. */
  extra?: Extra
}

export type StageRecords = { [S in StageName]: StageRecord<StageExtras[S]> }

export interface RunManifest {
  schemaVersion: 1
  createdAt: string
  updatedAt: string
  teacherId: string
  settings: CustomizeSettings
  stages: StageRecords
}

/** The adapter a run trained, once its train stage is done. */
export function trainedAdapterPath(manifest: RunManifest): string | null {
  const train = manifest.stages.train
  return train.status === 'done' && train.extra?.adapterPath ? train.extra.adapterPath : null
}

export interface CustomizeProgress {
  stage: StageName
  /** Items done in this stage, and how many there are (null when unknown). */
  done: number
  total: number | null
  message?: string
}

/** The messages the pipeline sends when a stage starts, resumes or ends (the pipeline's stage runner). */
export const STAGE_BOUNDARY_MESSAGES = ['started', 'resumed', 'done'] as const

/** Progress that opens or closes a stage: the manifest's status and counts change then, not within a stage. */
export function isStageBoundary(p: Pick<CustomizeProgress, 'message'>): boolean {
  return (STAGE_BOUNDARY_MESSAGES as readonly (string | undefined)[]).includes(p.message)
}

export interface CustomizeResult {
  outDir: string
  manifest: RunManifest
  adapterPath: string | null
  decision: ActivationDecision | null
  evaluation: { base: EvalFigures; customized: EvalFigures } | null
}

export interface Verdicts {
  [filter: string]: { pass: boolean; reason?: string }
}

export type Split = 'train' | 'eval'

export interface DatasetExample {
  /** Unique within the run; the user's AddRef/FixIt items carry the same id in both splits. */
  id: string
  split: Split
  scenario: Scenario
  origin: string
  question: string
  sql: string
  teacher: string
  verdicts: Verdicts
  /** Self-consistency: the agreeing group's share of the k samples (1 for user items and synthesizer SQL). */
  agreement: number
  hardness: ExampleHardness
  tables: string[]
  planText?: string
  /** Excluded by the user: kept in the file, left out of training and evaluation. */
  excluded: boolean
  edited?: boolean
}

// ---- API shapes ------------------------------------------------------------------------------------

/** Overall state of a run, derived from its stages. */
export type RunState = 'running' | 'done' | 'failed' | 'cancelled' | 'stopped'

/** A run's overall state from its stages, given whether this process is running it now. */
export function runState(manifest: RunManifest, running: boolean): RunState {
  if (running) return 'running'
  const statuses = STAGES.map((s) => manifest.stages[s].status)
  if (statuses.includes('failed')) return 'failed'
  if (statuses.includes('cancelled')) return 'cancelled'
  if (statuses.every((s) => s === 'done')) return 'done'
  // 'running' in the file with no run in this process: the app stopped mid-run; resume continues it.
  return 'stopped'
}

/**
 * Whether a run the user paused before training is still in that pause: its dataset is built and training has not
 * run. Decided from the stages, not from the run's state word: the pause is a cancel right after the dataset stage
 * (train "cancelled"), and editing or excluding an example marks training stale again (train "pending"), which
 * `runState` calls "stopped" — both are the same pause.
 */
export function pausedForReview(manifest: RunManifest, running: boolean, pauseRequested: boolean): boolean {
  if (!pauseRequested || running) return false
  const upToDataset = STAGES.slice(0, STAGES.indexOf('dataset') + 1)
  if (!upToDataset.every((s) => manifest.stages[s].status === 'done')) return false
  return (['train', 'evaluate'] as const).every((s) => ['pending', 'cancelled'].includes(manifest.stages[s].status))
}

/** One run in `customize.list`. */
export interface CustomizeRunSummary {
  outDir: string
  /** Set while this app process is running it (cancel with `customize.cancel`). */
  runId: string | null
  state: RunState
  createdAt: string
  updatedAt: string
  teacherId: string
  dbPath: string
  studentModel: string
  /** The stage running now, or the last one that did not finish. */
  currentStage: StageName | null
  adapterPath: string | null
}

/** Payload of the `customize.progress` event. */
export interface CustomizeProgressEvent extends CustomizeProgress {
  runId: string
  outDir: string
  /** Items into and out of the stage, once it finished. */
  counts?: { in?: number; out?: number; dropped?: Record<string, number> }
}

/** Payload of the `customize.finished` event: a result, or the error that stopped the run (CANCELLED included). */
export type CustomizeFinishedEvent =
  | { runId: string; outDir: string; result: CustomizeResult; error?: undefined }
  | { runId: string; outDir: string; result?: undefined; error: { code: string; message: string } }

/** One model's side of a run's evaluation, from its eval report: execution accuracy overall and by hardness, failures. */
export interface CustomizeEvalSummary {
  predictor: string
  totals: { items: number; evaluated: number; skipped: number; correct: number }
  overall: { correct: number; total: number; accuracy: number | null }
  byHardness: Record<ExampleHardness, { correct: number; total: number; accuracy: number | null }>
  /** Items per failure class (no_sql, parse, unknown_identifier, runtime_error, timeout, wrong_result, empty). */
  failures: Record<string, number>
}

/** One optimizer step of the run's training (train/metrics.jsonl), so a reopened run can redraw its loss chart. */
export interface LossPoint {
  step: number
  epoch: number
  loss: number
  evalLoss?: number
}

/** Payload of `customize.report`: what the evaluate stage measured (null sides until it has), and the loss curve. */
export interface CustomizeReport {
  base: CustomizeEvalSummary | null
  customized: CustomizeEvalSummary | null
  /** Eval items wrong for the base and right after customization, and the reverse. */
  fixed: number
  broken: number
  loss: LossPoint[]
  /** How the training went (the trainer's result), once it finished. */
  training: TrainingFacts | null
}

export interface TrainingFacts {
  device: TrainDeviceInfo & { threads: number }
  steps: number
  seconds: number
  examplesPerSecond: number
  completionTokensPerSecond: number
  peakRssBytes: number
  /** Positions computed vs the examples' own lengths: what packing saved. */
  tokens: { examples: number; computed: number; completion: number }
  skippedTooLong: number
  /** The loss on the held-out split after the last step (null: nothing held out to measure it on). */
  finalEvalLoss: number | null
  /** Held-out examples the eval loss was measured on, and how many of them did not fit the context. */
  evalExamples: number
  evalSkipped: number
}

/**
 * The eval-loss figure to show: the latest one measured during training, else the trainer's final one. A short run
 * measures it only once, after its last step (mid-run evaluations are every `evalEvery` steps), so the final figure
 * lives in the trainer's result, not in the per-step metrics. With no held-out examples there is none: say why.
 */
export function evalLossLabel(loss: LossPoint[], facts: TrainingFacts | null, trainingDone: boolean): string {
  const live = [...loss].reverse().find((p) => p.evalLoss !== undefined)?.evalLoss
  if (facts?.finalEvalLoss != null) return facts.finalEvalLoss.toFixed(4)
  if (live !== undefined) return live.toFixed(4)
  if (!trainingDone) return 'measured after the last step'
  if (facts && facts.evalExamples === 0) {
    return facts.evalSkipped > 0 ? `none: all ${facts.evalSkipped} held-out examples are too long for the context` : 'none: no examples were held out for evaluation'
  }
  return '—'
}

/** What `dataset.export` wrote. */
export interface DatasetExportResult {
  out: string
  format: 'messages' | 'prompt-completion'
  split: Split
  examples: number
  /** Left out because they are marked excluded in the review. */
  excluded: number
  promptForm: 'chat' | 'completion'
  /** The SQL dialect the prompts ask for and the examples are written in (the run's database engine). */
  dialect: string
  recipe?: string
  /** The recipe's base_model is left for the user to set: the GGUF does not name its Hugging Face source. */
  recipeNeedsBaseModel?: boolean
}

/**
 * Payload of `customize.estimate`: how long training a new run should take on this machine, scaled from the newest
 * finished run of the same student here; `seconds: null` with the reason when none has been measured yet.
 */
export type TrainEstimate =
  | {
      seconds: number
      basis: {
        /** The run folder's name, under the data dir's customize/ folder. */
        runId: string
        /** What the measured run trained: its training examples and epochs. */
        examples: number
        epochs: number
        /** Wall-clock seconds its trainer took per example per epoch (its last session only, when it was resumed). */
        secondsPerExampleEpoch: number
        measuredAt: string
      }
    }
  | { seconds: null; reason: string }
