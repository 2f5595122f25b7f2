// Pure helpers for the customize views: stage names in words, run states, the wizard's input checks.
import type { RunState, StageExtras, StageName, StageStatus, TrainEstimate } from '../../../shared/customize'
import { formatCount } from './format'
import type { RequestOf } from '../../../shared/api'
import type { TeacherConfig } from '../../../shared/teacher'
import { formatRoughDuration } from './units'

export const STAGE_LABELS: Record<StageName, { title: string; what: string }> = {
  info: { title: 'Your input', what: 'rules, reference examples and History marks, each checked against the database' },
  questions: { title: 'Questions', what: 'questions written for this schema, near-duplicates removed' },
  sql: { title: 'SQL', what: 'the teacher\'s SQL per question, executed; self-consistency keeps the majority answer' },
  filters: { title: 'Filters', what: 'compiles, read-only, identifiers exist, runs in time, non-degenerate, jury, dedupe, leakage' },
  dataset: { title: 'Dataset', what: 'train / eval split with provenance; your own examples are in both' },
  train: { title: 'Training', what: 'LoRA fine-tuning of the student by the native trainer' },
  evaluate: { title: 'Evaluation', what: 'base vs. customized student on the held-out eval split' },
}

export const STATE_CHIP: Record<RunState | StageStatus, string> = {
  pending: 'chip--muted',
  running: 'chip--info',
  done: 'chip--ok',
  failed: 'chip--bad',
  cancelled: 'chip--warn',
  stopped: 'chip--warn',
}

export function teacherLabel(config: TeacherConfig | null): string | null {
  if (!config) return null
  if (config.kind === 'local') return `local model ${config.modelPath.split(/[\\/]/).pop()}`
  return `${config.model} at ${config.baseUrl}`
}

export function teacherIdLabel(id: string): string {
  if (id === 'synth') return 'built-in synthesizer'
  return id.replace(/^local:/, 'local ').replace(/^openai:/, '')
}

type TeacherThroughput = NonNullable<StageExtras['sql']['throughput']>

function duration(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`
}

/**
 * The SQL stage's teacher facts, in the order a user sizing a 10,000-pair run asks them: how many at a time, how
 * fast, how many tokens, what it cost. A cost is shown only when the teacher has prices (the local model and a
 * server without pricing cost nothing we could know), and then to the cent, or to 4 decimals below a cent.
 */
export function teacherThroughputParts(t: TeacherThroughput): string[] {
  const parts = [`${formatCount(t.concurrency)} at a time`]
  parts.push(`${formatCount(t.asked)} asked in ${duration(t.seconds)}`)
  if (t.questionsPerSecond !== null) parts.push(`${t.questionsPerSecond >= 10 ? Math.round(t.questionsPerSecond) : t.questionsPerSecond.toFixed(2)} questions/s`)
  const u = t.usage
  if (u) {
    const req = [`${formatCount(u.requests)} requests`]
    if (u.cacheHits) req.push(`${formatCount(u.cacheHits)} from the cache`)
    if (u.retries) req.push(`${formatCount(u.retries)} retried`)
    parts.push(req.join(', '))
    parts.push(`${formatCount(u.promptTokens)} prompt + ${formatCount(u.completionTokens)} completion tokens`)
    if (u.costUsd !== undefined) parts.push(`$${u.costUsd >= 0.01 || u.costUsd === 0 ? u.costUsd.toFixed(2) : u.costUsd.toFixed(4)}`)
  }
  return parts
}

export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`
}

export interface RefPair {
  question: string
  sql: string
}

/** The wizard's form, as typed (strings for numbers, so a half-typed value is not lost). */
export interface WizardForm {
  teacher: 'synth' | 'configured'
  n: string
  k: string
  rules: string
  refs: RefPair[]
  useHistory: boolean
  pauseBeforeTraining: boolean
  epochs: string
  maxSteps: string
  /** Longest prompt + SQL in tokens; empty: the longest example, within the student's context. */
  maxLength: string
  kidOn: boolean
  kidAlpha: string
  planTargets: boolean
  evalFraction: string
  seed: string
}

export const DEFAULT_FORM: WizardForm = {
  teacher: 'synth',
  n: '300',
  k: '3',
  rules: '',
  refs: [],
  useHistory: true,
  pauseBeforeTraining: false,
  epochs: '2',
  maxSteps: '',
  maxLength: '',
  kidOn: false,
  kidAlpha: '0.2',
  planTargets: false,
  evalFraction: '0.1',
  seed: '',
}

type StartRequest = RequestOf<'customize.start'>
export type FormErrors = Partial<Record<'n' | 'k' | 'epochs' | 'maxSteps' | 'maxLength' | 'kidAlpha' | 'evalFraction' | 'seed' | 'refs', string>>

