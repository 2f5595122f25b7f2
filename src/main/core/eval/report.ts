// The JSON report of one evaluation run. Its shape is versioned (schemaVersion) because other runs, the UI and
// `eval compare` read reports written by older builds.
import { FAILURE_CLASSES, HARDNESS_LEVELS, type FailureClass, type HardnessOrUnknown, type ItemRecord, type Verdict } from './types'

export const REPORT_SCHEMA_VERSION = 1

export interface Accuracy {
  correct: number
  /** Items that were evaluated (skipped ones are not counted). */
  total: number
  /** correct / total, or null when nothing was evaluated. */
  accuracy: number | null
}

export interface Distribution {
  n: number
  p50: number | null
  p90: number | null
  mean: number | null
  min: number | null
  max: number | null
}

export interface Histogram {
  metric: 'totalMs' | 'execMs'
  /** Bin i covers [edges[i], edges[i+1]). */
  edges: number[]
  counts: number[]
}

export interface ReportItem {
  id: string
  db_id: string
  hardness: HardnessOrUnknown
  verdict: Verdict
}

export interface EvalReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION
  createdAt: string
  /** The question set, e.g. "spider/dev". */
  source: string
  /** What produced the predictions (a model file, "gold" for the self-test). */
  predictor: string
  options: { limit?: number; dbFilter?: string[]; timeoutMs: number }
  totals: { items: number; evaluated: number; skipped: number; correct: number }
  ex: { overall: Accuracy; byHardness: Record<HardnessOrUnknown, Accuracy> }
  failures: Record<FailureClass, number>
  skipReasons: Record<string, number>
  latency: {
    ttftMs: Distribution
    totalMs: Distribution
    tokensPerSecond: Distribution
    promptTokens: Distribution
    execMs: Distribution
    histogram: Histogram
  }
  /** The per-item results (JSONL), relative to the report file when they sit beside it. */
  itemsFile: string
  items: ReportItem[]
}

export interface ReportMeta {
  source: string
  predictor: string
  timeoutMs: number
  limit?: number
  dbFilter?: string[]
  itemsFile: string
  createdAt?: Date
}

function accuracy(correct: number, total: number): Accuracy {
  return { correct, total, accuracy: total > 0 ? correct / total : null }
}

/** Nearest-rank percentile on sorted values (the same rule every run uses, so runs compare). */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function distribution(values: number[]): Distribution {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return { n: 0, p50: null, p90: null, mean: null, min: null, max: null }
  return {
    n: v.length,
    p50: percentile(v, 50),
    p90: percentile(v, 90),
    mean: v.reduce((a, b) => a + b, 0) / v.length,
    min: v[0],
    max: v[v.length - 1],
  }
}

/** Ten equal bins from 0 to the largest value, rounded up to a readable bound. */
export function histogram(values: number[], metric: Histogram['metric']): Histogram {
  const v = values.filter((x) => Number.isFinite(x) && x >= 0)
  const bins = 10
  const max = v.length ? Math.max(...v) : 0
  const step = niceStep(max / bins)
  const edges = Array.from({ length: bins + 1 }, (_, i) => round(i * step))
  const counts = new Array<number>(bins).fill(0)
  for (const x of v) counts[Math.min(bins - 1, Math.floor(x / step))]++
  return { metric, edges, counts }
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  const nice = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((n) => norm <= n) ?? 10
  return nice * mag
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6
}

export function buildReport(records: ItemRecord[], meta: ReportMeta): EvalReport {
  const evaluated = records.filter((r) => r.verdict !== 'skipped')
  const correct = evaluated.filter((r) => r.verdict === 'ok').length
  const levels: HardnessOrUnknown[] = [...HARDNESS_LEVELS, 'unknown']
  const byHardness = Object.fromEntries(
    levels.map((h) => {
      const of = evaluated.filter((r) => r.hardness === h)
      return [h, accuracy(of.filter((r) => r.verdict === 'ok').length, of.length)]
    }),
  ) as Record<HardnessOrUnknown, Accuracy>
  const failures = Object.fromEntries(
    FAILURE_CLASSES.map((c) => [c, records.filter((r) => r.verdict === c).length]),
  ) as Record<FailureClass, number>
  const skipReasons: Record<string, number> = {}
  for (const r of records) {
    if (r.verdict !== 'skipped') continue
    const reason = skipReason(r.detail)
    skipReasons[reason] = (skipReasons[reason] ?? 0) + 1
  }
  const pick = (key: 'ttftMs' | 'totalMs' | 'tokensPerSecond' | 'promptTokens' | 'execMs'): number[] =>
    evaluated.flatMap((r) => (typeof r[key] === 'number' ? [r[key] as number] : []))
  const totalMs = pick('totalMs')
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    createdAt: (meta.createdAt ?? new Date()).toISOString(),
    source: meta.source,
    predictor: meta.predictor,
    options: {
      ...(meta.limit !== undefined ? { limit: meta.limit } : {}),
      ...(meta.dbFilter ? { dbFilter: meta.dbFilter } : {}),
      timeoutMs: meta.timeoutMs,
    },
    totals: { items: records.length, evaluated: evaluated.length, skipped: records.length - evaluated.length, correct },
    ex: { overall: accuracy(correct, evaluated.length), byHardness },
    failures,
    skipReasons,
    latency: {
      ttftMs: distribution(pick('ttftMs')),
      totalMs: distribution(totalMs),
      tokensPerSecond: distribution(pick('tokensPerSecond')),
      promptTokens: distribution(pick('promptTokens')),
      execMs: distribution(pick('execMs')),
      // Generation time when the predictor reports it; otherwise execution time, so the chart is never blank.
      histogram: totalMs.length > 0 ? histogram(totalMs, 'totalMs') : histogram(pick('execMs'), 'execMs'),
    },
    itemsFile: meta.itemsFile,
    items: records.map((r) => ({ id: r.id, db_id: r.db_id, hardness: r.hardness, verdict: r.verdict })),
  }
}

/** Groups skip details into a few reasons (the database name or error text would make every one unique). */
function skipReason(detail: string | undefined): string {
  if (!detail) return 'other'
  if (/not found/.test(detail)) return 'database missing'
  if (/cannot be opened/.test(detail)) return 'database unreadable'
  if (/gold query fails/.test(detail)) return 'gold query fails'
  return 'other'
}

/** Checks the parts of a report file that readers depend on; older or foreign files get a clear error. */
export function isEvalReport(value: unknown): value is EvalReport {
  const r = value as EvalReport
  return (
    typeof r === 'object' &&
    r !== null &&
    r.schemaVersion === REPORT_SCHEMA_VERSION &&
    typeof r.totals?.items === 'number' &&
    typeof r.ex?.overall === 'object' &&
    Array.isArray(r.items)
  )
}
