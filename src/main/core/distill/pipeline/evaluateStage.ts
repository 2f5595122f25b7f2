// Stage "evaluate": the base student and the customized one (base + adapter) on the run's eval split, through the
// eval harness with the student exactly as `ask` runs it. Two figures per model: all eval items, and the user's
// own AddRef/FixIt items; the adapter is activated only when it is better on both.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { compareRuns, evaluateToFolder, type EvalItem, type EvalSet, type ItemRecord } from '../../eval'
import type { DatasetExample } from '../dataset/store'
import { writeAtomic } from './runDir'
import type { CustomizeProgress, CustomizeSettings, PredictorFactory } from './types'
import type { EvalFigures } from '../../../../shared/customize'

function accuracy(records: ItemRecord[]): number | null {
  const scored = records.filter((r) => r.verdict !== 'skipped')
  return scored.length ? scored.filter((r) => r.verdict === 'ok').length / scored.length : null
}

export function decide(base: EvalFigures, customized: EvalFigures): { activate: boolean; reason: string } {
  if (customized.all === null || base.all === null) return { activate: false, reason: 'nothing was evaluated' }
  if (customized.all <= base.all) return { activate: false, reason: `not better on the eval split (${pct(base.all)} → ${pct(customized.all)})` }
  if (base.userItems !== null && customized.userItems !== null && customized.userItems < base.userItems) {
    return { activate: false, reason: `worse on your own examples (${pct(base.userItems)} → ${pct(customized.userItems)})` }
  }
  return { activate: true, reason: `better on the eval split (${pct(base.all)} → ${pct(customized.all)})` }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}

export async function runEvaluateStage(input: {
  settings: CustomizeSettings
  eval: DatasetExample[]
  userIds: Set<string>
  adapterPath: string
  evalDir: string
  fresh: boolean
  predictorFactory: PredictorFactory
  signal?: AbortSignal
  onProgress?: (p: CustomizeProgress) => void
}): Promise<{ base: EvalFigures; customized: EvalFigures; decision: { activate: boolean; reason: string } }> {
  const { settings } = input
  if (input.fresh) rmSync(input.evalDir, { recursive: true, force: true })
  const items: EvalItem[] = input.eval
    .filter((e) => !e.excluded)
    .map((e) => ({ id: e.id, dbId: 'customize', question: e.question, gold: e.sql, ...(e.hardness !== 'unknown' ? { hardness: e.hardness } : {}) }))
  const set: EvalSet = { name: `customize/${settings.dbPath.split(/[\\/]/).pop()}`, items, dbResolver: () => settings.dbPath }
  const reports = []
  const figures: EvalFigures[] = []
  for (const [label, adapter] of [['base', undefined], ['customized', input.adapterPath]] as const) {
    // both models are asked with the run's prompt: its rules and the user's examples, as in training and in the app
    const prompt = { ...(settings.rules ? { rules: settings.rules } : {}), examples: settings.promptExamples ?? [] }
    const predictor = await input.predictorFactory(settings.studentModel, adapter ? { ...prompt, adapter } : prompt)
    try {
      const run = await evaluateToFolder({
        set,
        predict: predictor.predict,
        predictorName: adapter ? `${settings.studentModel} + adapter` : settings.studentModel,
        outDir: join(input.evalDir, label),
        timeoutMs: settings.queryTimeoutMs,
        resume: true,
        signal: input.signal,
        onProgress: (p) => input.onProgress?.({ stage: 'evaluate', done: p.done, total: p.total, message: label }),
      })
      reports.push(run.report)
      figures.push({ all: accuracy(run.records), userItems: accuracy(run.records.filter((r) => input.userIds.has(r.id))) })
    } finally {
      await predictor.close()
    }
  }
  const comparison = compareRuns(reports[0], reports[1])
  writeAtomic(join(input.evalDir, 'comparison.json'), JSON.stringify(comparison, null, 2) + '\n')
  const decision = decide(figures[0], figures[1])
  return { base: figures[0], customized: figures[1], decision }
}
