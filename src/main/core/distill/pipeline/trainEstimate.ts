// Before a customization starts: how long its training should take on this machine. Nothing is guessed from
// hardware figures: the newest run of the same student that finished training here measured its speed (the
// trainer's train/result.json and train/metrics.jsonl), and that speed is scaled to the new run's size.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { TrainEstimate } from '../../../../shared/customize'
import { SqlstillError } from '../../../../shared/errors'
import type { TrainResult } from '../../../../shared/train'
import { METRICS_FILE } from '../../train/files'
import { CUSTOMIZE_RUNS_DIR, readJson, readJsonl, readManifest, TRAIN_DIR } from './runDir'

export const NO_MEASUREMENT_REASON =
  'No customization of this student has finished training on this machine yet: the first customization measures the training speed.'

export interface TrainEstimateRequest {
  /** The app's data dir; its customize/ folder holds the runs. */
  dataDir: string
  /** The student model file: only runs that trained this same file count (another model trains at another speed). */
  studentPath: string
  /** Training examples of the new run and its epochs. */
  examples: number
  epochs: number
  /** The new run's step cap, when it has one. */
  maxSteps?: number
}

interface Measurement {
  runId: string
  examples: number
  epochs: number
  secondsPerExampleEpoch: number
  /** Examples one optimizer step trained (the batch), for a new run's step cap. */
  examplesPerStep: number
  measuredAt: string
}

type Metric = { step?: unknown; examples?: unknown }

const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0

/**
 * What one finished run measured, or null when it cannot tell (not a run, another student, training not done,
 * result.json missing or not the trainer's). A resumed run's result.json describes its last session only — the
 * steps from `resumedFromStep` on and that session's seconds — so the speed is that session's; the earlier
 * sessions' time is not in it, and their steps are not counted either.
 */
function measure(outDir: string, runId: string, student: string): Measurement | null {
  let result: Partial<TrainResult>
  let finishedAt: string | undefined
  try {
    const manifest = readManifest(outDir)
    if (resolve(manifest.settings.studentModel) !== student || manifest.stages.train.status !== 'done') return null
    finishedAt = manifest.stages.train.finishedAt
    result = readJson<Partial<TrainResult>>(join(outDir, TRAIN_DIR, 'result.json'))
  } catch {
    return null // an unreadable run.json or result.json measures nothing; older runs may still
  }
  if (typeof result !== 'object' || result === null) return null
  const { steps, seconds, epochs } = result
  const trained = result.examples?.train
  const from = result.resumedFromStep ?? 0
  if (!positive(steps) || !positive(seconds) || !positive(epochs) || !positive(trained)) return null
  if (typeof from !== 'number' || from < 0 || from >= steps) return null

  // The examples this session trained, step by step as the trainer logged them; without the log, the run's
  // example-epochs spread evenly over its steps.
  const metrics = readJsonl<Metric>(join(outDir, TRAIN_DIR, METRICS_FILE)).filter(
    (m): m is { step: number; examples: number } => typeof m.step === 'number' && m.step > from && m.step <= steps && positive(m.examples),
  )
  const sessionSteps = steps - from
  const logged = metrics.length === sessionSteps
  const perStep = (trained * epochs) / steps
  const sessionExamples = logged ? metrics.reduce((sum, m) => sum + m.examples, 0) : sessionSteps * perStep
  const examplesPerStep = logged ? Math.max(...metrics.map((m) => m.examples)) : Math.ceil(perStep)
  let measuredAt = finishedAt
  if (!measuredAt) {
    try {
      measuredAt = statSync(join(outDir, TRAIN_DIR, 'result.json')).mtime.toISOString()
    } catch {
      return null
    }
  }
  return { runId, examples: trained, epochs, secondsPerExampleEpoch: seconds / sessionExamples, examplesPerStep, measuredAt }
}

/** The newest measurement of this student among the data dir's runs, or null. */
export function newestMeasurement(dataDir: string, studentPath: string): Measurement | null {
  const root = join(dataDir, CUSTOMIZE_RUNS_DIR)
  if (!existsSync(root)) return null
  const student = resolve(studentPath)
  let newest: Measurement | null = null
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const m = measure(join(root, entry.name), entry.name, student)
    if (m && (!newest || m.measuredAt > newest.measuredAt)) newest = m
  }
  return newest
}

/**
 * Seconds the new run's training should take: the measured seconds per example-epoch times its example-epochs.
 * The steps are counted as the trainer counts them (batches per epoch × epochs, up to the step cap), with the
 * measured run's batch. The measured seconds include the trainer's fixed costs (loading the model, tokenizing,
 * the final evaluation), so a run much larger than the measured one is estimated a little high.
 */
export function estimateTraining(request: TrainEstimateRequest): TrainEstimate {
  const count = (x: number | undefined) => x === undefined || (Number.isInteger(x) && x >= 1)
  if (!count(request.examples) || !count(request.epochs) || !count(request.maxSteps)) {
    throw new SqlstillError('BAD_REQUEST', 'A training estimate needs whole numbers of examples, epochs and steps, each at least 1.', {
      examples: request.examples,
      epochs: request.epochs,
      maxSteps: request.maxSteps,
    })
  }
  const basis = newestMeasurement(request.dataDir, request.studentPath)
  if (!basis) return { seconds: null, reason: NO_MEASUREMENT_REASON }
  const stepsPerEpoch = Math.ceil(request.examples / basis.examplesPerStep)
  const steps = Math.min(request.maxSteps ?? Number.POSITIVE_INFINITY, request.epochs * stepsPerEpoch)
  const exampleEpochs = (steps * request.examples) / stepsPerEpoch
  const { examplesPerStep: _batch, ...shown } = basis
  return { seconds: basis.secondsPerExampleEpoch * exampleEpochs, basis: shown }
}
