// Any adapter (one trained elsewhere and imported, or an older one) judged exactly like a run's own: on the run's
// eval split, asked with the run's prompt (rules, the user's examples), against the run's base figures, with the
// same decision rule. The base's records are reused from the run's evaluation (read back, not predicted again).
import { cpSync, existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { SqlstillError } from '../../../../shared/errors'
import type { EvalFigures } from '../../../../shared/customize'
import { readSplit } from '../dataset/store'
import { runEvaluateStage } from './evaluateStage'
import { EVALUATE_DIR, readManifest } from './runDir'
import type { CustomizeProgress, PredictorFactory } from './types'

export interface AdapterEvaluation {
  adapterPath: string
  base: EvalFigures
  customized: EvalFigures
  decision: { activate: boolean; reason: string }
  /** Where the reports are: base/, customized/, comparison.json. */
  evalDir: string
}

export async function evaluateAdapterOnRun(options: {
  runDir: string
  adapterPath: string
  predictorFactory?: PredictorFactory
  signal?: AbortSignal
  onProgress?: (p: CustomizeProgress) => void
}): Promise<AdapterEvaluation> {
  const manifest = readManifest(options.runDir)
  if (manifest.stages.dataset.status !== 'done') {
    throw new SqlstillError('BAD_REQUEST', `The run in ${options.runDir} has no eval split yet (its dataset stage is ${manifest.stages.dataset.status}).`)
  }
  if (!existsSync(options.adapterPath)) throw new SqlstillError('NOT_FOUND', `adapter not found: ${options.adapterPath}`, { path: options.adapterPath })
  const evalSet = readSplit(options.runDir, 'eval')
  const userIds = new Set(evalSet.filter((e) => e.origin === 'user').map((e) => e.id))
  const evalDir = join(options.runDir, 'evaluate-adapters', basename(options.adapterPath).replace(/[^\w.-]+/g, '_'))
  const runBase = join(options.runDir, EVALUATE_DIR, 'base')
  // the base was asked already in this run, with this prompt: its records are resumed, not predicted again
  if (existsSync(runBase) && !existsSync(join(evalDir, 'base'))) cpSync(runBase, join(evalDir, 'base'), { recursive: true })
  const factory = options.predictorFactory ?? (await import('../../ask/evalPredictor')).createStudentPredictor
  const out = await runEvaluateStage({
    settings: manifest.settings,
    eval: evalSet,
    userIds,
    adapterPath: options.adapterPath,
    evalDir,
    fresh: false,
    predictorFactory: factory,
    signal: options.signal,
    onProgress: options.onProgress,
  })
  return { adapterPath: options.adapterPath, ...out, evalDir }
}
