// The "customize on my schema" run: options, the run.json manifest, progress events and the injected trainer.
import type { Hardness } from '../../eval/types'
import type { NonDegenerateOptions } from '../filters'
import type { Teacher } from '../../teacher/types'
import type { ModelPredictor, ModelPredictorOptions } from '../../eval/predictors'

export const STAGES = ['info', 'questions', 'sql', 'filters', 'dataset', 'train', 'evaluate'] as const
export type StageName = (typeof STAGES)[number]
export type StageStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled'

export type Scenario = 'learn_prior' | 'add_ref' | 'fix_it' | 'synthetic'

export interface UserPair {
  question: string
  sql: string
}

export interface FixItPair extends UserPair {
  /** What the student wrote before the user corrected it. */
  wrongSql?: string
}

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
  /** Knowledge distillation with imperfect data, passed through to the trainer. */
  kid?: { alpha: number }
  /**
   * Experiment (Struct-SQL): completions become "-- plan: <planText>\n<SQL>;". Inference must then drop lines
   * starting with "-- plan:" before extracting the SQL; the completion-form stops end generation at "\n--", so
   * a plan-trained student needs the plan line allowed through (not wired in `ask` yet).
   */
  planTargets?: boolean
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
  nonDegenerate: Omit<NonDegenerateOptions, 'question'>
  train: TrainOptions
  activateIfBetter: boolean
  /** How the teacher was chosen ('synth', 'local:PATH', 'openai:URL#model'), so a CLI resume can recreate it. */
  teacherSpec?: string
}

export interface CustomizeOptions {
  dbPath: string
  outDir: string
  teacher: Teacher | 'synth'
  teacherSpec?: string
  studentModel: string
  rules?: string
  addRef?: UserPair[]
  fixIt?: FixItPair[]
  /** Target number of training pairs (default 1000). */
  n?: number
  /** Teacher samples per question (default 3; 1 with the synthesizer). */
  k?: number
  temperature?: number
  /** LLM jury (default: on with an LLM teacher; never with the synthesizer). */
  jury?: boolean
  /** Share of synthetic items held out for evaluation (default 0.1). */
  evalFraction?: number
  seed?: number
  queryTimeoutMs?: number
  teacherTimeoutMs?: number
  nonDegenerate?: Omit<NonDegenerateOptions, 'question'>
  train?: TrainOptions
  /** Activate the adapter only when it beats the base model (default true). */
  activateIfBetter?: boolean
}

export interface FilterCount {
  in: number
  pass: number
  fail: number
  /** Failures by reason bucket (the reason up to its first ':'). */
  reasons: Record<string, number>
}

export interface StageRecord {
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
  /** Stage-specific facts (e.g. the adapter path, the activation decision). */
  extra?: Record<string, unknown>
}

export interface RunManifest {
  schemaVersion: 1
  createdAt: string
  updatedAt: string
  teacherId: string
  settings: CustomizeSettings
  stages: Record<StageName, StageRecord>
}

export interface CustomizeProgress {
  stage: StageName
  /** Items done in this stage, and how many there are (null when unknown). */
  done: number
  total: number | null
  message?: string
}

/** A question waiting for SQL: from the synthesizer (with its SQL) or a FixIt variation. */
export interface QuestionItem {
  id: string
  question: string
  scenario: Scenario
  /** How the question was made: 'synth_template', 'teacher_question', 'fix_it_rephrase', 'fix_it_variation'. */
  origin: string
  /** The SQL the question was written from (SQL-first), if any. */
  sourceSql?: string
  hardness?: Hardness
  tables: string[]
  planText?: string
}

export interface SqlItem extends QuestionItem {
  sql: string
  /** Size of the agreeing group over k (1 for the synthesizer's own SQL). */
  agreement: number
  samples: number
}

export interface Verdicts {
  [filter: string]: { pass: boolean; reason?: string }
}

export interface FilteredItem extends SqlItem {
  verdicts: Verdicts
  split: 'train' | 'eval'
}

/** What the training stage hands to the trainer: the same shape as train/job.ts's config. */
export interface TrainerInput {
  baseModel: string
  examples: { prompt: string; completion: string }[]
  evalExamples: { prompt: string; completion: string }[]
  rank?: number
  alpha?: number
  targets?: string[]
  learningRate?: number
  epochs?: number
  maxLength?: number
  batchSize?: number
  maxSteps?: number
  kid?: { alpha: number }
  seed: number
  threads?: number
}

export interface TrainerOutcome {
  adapterPath: string
  [key: string]: unknown
}

/** Trains into outDir; rejects with CANCELLED when the signal fires. */
export type Trainer = (
  config: TrainerInput,
  outDir: string,
  opts: { onProgress?: (p: { step: number; totalSteps: number; loss: number | null }) => void; signal?: AbortSignal },
) => Promise<TrainerOutcome>

export type PredictorFactory = (modelPath: string, opts: ModelPredictorOptions) => Promise<ModelPredictor>

export interface CustomizeDeps {
  onProgress?: (p: CustomizeProgress) => void
  signal?: AbortSignal
  /** Default: train/job.ts startTraining. */
  trainer?: Trainer
  /** Default: createStudentPredictor (the student exactly as `ask` runs it). */
  predictorFactory?: PredictorFactory
  /** Called with the adapter path when the run decides to activate it. */
  activate?: (adapterPath: string) => void | Promise<void>
  /**
   * The student's tokenizer and context size, so training prompts are fitted to the context exactly as `ask` fits
   * them. Default: loads the student with ModelEngine (as createStudentPredictor does).
   */
  studentProfile?: (modelPath: string) => Promise<LoadedStudentProfile>
  /** Skip the evaluate stage (e.g. no time); the result then has no decision. */
  skipEvaluate?: boolean
}

export interface LoadedStudentProfile {
  tokenCounter?: (text: string) => number
  contextSize?: number
  /** `ask` would use the chat form for this student; training uses the completion form (see studentPrompt.ts). */
  hasChatTemplate: boolean
  close(): Promise<void>
}

export interface CustomizeResult {
  outDir: string
  manifest: RunManifest
  adapterPath: string | null
  decision: { activate: boolean; activated: boolean; reason: string } | null
  evaluation: {
    base: { all: number | null; userItems: number | null }
    customized: { all: number | null; userItems: number | null }
  } | null
}
