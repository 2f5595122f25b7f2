// The teacher as the UI configures and uses it. A TeacherConfig is plain data kept in settings: it never holds an
// API key (keys live in the shell's SecretStore, or the SQLSTILL_TEACHER_API_KEY environment variable).
import type { ApiErrorShape } from './errors'
import type { ValidationClass } from './ask'
import type { QueryResult } from './query'

export type TeacherConfig =
  | { kind: 'local'; modelPath: string; contextSize?: number; threads?: number; temperature?: number; seed?: number }
  | {
      kind: 'openai'
      baseUrl: string
      model: string
      timeoutMs?: number
      retries?: number
      /** Requests in flight at once; absent: what the server says it runs (llama-server / SGLang), else 2. */
      concurrency?: number
      temperature?: number
      seed?: number
      /** What the server charges (USD per million tokens), so a run can show its cost. */
      pricing?: TeacherPricing
    }

export interface TeacherPricing {
  inputPerMillion: number
  outputPerMillion: number
}

export const TEACHER_API_KEY_ENV = 'SQLSTILL_TEACHER_API_KEY'

export interface TeacherTestResult {
  ok: boolean
  /** The server's model ids (HTTP teachers). */
  models?: string[]
  message: string
}

/** The teacher's answer to one question, validated and run exactly like the student's. */
export interface TeacherAnswer {
  teacherId: string
  question: string
  sql: string | null
  validation: ValidationClass
  error?: ApiErrorShape
  result: QueryResult | null
  totalMs: number
}

/** One side of `compare.results`: a result, or why the query did not give one. */
export type CompareSide = { ok: true; result: QueryResult } | { ok: false; error: ApiErrorShape }

export interface CompareResults {
  /** Same denotation under the official Spider rules (column order free; row order only with ORDER BY). */
  same: boolean
  orderMatters: boolean
  a: CompareSide
  b: CompareSide
  /**
   * Rows to highlight: indices into each side's rows that have no counterpart on the other side (as a multiset of
   * rows, compared with the column permutation that lines the columns up when there is one). Empty when same.
   */
  differingRows: { a: number[]; b: number[] }
}
