// Question → SQL → checked result: build the prompt, generate, extract, validate against the database, and when
// that fails, one repair round that shows the model its query and the error.
import { basename } from 'node:path'
import { SqlstillError, toErrorShape } from '../../../shared/errors'
import type { QueryResult } from '../../../shared/query'
import type { PromptForm } from '../../../shared/models'
import type { Schema } from '../../../shared/schema'
import { DEFAULT_ANSWER_MAX_TOKENS } from '../../../shared/settings'
import type { DatabaseHandle } from '../db'
import type { GenerateOptions, GenerateResult, PromptInput } from '../llm/engine'
import type { BuiltPrompt, ChatMessage, FewShotExample } from '../prompt/build'
import { buildPrompt, buildRepairPrompt } from '../prompt/build'
import { DEFAULT_SCHEMA_BUDGET } from '../prompt/link'
import type { TokenCounter } from '../prompt/tokens'
import { extractSql } from './extract'
import type { AskHistory } from './history'
import { newRecordId } from './history'
import type { AskAttempt, AskRecord, ResultSummary } from './types'
import type { Validation } from './validate'
import { CLASS_RANK, REPAIRABLE, validateSql } from './validate'
import type { AskOutcome } from '../../../shared/ask'
export type { AskOutcome }

/** What ask() needs from a model: the ModelEngine satisfies it. */
export interface SqlGenerator {
  readonly modelId: string
  readonly adapterId: string | null
  /** The form the model expects (ModelEngine.promptForm: a fine-tuned adapter's, else chat when it has a template). */
  readonly promptForm: PromptForm
  readonly tokenCounter?: TokenCounter
  /** The context size in tokens, so the prompt can be fitted to it. */
  readonly contextSize?: number
  generate(prompt: PromptInput, options?: GenerateOptions): Promise<GenerateResult>
}

export interface AskOptions {
  generator: SqlGenerator
  db: Pick<DatabaseHandle, 'path' | 'name' | 'schema' | 'compile' | 'query'>
  question: string
  rules?: string
  examples?: FewShotExample[]
  /** Token budget for the schema part of the prompt (default 1,500). */
  schemaBudget?: number
  /** One repair round when the first query fails (default true). */
  repair?: boolean
  /** 'auto' uses the generator's own form. */
  promptForm?: 'auto' | PromptForm
  maxTokens?: number
  temperature?: number
  queryTimeoutMs?: number
  maxRows?: number
  signal?: AbortSignal
  /** Streaming text of each attempt (0 = first, 1 = repair). */
  onTextChunk?: (text: string, attempt: number) => void
  onAttempt?: (attempt: AskAttempt) => void
  /** When given, the record is appended to this history. */
  history?: AskHistory
}


const MIN_SCHEMA_BUDGET = 50
/** Tokens a chat template adds around the messages (role markers), an upper estimate. */
const CHAT_TEMPLATE_SLACK = 40
const PREVIEW_ROWS = 20

// The schema object is re-sent for every question (over IPC it is a new object each time); keeping the first
// one per fingerprint lets the linker's per-schema index be built once.
const schemaByFingerprint = new Map<string, Schema>()
function stableSchema(schema: Schema): Schema {
  const known = schemaByFingerprint.get(schema.fingerprint)
  if (known && known.tables.length === schema.tables.length) return known
  if (schemaByFingerprint.size > 16) schemaByFingerprint.delete(schemaByFingerprint.keys().next().value!)
  schemaByFingerprint.set(schema.fingerprint, schema)
  return schema
}

function summarize(result: QueryResult | undefined): ResultSummary | null {
  if (!result) return null
  return {
    columns: result.columns.map((c) => c.name),
    rowCount: result.rowCount,
    truncated: result.truncated,
    preview: result.rows.slice(0, PREVIEW_ROWS),
  }
}

