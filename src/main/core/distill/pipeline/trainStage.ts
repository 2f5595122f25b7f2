// Stage "train": (prompt, completion) pairs with exactly the inference prompt, in the student's form, handed to the trainer.
import { ENGINE_DIALECTS } from '../../../../shared/engine'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Schema } from '../../../../shared/schema'
import type { TrainProgress } from '../../../../shared/train'
import type { DatasetExample } from '../dataset/store'
import { JOB_FILE } from '../../train/files'
import { throwIfAborted } from './runDir'
import { completionFor, studentPrompter, type StudentProfile } from './studentPrompt'
import type { CustomizeProgress, CustomizeSettings, LoadedStudentProfile, TrainPair, Trainer, TrainerInput, TrainerOutcome } from './types'

export function trainingPairs(
  examples: DatasetExample[],
  schema: Schema,
  settings: Pick<CustomizeSettings, 'rules' | 'promptExamples' | 'train'>,
  profile?: StudentProfile,
): TrainPair[] {
  const prompt = studentPrompter(schema, { rules: settings.rules, examples: settings.promptExamples ?? [] }, profile)
  const form = profile?.promptForm ?? 'completion'
  return examples
    .filter((e) => !e.excluded)
    .map((e) => ({ ...prompt(e.question), completion: completionFor(e.sql, e.planText, settings.train.planTargets, form) }))
}

export async function runTrainStage(input: {
  settings: CustomizeSettings
  train: DatasetExample[]
  eval: DatasetExample[]
  schema: Schema
  trainer: Trainer
  trainDir: string
  profile?: StudentProfile
  signal?: AbortSignal
  onProgress?: (p: CustomizeProgress) => void
}): Promise<{ outcome: TrainerOutcome; examples: number; evalExamples: number; fit: TrainFit | null }> {
  const { settings } = input
  throwIfAborted(input.signal, 'train')
  const examples = trainingPairs(input.train, input.schema, settings, input.profile)
  const evalExamples = trainingPairs(input.eval, input.schema, settings, input.profile)
  // undefined options take the trainer's defaults (its zod schema)
  const { planTargets: _planTargets, ...options } = settings.train
  const maxLength = options.maxLength ?? fittingMaxLength([...examples, ...evalExamples], input.profile)
  const config: TrainerInput = {
    ...options,
    baseModel: settings.studentModel,
    examples,
    evalExamples,
    seed: settings.seed,
    maxLength,
    promptRules: settings.rules.trim() ? settings.rules : undefined,
    promptDialect: ENGINE_DIALECTS[input.schema.engine ?? 'sqlite'],
  }
  let fit: TrainFit | undefined
  const outcome = await input.trainer(config, input.trainDir, {
    signal: input.signal,
    onProgress: (p) => {
      if (p.examples && !fit) {
        // before the first step: what is trained on and what does not fit, said once
        fit = { ...p.examples }
        const left = fit.skippedTooLong ? `; ${fit.skippedTooLong} longer than ${fit.maxLength} tokens are left out` : ''
        input.onProgress?.({ stage: 'train', done: 0, total: null, message: `${fit.train} examples of up to ${fit.maxLength} tokens${left}` })
      }
      if (p.totalSteps > 0) input.onProgress?.({ stage: 'train', done: p.step, total: p.totalSteps, message: p.loss === null ? undefined : `loss ${p.loss.toFixed(3)}` })
    },
  })
  return { outcome, examples: examples.length, evalExamples: evalExamples.length, fit: fit ?? null }
}

export type TrainFit = NonNullable<TrainProgress['examples']>

/** Tokens a chat template adds around the messages (role markers), an upper estimate as ask() makes it. */
const CHAT_TEMPLATE_SLACK = 40

/** Tokens the longest training prompt + completion (+ EOS) has for the student, within the student's context. */
export function fittingMaxLength(examples: TrainPair[], profile?: StudentProfile): number | undefined {
  const count = profile?.tokenCounter
  if (!count || examples.length === 0) return undefined
  let longest = 0
  for (const e of examples) {
    const tokens = 'messages' in e ? count(e.messages.map((m) => m.content).join('\n') + e.completion) + CHAT_TEMPLATE_SLACK : count(e.prompt + e.completion)
    longest = Math.max(longest, tokens + 2)
  }
  const rounded = Math.ceil(longest / 64) * 64
  return profile.contextSize ? Math.min(profile.contextSize, rounded) : rounded
}

/** The student's tokenizer, context and prompt form as `createStudentPredictor` loads it. */
export async function loadStudentProfile(modelPath: string): Promise<LoadedStudentProfile> {
  const { ModelEngine } = await import('../../llm')
  const engine = await ModelEngine.load(modelPath)
  return {
    tokenCounter: engine.tokenCounter,
    contextSize: engine.contextSize,
    promptForm: engine.promptForm,
    close: () => engine.dispose(),
  }
}

/**
 * The trainer of the app: train/job.ts in its child process, resuming a job that was stopped in trainDir.
 * `onMetrics` sees every step's full metrics (the app forwards them to the live loss chart).
 */
export function jobTrainerWith(onMetrics?: (p: TrainProgress, trainDir: string) => void): Trainer {
  return async (config, trainDir, opts) => {
    const job = await import('../../train/job')
    const jobOpts = {
      signal: opts.signal,
      onProgress: (p: TrainProgress) => {
        onMetrics?.(p, trainDir)
        opts.onProgress?.(p)
      },
    }
    const result = existsSync(join(trainDir, JOB_FILE))
      ? await job.resumeTraining(trainDir, jobOpts)
      : await job.startTraining(config as Parameters<typeof job.startTraining>[0], trainDir, jobOpts)
    return { ...result, adapterPath: result.adapterPath }
  }
}

export const jobTrainer: Trainer = jobTrainerWith()
