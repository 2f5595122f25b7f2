// The teacher: a stronger model the distillation pipeline asks for SQL (k samples, for execution-validated
// self-consistency), for a natural question given a SQL query (SQL-first synthesis), and for a verdict on whether a
// SQL answers a question (the LLM jury). One interface, two implementations: a local GGUF through ModelEngine
// (localTeacher.ts) and any OpenAI-compatible HTTP server (openaiTeacher.ts).
//
// Requests carry the structured Schema, never prompt text: the teacher builds its prompts with the prompt module
// (teacher/prompts.ts), so both implementations ask the same questions and the pipeline never formats text itself.
import { SqlstillError } from '../../../shared/errors'
import type { Schema } from '../../../shared/schema'
import type { FewShotExample } from '../prompt/build'

export interface TeacherSqlRequest {
  schema: Schema
  question: string
  /** Business rules for this database, one per line. */
  rules?: string
  examples?: FewShotExample[]
  /** How many samples to draw (k for self-consistency). At least 1. */
  n: number
  /** Sampling temperature. Default: the teacher's own (0.3 for both implementations). */
  temperature?: number
  /** Per sample. Default 384. */
  maxTokens?: number
  /** Token budget for the schema part of the prompt (schema linking prunes beyond it). Default 3,000. */
  schemaBudgetTokens?: number
  signal?: AbortSignal
}

export interface TeacherQuestionRequest {
  sql: string
  schema: Schema
  /**
   * What the query does in words, when the caller has it (e.g. the synthesizer's `describePlan(plan)`): helps a
   * teacher phrase joins and aggregates faithfully. Plain text so this interface does not depend on the planner.
   */
  plan?: string
  temperature?: number
  signal?: AbortSignal
}

export interface TeacherJudgeRequest {
  question: string
  sql: string
  schema: Schema
  signal?: AbortSignal
}

export interface TeacherVerdict {
  agrees: boolean
  /** The teacher's one-line reason, or 'unparseable' when its reply held no verdict (then agrees is false). */
  reason: string
  /** False when the reply could not be read as a verdict: a juror that said nothing usable never votes yes. */
  parsed: boolean
}

export interface Teacher {
  /** Stable id for records and caches, e.g. 'local:qwen2.5-coder-7b-q4_k_m.gguf' or 'openai:http://…/v1#model'. */
  readonly id: string
  /** One line for logs and the UI. */
  describe(): string
  /**
   * Exactly `n` entries, in sample order: the SQL extracted from each sample, or '' when a sample held no query
   * (the pipeline's statement filter drops those; keeping the slot keeps the self-consistency denominator honest).
   */
  generateSql(req: TeacherSqlRequest): Promise<string[]>
  /** A natural-language question the SQL answers; '' when the teacher's reply held none. */
  writeQuestion(req: TeacherQuestionRequest): Promise<string>
  /** Never throws for an unreadable reply: that is `{ agrees: false, reason: 'unparseable', parsed: false }`. */
  judge(req: TeacherJudgeRequest): Promise<TeacherVerdict>
  /** Releases the model / pending requests. Idempotent. */
  close(): Promise<void>
  /**
   * How many questions it answers at once: a server's parallel slots (found out from the server where it says),
   * 1 for a local model. The pipeline keeps that many in flight. Default 1.
   */
  concurrency?(): Promise<number>
  /** What it has cost so far (HTTP teachers): requests, tokens. */
  readonly usage?: TeacherUsage
}

export interface TeacherUsage {
  requests: number
  cacheHits: number
  retries: number
  /** From the servers' `usage` fields; 0 where a server does not report them. */
  promptTokens: number
  completionTokens: number
  /** In USD, when the teacher knows its prices. */
  costUsd?: number
}

export const DEFAULT_TEACHER_TEMPERATURE = 0.3
export const DEFAULT_TEACHER_MAX_TOKENS = 384
export const DEFAULT_TEACHER_SCHEMA_BUDGET = 3000

export function checkSampleCount(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new SqlstillError('BAD_REQUEST', `n must be an integer from 1 to 64 (got ${n})`)
  return n
}
