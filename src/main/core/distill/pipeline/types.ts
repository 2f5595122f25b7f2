// The "customize on my schema" run: options, the run.json manifest, progress events and the injected trainer.
import type { Hardness } from '../../eval/types'
import type { NonDegenerateOptions } from '../filters'
import type { Teacher } from '../../teacher/types'
import type { HardnessMix } from '../../teacher/synthesizer'
import type { ModelPredictor, ModelPredictorOptions } from '../../eval/predictors'
import type { TeacherConfig } from '../../../../shared/teacher'
import type { FewShotExample } from '../../prompt/build'
import type { CustomizeProgress, FixItPair, Scenario, TrainOptions, UserPair, Verdicts } from '../../../../shared/customize'
import type { TrainProgress } from '../../../../shared/train'
import type { PromptForm } from '../../../../shared/models'
import type { ChatMessage } from '../../prompt/build'

// The shapes the UI sees too (the manifest, stages, progress, result) live in src/shared/customize.ts.
export { STAGES, trainedAdapterPath } from '../../../../shared/customize'
export type {
  CustomizeProgress,
  CustomizeResult,
  CustomizeSettings,
  FilterCount,
  RunManifest,
  Scenario,
  StageExtras,
  StageName,
  StageRecord,
  StageRecords,
  StageStatus,
  TrainOptions,
  Verdicts,
} from '../../../../shared/customize'

export type { FixItPair, UserPair } from '../../../../shared/customize'

export interface CustomizeOptions {
  dbPath: string
  outDir: string
  teacher: Teacher | 'synth'
  /** How the teacher was made (plain data, no key), so any shell can make it again to resume the run. */
  teacherConfig?: TeacherConfig
  studentModel: string
  rules?: string
  /**
   * The user's examples the prompt policy puts in every student prompt (promptPolicy.userExamples): recorded with
   * the run, so training, evaluation and a resume all use the prompt the user was asked with when it started.
   */
  promptExamples?: FewShotExample[]
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
  /** How the synthesizer samples questions (default: its Spider-like hardness mix over every table). */
  synthesis?: SynthesisOptions
}

/** Steers the schema-grounded synthesizer, e.g. towards easy/medium questions for a very small student. */
export interface SynthesisOptions {
  mix?: Partial<HardnessMix>
  tables?: string[]
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

export interface FilteredItem extends SqlItem {
  verdicts: Verdicts
  split: 'train' | 'eval'
}

/** What the training stage hands to the trainer: the same shape as train/job.ts's config. */
/** One training example in the student's form: a plain-text prompt, or chat messages rendered by its template. */
export type TrainPair = ({ prompt: string } | { messages: ChatMessage[] }) & { completion: string }

export interface TrainerInput extends Omit<TrainOptions, 'planTargets'> {
  baseModel: string
  examples: TrainPair[]
  evalExamples: TrainPair[]
  seed: number
  /** The rules in the prompts; the adapter records them and the engine asks with them. */
  promptRules?: string
  /** The dialect the prompts asked for (the schema's engine): recorded in the adapter. */
  promptDialect?: string
}

export interface TrainerOutcome {
  adapterPath: string
  [key: string]: unknown
}

/** Trains into outDir; rejects with CANCELLED when the signal fires. */
export type Trainer = (
  config: TrainerInput,
  outDir: string,
  opts: {
    onProgress?: (p: { step: number; totalSteps: number; loss: number | null; examples?: TrainProgress['examples'] }) => void
    signal?: AbortSignal
  },
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
  promptForm?: PromptForm
  close(): Promise<void>
}

