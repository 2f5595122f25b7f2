// Stage "sql": k teacher samples per question, each executed; execution-validated self-consistency keeps a SQL
// from the largest group of samples that return the same result, and records the agreement ratio. With the
// synthesizer as teacher its own SQL is the answer (k = 1), and a FixIt rephrasing keeps the user's SQL.
import type { Schema } from '../../../../shared/schema'
import type { DatabaseHandle } from '../../db'
import type { FewShotExample } from '../../prompt/build'
import { selfConsistency } from '../filters'
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

export async function buildSql(input: SqlStageInput): Promise<{ items: SqlItem[]; dropped: Record<string, number>; agreement: Record<string, number> }> {
  const { settings, teacher, db, signal } = input
  const checkpoint = new Checkpoint<SqlOutcome>(input.checkpointFile)
  const items: SqlItem[] = []
  const dropped: Record<string, number> = {}
  const agreement: Record<string, number> = {}
  const execute = async (sql: string) => {
    if (!sql.trim()) throw new Error('empty sample')
    return db.query(sql, { timeoutMs: settings.queryTimeoutMs, maxRows: 10_000 })
  }
  for (let i = 0; i < input.questions.length; i++) {
    throwIfAborted(signal, 'sql')
    input.onProgress?.({ stage: 'sql', done: i, total: input.questions.length })
    const q = input.questions[i]
    let outcome = checkpoint.get(q.id)
    if (!outcome) {
      if (teacher === 'synth' || q.origin === 'fix_it_rephrase') {
        outcome = { ok: true, sql: q.sourceSql ?? '', agreement: 1, samples: 1, groups: [[0]] }
      } else {
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
        if (!reply.ok) outcome = { ok: false, reason: reply.error, message: reply.message }
        else if (!Array.isArray(reply.value) || reply.value.every((s) => typeof s !== 'string' || !s.trim())) {
          outcome = { ok: false, reason: 'no_sql_in_samples' }
        } else {
          const samples = reply.value.map((s) => ({ sql: typeof s === 'string' ? s.trim() : '' }))
          const consistent = await selfConsistency(samples, execute)
          throwIfAborted(signal, 'sql')
          outcome =
            consistent.sql === null
              ? { ok: false, reason: 'no_sample_ran' }
              : { ok: true, sql: consistent.sql, agreement: consistent.ratio, samples: samples.length, groups: consistent.groups }
        }
      }
      checkpoint.put(q.id, outcome)
    }
    if (!outcome.ok) {
      bump(dropped, outcome.reason)
      continue
    }
    bump(agreement, outcome.agreement.toFixed(2))
    items.push({ ...q, sql: outcome.sql, agreement: outcome.agreement, samples: outcome.samples })
  }
  input.onProgress?.({ stage: 'sql', done: input.questions.length, total: input.questions.length })
  return { items, dropped, agreement }
}