/** What a prompt is built from: the question and schema, and what the prompt policy (promptPolicy.ts) adds. */
export interface PromptOptions extends Pick<AskOptions, 'question' | 'rules' | 'examples' | 'schemaBudget' | 'promptForm'> {
  generator: Pick<SqlGenerator, 'promptForm' | 'tokenCounter' | 'contextSize'>
  schema: Schema
}

/** A question's prompt in the model's form, fitted to its context; what ask() sends and training trains on. */
export interface PreparedPrompt {
  form: PromptForm
  built: BuiltPrompt
  input: PromptInput
  /** Stop strings of the completion form (the chat form stops at the template's end of turn). */
  stops: string[]
  /** The repair prompt after a failed first answer, fitted to the context the same way. */
  repair(failure: RepairFailure): PromptInput
}

export interface RepairFailure {
  failedSql: string
  error: string
}

export function preparePrompt(options: PromptOptions): PreparedPrompt {
  const question = options.question.trim()
  if (!question) throw new SqlstillError('BAD_REQUEST', 'The question is empty')
  const { generator, schema } = options
  const form: PromptForm = options.promptForm && options.promptForm !== 'auto' ? options.promptForm : generator.promptForm
  const build = (budgetTokens: number) =>
    buildPrompt({
      schema,
      question,
      rules: options.rules,
      examples: options.examples,
      link: { budgetTokens, countTokens: generator.tokenCounter },
    })
  // A schema budget larger than the context allows would only fail: shrink it by the overflow (a few rounds, as
  // linking only approximates a budget). `render` gives the text the model will see, so the longer repair
  // prompt is fitted the same way.
  const count = generator.tokenCounter
  const fit = (render: (p: BuiltPrompt) => string): BuiltPrompt => {
    let budget = options.schemaBudget ?? DEFAULT_SCHEMA_BUDGET
    let built = build(budget)
    if (!generator.contextSize || !count) return built
    // The room kept for the answer is the default answer length, not the user's setting: the prompt must be the
    // one the student was trained with whatever answer length is set (a longer answer is capped by the engine
    // at what the context has left).
    const room = generator.contextSize - Math.min(DEFAULT_ANSWER_MAX_TOKENS, generator.contextSize / 4)
    for (let round = 0; round < 3; round++) {
      const size = count(render(built)) + (form === 'chat' ? CHAT_TEMPLATE_SLACK : 1)
      if (size <= room || budget <= MIN_SCHEMA_BUDGET) break
      budget = Math.max(MIN_SCHEMA_BUDGET, Math.min(budget, built.linked.tokens) - (size - room))
      built = build(budget)
    }
    return built
  }
  const built = fit((p) => (form === 'chat' ? p.system + p.user : p.completion))
  return {
    form,
    built,
    input: form === 'chat' ? { messages: built.messages as ChatMessage[] } : built.completion,
    stops: form === 'completion' ? built.completionStops : [],
    repair(failure) {
      const renderRepair = (p: BuiltPrompt) => {
        const r = buildRepairPrompt(p, failure)
        return form === 'chat' ? r.messages.map((m) => m.content).join('\n') : r.completion
      }
      const repair = buildRepairPrompt(fit(renderRepair), failure)
      return form === 'chat' ? { messages: repair.messages } : repair.completion
    },
  }
}

