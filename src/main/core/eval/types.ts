// The evaluation data model: what goes in (items, predictions) and what each item comes out as (records).
// Records are written one JSON line each, so every field here is plain JSON.

export const HARDNESS_LEVELS = ['easy', 'medium', 'hard', 'extra'] as const
export type Hardness = (typeof HARDNESS_LEVELS)[number]
/** 'unknown' when the gold SQL is outside what the Spider counting rules can parse. */
export type HardnessOrUnknown = Hardness | 'unknown'

/** Why a prediction did not score, shared with inference-time validation of generated SQL. */
export const FAILURE_CLASSES = [
  'no_sql', // the model produced nothing that looks like SQL (or the predictor failed)
  'parse', // SQLite rejected the syntax (or more than one statement)
  'unknown_identifier', // no such table / column / function
  'runtime_error', // it compiled but failed while running (or tried to write)
  'timeout',
  'wrong_result', // ran, but the result differs from the gold result
  'empty', // ran and returned no rows where the gold result has rows
] as const
export type FailureClass = (typeof FAILURE_CLASSES)[number]
export type Verdict = 'ok' | FailureClass | 'skipped'

export interface EvalItem {
  /** Stable within its source (the position in the questions file), so resumed runs can recognise it. */
  id: string
  dbId: string
  question: string
  gold: string
  /** Known hardness (Spider dev ships one); computed from the gold SQL when absent. */
  hardness?: Hardness
}

export interface Prediction {
  sql: string
  /** Time to first token, ms. */
  ttftMs?: number
  /** Whole generation time, ms. */
  totalMs?: number
  tokensPerSecond?: number
  promptTokens?: number
}

export interface ItemRecord {
  id: string
  db_id: string
  question: string
  gold: string
  pred: string | null
  hardness: HardnessOrUnknown
  verdict: Verdict
  /** The error text for failures that have one, or why an item was skipped. */
  detail?: string
  ttftMs?: number
  totalMs?: number
  tokensPerSecond?: number
  promptTokens?: number
  /** Time spent executing gold + prediction, ms. */
  execMs?: number
}
