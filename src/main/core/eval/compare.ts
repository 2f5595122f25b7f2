// Side-by-side comparison of two evaluation runs over the same questions: accuracy deltas and which items one
// run gets right that the other does not.
import { HARDNESS_LEVELS, type HardnessOrUnknown } from './types'
import type { Accuracy, EvalReport, ReportItem } from './report'

export const COMPARISON_SCHEMA_VERSION = 1

export interface AccuracyDelta {
  a: Accuracy
  b: Accuracy
  /** b − a in accuracy points (0..1 scale), null when either side evaluated nothing. */
  delta: number | null
}

export interface RunComparison {
  schemaVersion: typeof COMPARISON_SCHEMA_VERSION
  a: { source: string; predictor: string; createdAt: string }
  b: { source: string; predictor: string; createdAt: string }
  overall: AccuracyDelta
  byHardness: Record<HardnessOrUnknown, AccuracyDelta>
  /** Items both runs evaluated (neither skipped). */
  common: number
  /** Wrong in A, right in B. */
  fixed: ComparedItem[]
  /** Right in A, wrong in B. */
  broken: ComparedItem[]
  onlyInA: number
  onlyInB: number
}

export interface ComparedItem {
  id: string
  db_id: string
  hardness: HardnessOrUnknown
  verdictA: ReportItem['verdict']
  verdictB: ReportItem['verdict']
}

function delta(a: Accuracy, b: Accuracy): AccuracyDelta {
  return { a, b, delta: a.accuracy === null || b.accuracy === null ? null : b.accuracy - a.accuracy }
}

export function compareRuns(a: EvalReport, b: EvalReport): RunComparison {
  const levels: HardnessOrUnknown[] = [...HARDNESS_LEVELS, 'unknown']
  const bById = new Map(b.items.map((i) => [i.id, i]))
  const aIds = new Set(a.items.map((i) => i.id))
  const fixed: ComparedItem[] = []
  const broken: ComparedItem[] = []
  let common = 0
  for (const ia of a.items) {
    const ib = bById.get(ia.id)
    if (!ib || ia.verdict === 'skipped' || ib.verdict === 'skipped') continue
    common++
    const item = { id: ia.id, db_id: ia.db_id, hardness: ia.hardness, verdictA: ia.verdict, verdictB: ib.verdict }
    if (ia.verdict !== 'ok' && ib.verdict === 'ok') fixed.push(item)
    if (ia.verdict === 'ok' && ib.verdict !== 'ok') broken.push(item)
  }
  const head = (r: EvalReport): RunComparison['a'] => ({ source: r.source, predictor: r.predictor, createdAt: r.createdAt })
  return {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    a: head(a),
    b: head(b),
    overall: delta(a.ex.overall, b.ex.overall),
    byHardness: Object.fromEntries(levels.map((h) => [h, delta(a.ex.byHardness[h], b.ex.byHardness[h])])) as Record<
      HardnessOrUnknown,
      AccuracyDelta
    >,
    common,
    fixed,
    broken,
    onlyInA: a.items.filter((i) => !bById.has(i.id)).length,
    onlyInB: b.items.filter((i) => !aIds.has(i.id)).length,
  }
}