export async function ask(options: AskOptions): Promise<AskOutcome> {
  const started = performance.now()
  const question = options.question.trim()
  const { generator, db, signal } = options
  // preparePrompt refuses an empty question
  const prepared = preparePrompt({ ...options, question, schema: stableSchema(await db.schema()) })
  const { form, built: prompt } = prepared
  const maxTokens = options.maxTokens ?? DEFAULT_ANSWER_MAX_TOKENS

  const queryOptions = { timeoutMs: options.queryTimeoutMs, maxRows: options.maxRows }
  const attempts: { attempt: AskAttempt; validation: Validation }[] = []

  const run = async (kind: AskAttempt['kind'], input: PromptInput, stops: string[]) => {
    const index = attempts.length
    const generated = await generator.generate(input, {
      maxTokens,
      temperature: options.temperature ?? 0,
      stop: stops,
      signal,
      onTextChunk: options.onTextChunk ? (t) => options.onTextChunk!(t, index) : undefined,
    })
    const sql = extractSql(generated.text)
    if (signal?.aborted) throw new SqlstillError('CANCELLED', 'Cancelled')
    const validation = await validateSql(db, sql, queryOptions)
    const attempt: AskAttempt = {
      kind,
      output: generated.text,
      sql,
      validation: validation.class,
      ...(validation.error ? { error: validation.error } : {}),
      promptTokens: generated.promptTokens,
      reusedPromptTokens: generated.reusedPromptTokens,
      generatedTokens: generated.generatedTokens,
      timeToFirstTokenMs: generated.timeToFirstTokenMs,
      totalMs: generated.totalMs,
      tokensPerSecond: generated.tokensPerSecond,
    }
    attempts.push({ attempt, validation })
    options.onAttempt?.(attempt)
    return attempt
  }

  const first = await run('initial', prepared.input, prepared.stops)
  if (options.repair !== false && REPAIRABLE.has(first.validation)) {
    const failure = {
      failedSql: first.sql ?? first.output,
      error: first.error?.message ?? 'The answer contained no SQL query.',
    }
    try {
      // building the repair prompt is inside: one that cannot be made to fit fails like one that cannot run
      await run('repair', prepared.repair(failure), prepared.stops)
    } catch (err) {
      // A repair that cannot run (e.g. the longer prompt no longer fits) leaves the first answer standing.
      const error = toErrorShape(err)
      if (error.code === 'CANCELLED') throw err
      const attempt: AskAttempt = {
        kind: 'repair',
        output: '',
        sql: null,
        validation: 'no_sql',
        error,
        promptTokens: 0,
        reusedPromptTokens: 0,
        generatedTokens: 0,
        timeToFirstTokenMs: 0,
        totalMs: 0,
        tokensPerSecond: 0,
      }
      attempts.push({ attempt, validation: { class: 'no_sql', error } })
      options.onAttempt?.(attempt)
    }
  }

  // The better attempt wins; on a tie the later one (the model saw the error), unless it never ran.
  let best = attempts[0]
  for (const a of attempts.slice(1)) {
    const ran = a.attempt.promptTokens > 0
    if (CLASS_RANK[a.validation.class] > CLASS_RANK[best.validation.class] || (ran && CLASS_RANK[a.validation.class] === CLASS_RANK[best.validation.class])) best = a
  }
  const total = performance.now() - started
  const generatedTokens = attempts.reduce((s, a) => s + a.attempt.generatedTokens, 0)
  const generationMs = attempts.reduce((s, a) => s + a.attempt.totalMs, 0)

  const record: AskRecord = {
    id: newRecordId(),
    createdAt: new Date().toISOString(),
    dbPath: db.path,
    dbName: db.name || basename(db.path),
    question,
    sql: best.attempt.sql,
    validation: best.validation.class,
    ...(best.validation.error ? { error: best.validation.error } : {}),
    attempts: attempts.map((a) => a.attempt),
    modelId: generator.modelId,
    adapterId: generator.adapterId,
    promptForm: form,
    promptTokens: first.promptTokens,
    schemaTables: prompt.linked.views.map((v) => v.table.name),
    schemaPruned: prompt.linked.pruned,
    timeToFirstTokenMs: first.timeToFirstTokenMs,
    totalMs: total,
    tokensPerSecond: generationMs > 0 ? (generatedTokens / generationMs) * 1000 : 0,
    result: summarize(best.validation.result),
  }
  if (options.history) {
    try {
      options.history.append(record)
    } catch (err) {
      // The answer matters more than its history entry; report the failure on the record instead of losing both.
      record.error ??= { ...toErrorShape(err), message: `Could not save history: ${toErrorShape(err).message}` }
    }
  }
  return { record, result: best.validation.result ?? null }
}
