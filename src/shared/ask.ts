// A question asked of the student: its attempts, validation class, result summary and the user's verdict.
import type { ApiErrorShape } from './errors'
import type { PromptForm } from './models'
import type { QueryResult } from './query'

export type ValidationClass = 'no_sql' | 'syntax' | 'unknown_identifier' | 'runtime_error' | 'empty_result' | 'ok'

export interface AskAttempt {
  kind: 'initial' | 'repair'
  /** What the model wrote. */
  output: string
  sql: string | null
  validation: ValidationClass
  error?: ApiErrorShape
  promptTokens: number
  reusedPromptTokens: number
  generatedTokens: number
  timeToFirstTokenMs: number
  totalMs: number
  tokensPerSecond: number
}

export interface ResultSummary {
  columns: string[]
  rowCount: number
  truncated: boolean
  /** The first few rows, for the history list. */
  preview: QueryResult['rows']
}

export interface AskRecord {
  id: string
  createdAt: string
  dbPath: string
  dbName: string
  question: string
  /** The chosen query (the better of the attempts), null when the model wrote none. */
  sql: string | null
  validation: ValidationClass
  error?: ApiErrorShape
  attempts: AskAttempt[]
  modelId: string
  adapterId: string | null
  promptForm: PromptForm
  /** Prompt tokens of the first attempt. */
  promptTokens: number
  schemaTables: string[]
  schemaPruned: boolean
  timeToFirstTokenMs: number
  totalMs: number
  tokensPerSecond: number
  result: ResultSummary | null
}

export type Verdict = 'right' | 'wrong'

export interface Feedback {
  verdict: Verdict
  /** The SQL that answers the question, when the user supplied it (becomes a FixIt example). */
  correctedSql?: string
  at: string
}

export type HistoryItem = AskRecord & { feedback?: Feedback }

export interface AskOutcome {
  record: AskRecord
  /** The full result of the chosen query (the record keeps only a summary). */
  result: QueryResult | null
}
