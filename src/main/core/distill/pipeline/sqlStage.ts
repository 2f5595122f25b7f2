// Stage "sql": k teacher samples per question, each executed; execution-validated self-consistency keeps a SQL
// from the largest group of samples that return the same result, and records the agreement ratio. With the
// synthesizer as teacher its own SQL is the answer (k = 1), and a FixIt rephrasing keeps the user's SQL.
import type { Schema } from '../../../../shared/schema'
import type { DatabaseHandle } from '../../db'
import type { FewShotExample } from '../../prompt/build'
import { selfConsistency } from '../filters'
import type { StageExtras } from '../../../../shared/customize'
import type { Teacher } from '../../teacher/types'
import { bump, Checkpoint, throwIfAborted } from './runDir'
import { callTeacher } from './teacherCall'
import type { CustomizeProgress, CustomizeSettings, QuestionItem, SqlItem } from './types'

/** What one question came to; checkpointed so a resume does not ask the teacher again. */
type SqlOutcome =
  | { ok: true; sql: string; agreement: number; samples: number; groups: number[][] }
  | { ok: false; reason: string; message?: string }

export interface SqlStageInput {
  settings: CustomizeSettings
  schema: Schema
  db: DatabaseHandle
  teacher: Teacher | 'synth'
  questions: QuestionItem[]
  examples: FewShotExample[]
  checkpointFile: string
  signal?: AbortSignal
  onProgress?: (p: CustomizeProgress) => void
}

/** How fast the teacher answered in this session of the stage, and what it cost: recorded in the stage's extra. */
export type SqlStageThroughput = NonNullable<StageExtras['sql']['throughput']>

export async function buildSql(
  input: SqlStageInput,
): Promise<{ items: SqlItem[]; dropped: Record<string, number>; agreement: Record<string, number>; throughput: SqlStageThroughput }> {
  const { settings, teacher, db, signal } = input
  const checkpoint = new Checkpoint<SqlOutcome>(input.checkpointFile)
  const items: SqlItem[] = []
  const dropped: Record<string, number> = {}
  const agreement: Record<string, number> = {}
  const execute = async (sql: string) => {
    if (!sql.trim()) throw new Error('empty sample')
    return db.query(sql, { timeoutMs: settings.queryTimeoutMs, maxRows: 10_000 })
  }
  const ask = async (q: QuestionItem): Promise<SqlOutcome> => {
    if (teacher === 'synth' || q.origin === 'fix_it_rephrase') return { ok: true, sql: q.sourceSql ?? '', agreement: 1, samples: 1, groups: [[0]] }
    const reply = await callTeacher(
      (s) =>
        teacher.generateSql({
          schema: input.schema,
          question: q.question,
          rules: settings.rules || undefined,
          examples: input.examples,
          n: settings.k,
          temperature: settings.temperature,
          signal: s,
        }),
      settings.teacherTimeoutMs,
      signal,
      'sql',
    )
    if (!reply.ok) return { ok: false, reason: reply.error, message: reply.message }
    if (!Array.isArray(reply.value) || reply.value.every((s) => typeof s !== 'string' || !s.trim())) return { ok: false, reason: 'no_sql_in_samples' }
    const samples = reply.value.map((s) => ({ sql: typeof s === 'string' ? s.trim() : '' }))
    const consistent = await selfConsistency(samples, execute)
    throwIfAborted(signal, 'sql')
    return consistent.sql === null
      ? { ok: false, reason: 'no_sample_ran' }
      : { ok: true, sql: consistent.sql, agreement: consistent.ratio, samples: samples.length, groups: consistent.groups }
  }

  // As many questions in flight as the teacher runs at once (a server's parallel slots): a multi-GPU server is
  // kept busy instead of answering one question at a time. Each answer is checkpointed as it comes, so a resume
  // asks only what is missing; the items are assembled in question order afterwards, whatever order answers came in.
  const total = input.questions.length
  const concurrency = teacher === 'synth' ? 1 : Math.max(1, Math.min(64, (await teacher.concurrency?.()) ?? 1))
  const usageBefore = teacher === 'synth' ? undefined : teacher.usage && { ...teacher.usage }
  const outcomes: (SqlOutcome | undefined)[] = input.questions.map((q) => checkpoint.get(q.id))
  const todo = outcomes.flatMap((o, i) => (o ? [] : [i]))
  const started = Date.now()
  let done = total - todo.length
  let asked = 0
  const rate = () => {
    const seconds = (Date.now() - started) / 1000
    return asked > 0 && seconds > 0 ? asked / seconds : null
  }
  input.onProgress?.({ stage: 'sql', done, total })
  let cursor = 0
  const worker = async () => {
    while (cursor < todo.length) {
      throwIfAborted(signal, 'sql')
      const i = todo[cursor++]!
      const outcome = await ask(input.questions[i]!)
      checkpoint.put(input.questions[i]!.id, outcome)
      outcomes[i] = outcome
      done++
      asked++
      const r = rate()
      input.onProgress?.({ stage: 'sql', done, total, message: r !== null && teacher !== 'synth' ? `${r.toFixed(2)} questions/s · ${concurrency} at once` : undefined })
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, todo.length)) }, worker))

  for (const [i, q] of input.questions.entries()) {
    const outcome = outcomes[i]!
    if (!outcome.ok) {
      bump(dropped, outcome.reason)
      continue
    }
    bump(agreement, outcome.agreement.toFixed(2))
    items.push({ ...q, sql: outcome.sql, agreement: outcome.agreement, samples: outcome.samples })
  }
  input.onProgress?.({ stage: 'sql', done: total, total })
  const seconds = (Date.now() - started) / 1000
  const after = teacher === 'synth' ? undefined : teacher.usage
  const usage =
    after && usageBefore
      ? {
          requests: after.requests - usageBefore.requests,
          cacheHits: after.cacheHits - usageBefore.cacheHits,
          retries: after.retries - usageBefore.retries,
          promptTokens: after.promptTokens - usageBefore.promptTokens,
          completionTokens: after.completionTokens - usageBefore.completionTokens,
          ...(after.costUsd !== undefined ? { costUsd: after.costUsd - (usageBefore.costUsd ?? 0) } : {}),
        }
      : undefined
  return { items, dropped, agreement, throughput: { concurrency, asked, seconds, questionsPerSecond: rate(), ...(usage ? { usage } : {}) } }
}
