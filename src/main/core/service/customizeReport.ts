// customize.report: what a run's evaluate stage measured (the two eval reports, boiled down for the UI) and its
// training loss curve, read from the run folder so a run reopened later shows the same picture as a live one.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CustomizeEvalSummary, CustomizeReport, LossPoint, TrainingFacts } from '../../../shared/customize'
import type { TrainResult } from '../../../shared/train'
import { compareRuns, readReport, REPORT_JSON, type EvalReport } from '../eval'
import { customizationStatus } from '../distill/pipeline'
import { EVALUATE_DIR, readJsonl, TRAIN_DIR } from '../distill/pipeline/runDir'
import { METRICS_FILE } from '../train/files'

function summary(report: EvalReport): CustomizeEvalSummary {
  return {
    predictor: report.predictor,
    totals: report.totals,
    overall: report.ex.overall,
    byHardness: report.ex.byHardness,
    failures: report.failures,
  }
}

function readIfThere(file: string): EvalReport | null {
  return existsSync(file) ? readReport(file) : null
}

/** The loss curve from the job's metrics (a line cut short by a kill mid-write is skipped by readJsonl). */
function lossCurve(file: string): LossPoint[] {
  const points: LossPoint[] = []
  for (const m of readJsonl<{ step?: unknown; epoch?: unknown; loss?: unknown; evalLoss?: unknown }>(file)) {
    if (typeof m.step !== 'number' || typeof m.loss !== 'number') continue
    points.push({ step: m.step, epoch: typeof m.epoch === 'number' ? m.epoch : 0, loss: m.loss, ...(typeof m.evalLoss === 'number' ? { evalLoss: m.evalLoss } : {}) })
  }
  return points
}

/** The trainer's own result (train/result.json), when training finished; runs from before it recorded these: null. */
function trainingFacts(file: string): TrainingFacts | null {
  if (!existsSync(file)) return null
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<TrainResult>
    if (!r.device || !r.tokens || r.peakRssBytes === undefined) return null
    return {
      device: r.device,
      steps: r.steps ?? 0,
      seconds: r.seconds ?? 0,
      examplesPerSecond: r.examplesPerSecond ?? 0,
      completionTokensPerSecond: r.completionTokensPerSecond ?? 0,
      peakRssBytes: r.peakRssBytes,
      tokens: r.tokens,
      skippedTooLong: r.examples?.skippedTooLong ?? 0,
      finalEvalLoss: typeof r.finalEvalLoss === 'number' ? r.finalEvalLoss : null,
      evalExamples: r.examples?.eval ?? 0,
      evalSkipped: r.examples?.evalSkipped ?? 0,
    }
  } catch {
    return null
  }
}

export function readCustomizeReport(given: string): CustomizeReport {
  const outDir = resolve(given)
  const manifest = customizationStatus(outDir) // NOT_FOUND / BAD_REQUEST unless this is a run folder
  // Reports left from an evaluation that a dataset edit made stale are not this run's answer any more.
  const evaluated = manifest.stages.evaluate.status === 'done'
  const base = evaluated ? readIfThere(join(outDir, EVALUATE_DIR, 'base', REPORT_JSON)) : null
  const customized = evaluated ? readIfThere(join(outDir, EVALUATE_DIR, 'customized', REPORT_JSON)) : null
  const comparison = base && customized ? compareRuns(base, customized) : null
  return {
    base: base ? summary(base) : null,
    customized: customized ? summary(customized) : null,
    fixed: comparison?.fixed.length ?? 0,
    broken: comparison?.broken.length ?? 0,
    loss: lossCurve(join(outDir, TRAIN_DIR, METRICS_FILE)),
    training: manifest.stages.train.status === 'done' ? trainingFacts(join(outDir, TRAIN_DIR, 'result.json')) : null,
  }
}