function int(text: string, min: number, max: number): number | null {
  const t = text.trim()
  if (!/^-?\d+$/.test(t)) return null
  const v = Number(t)
  return v >= min && v <= max ? v : null
}

function num(text: string, ok: (x: number) => boolean): number | null {
  const t = text.trim()
  if (!t) return null
  const v = Number(t)
  return Number.isFinite(v) && ok(v) ? v : null
}

/** The start request for a form, or what is wrong with it, field by field. */
export function buildStartRequest(dbId: string, form: WizardForm): { request: StartRequest | null; errors: FormErrors } {
  const errors: FormErrors = {}
  const n = int(form.n, 1, 100_000)
  if (n === null) errors.n = 'A whole number from 1 to 100,000.'
  const k = form.teacher === 'configured' ? int(form.k, 1, 64) : 1
  if (k === null) errors.k = 'A whole number from 1 to 64.'
  const epochs = int(form.epochs, 1, 100)
  if (epochs === null) errors.epochs = 'A whole number from 1 to 100.'
  const maxSteps = form.maxSteps.trim() ? int(form.maxSteps, 1, 1_000_000) : undefined
  if (maxSteps === null) errors.maxSteps = 'Empty (no limit) or a whole number ≥ 1.'
  const maxLength = form.maxLength.trim() ? int(form.maxLength, 64, 131_072) : undefined
  if (maxLength === null) errors.maxLength = 'Empty (fit the examples) or a whole number of tokens from 64.'
  const kidAlpha = form.kidOn ? num(form.kidAlpha, (x) => x >= 0 && x <= 1) : undefined
  if (kidAlpha === null) errors.kidAlpha = 'A fraction from 0 to 1.'
  const evalFraction = num(form.evalFraction, (x) => x >= 0 && x < 1)
  if (evalFraction === null) errors.evalFraction = 'A fraction from 0 up to (not including) 1.'
  const seed = form.seed.trim() ? int(form.seed, -2_147_483_648, 2_147_483_647) : undefined
  if (seed === null) errors.seed = 'Empty or a whole number.'
  const refs = form.refs.map((r) => ({ question: r.question.trim(), sql: r.sql.trim() }))
  if (refs.some((r) => !r.question || !r.sql)) errors.refs = 'Every reference example needs both a question and its SQL (or remove it).'
  if (Object.keys(errors).length) return { request: null, errors }
  return {
    request: {
      dbId,
      teacher: form.teacher,
      n: n!,
      ...(form.teacher === 'configured' ? { k: k! } : {}),
      ...(form.rules.trim() ? { rules: form.rules.trim() } : {}),
      ...(refs.length ? { addRef: refs } : {}),
      useHistory: form.useHistory,
      epochs: epochs!,
      ...(maxSteps !== undefined ? { maxSteps: maxSteps! } : {}),
      ...(maxLength !== undefined ? { maxLength: maxLength! } : {}),
      ...(kidAlpha !== undefined ? { kid: { alpha: kidAlpha! } } : {}),
      ...(form.planTargets ? { planTargets: true } : {}),
      evalFraction: evalFraction!,
      ...(seed !== undefined ? { seed: seed! } : {}),
    },
    errors,
  }
}

/**
 * The training the form asks for, as `customize.estimate` sizes it: up to n synthesized training pairs plus the
 * user's own examples (the references, and the History marks when they are used), over the form's epochs and step
 * cap. Null while those fields are not valid numbers.
 */
export function estimateRequest(form: WizardForm, marks: { right: number; corrected: number } | null): RequestOf<'customize.estimate'> | null {
  const n = int(form.n, 1, 100_000)
  const epochs = int(form.epochs, 1, 100)
  const maxSteps = form.maxSteps.trim() ? int(form.maxSteps, 1, 1_000_000) : undefined
  if (n === null || epochs === null || maxSteps === null) return null
  const own = form.refs.filter((r) => r.question.trim() && r.sql.trim()).length + (form.useHistory && marks ? marks.right + marks.corrected : 0)
  return { examples: n + own, epochs, ...(maxSteps !== undefined ? { maxSteps } : {}) }
}

/** The wizard's one line about how long training will take. */
export function estimateLine(estimate: TrainEstimate): string {
  if (estimate.seconds === null) return 'No measurement yet: the first customization on this machine measures the training speed'
  const { runId, examples, epochs } = estimate.basis
  return `Training ≈ ${formatRoughDuration(estimate.seconds)} on this machine (measured on run ${runId}: ${examples} examples × ${epochs} epoch${epochs === 1 ? '' : 's'})`
}
