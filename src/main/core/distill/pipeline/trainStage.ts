// Stage "train": (prompt, completion) pairs with exactly the inference prompt, handed to the trainer.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Schema } from '../../../../shared/schema'
import type { TrainProgress } from '../../../../shared/train'
import type { DatabaseHandle } from '../../db'
import type { DatasetExample } from '../dataset/store'
import { JOB_FILE } from '../../train/files'
import { throwIfAborted } from './runDir'
import { completionFor, studentPrompter, type StudentProfile } from './studentPrompt'
import type { CustomizeProgress, CustomizeSettings, LoadedStudentProfile, Trainer, TrainerInput, TrainerOutcome } from './types'

export async function trainingPairs(
  examples: DatasetExample[],
  db: Pick<DatabaseHandle, 'path' | 'name' | 'compile' | 'query'>,
  schema: Schema,
  settings: CustomizeSettings,
  profile?: StudentProfile,
): Promise<{ prompt: string; completion: string }[]> {
  const prompt = studentPrompter(db, schema, settings.rules, profile)
  const out: { prompt: string; completion: string }[] = []
  for (const e of examples) {
    if (e.excluded) continue
    out.push({ prompt: await prompt(e.question), completion: completionFor(e.sql, e.planText, settings.train.planTargets) })
  }
  return out
}

export async function runTrainStage(input: {
  settings: CustomizeSettings
  train: DatasetExample[]
  eval: DatasetExample[]
  db: DatabaseHandle
  schema: Schema
  trainer: Trainer
  trainDir: string
  profile?: StudentProfile
  signal?: AbortSignal
  onProgress?: (p: CustomizeProgress) => void
}): Promise<{ outcome: TrainerOutcome; examples: number; evalExamples: number }> {
  const { settings } = input
  throwIfAborted(input.signal, 'train')
  const examples = await trainingPairs(input.train, input.db, input.schema, settings, input.profile)
  const evalExamples = await trainingPairs(input.eval, input.db, input.schema, settings, input.profile)
  const t = settings.train
  const config: TrainerInput = {
    baseModel: settings.studentModel,
    examples,
    evalExamples,
    seed: settings.seed,
    ...(t.rank !== undefined ? { rank: t.rank } : {}),
    ...(t.alpha !== undefined ? { alpha: t.alpha } : {}),
    ...(t.targets !== undefined ? { targets: t.targets } : {}),
    ...(t.learningRate !== undefined ? { learningRate: t.learningRate } : {}),
    ...(t.epochs !== undefined ? { epochs: t.epochs } : {}),
    ...(t.maxLength !== undefined ? { maxLength: t.maxLength } : {}),
    ...(t.batchSize !== undefined ? { batchSize: t.batchSize } : {}),
    ...(t.maxSteps !== undefined ? { maxSteps: t.maxSteps } : {}),
    ...(t.threads !== undefined ? { threads: t.threads } : {}),
    ...(t.kid ? { kid: t.kid } : {}),
  }
  const outcome = await input.trainer(config, input.trainDir, {
    signal: input.signal,
    onProgress: (p) => {
      // Before the first step (tokenizing) there is nothing to count yet.
      if (p.totalSteps > 0) input.onProgress?.({ stage: 'train', done: p.step, total: p.totalSteps, message: p.loss === null ? undefined : `loss ${p.loss.toFixed(3)}` })
    },
  })
  return { outcome, examples: examples.length, evalExamples: evalExamples.length }
}

/** The student's tokenizer and context as `createStudentPredictor` loads it. */
export async function loadStudentProfile(modelPath: string): Promise<LoadedStudentProfile> {
  const { ModelEngine } = await import('../../llm')
  const engine = await ModelEngine.load(modelPath)
  return {
    tokenCounter: engine.tokenCounter,
    contextSize: engine.contextSize,
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
