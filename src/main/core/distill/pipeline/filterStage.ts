// Stage "filters": every candidate goes through the checks in order, and each check counts what came in, what
// passed and why the rest failed. Per item: compile, only SELECT/WITH, identifiers exist, executes within the
// limit, non-degenerate result, LLM jury. Then over the set: dedupe, the seeded train/eval split, and leakage of
// training items into the evaluation split (the user's own items count as evaluation items).
import { createHash } from 'node:crypto'
import type { Schema } from '../../../../shared/schema'
import type { DatabaseHandle } from '../../db'
import {
  dedupe,
  executesWithin,
  identifiersExist,
  leakage,
  nonDegenerate,
  normalizeSql,
  onlySelect,
  parsesAndCompiles,
  type QuestionSql,
  type Verdict,
} from '../filters'
import type { Teacher } from '../../teacher/types'
import { bump, Checkpoint, reasonBucket, throwIfAborted } from './runDir'
import { callTeacher } from './teacherCall'
import type { CustomizeProgress, CustomizeSettings, FilterCount, FilteredItem, SqlItem, Verdicts } from './types'

export const ITEM_FILTERS = ['compile', 'only_select', 'identifiers', 'executes', 'non_degenerate', 'jury'] as const
export const SET_FILTERS = ['dedupe', 'leakage'] as const

export interface FilterStageInput {
  settings: CustomizeSettings
  schema: Schema
  db: DatabaseHandle
  teacher: Teacher | 'synth'
  items: SqlItem[]
  /** The user's AddRef/FixIt pairs: always evaluation items, so training copies of them are leakage. */
  userItems: QuestionSql[]
  checkpointFile: string
  signal?: AbortSignal
  onProgress?: (p: CustomizeProgress) => void
}

export interface FilterStageOutput {
  items: FilteredItem[]
  counts: Record<string, FilterCount>
  /** Items cut because the training split already held the target n. */
  overTarget: number
}

function emptyCount(): FilterCount {
  return { in: 0, pass: 0, fail: 0, reasons: {} }
}

function tally(count: FilterCount, verdict: Verdict, bucket?: string): void {
  count.in++
  if (verdict.pass) count.pass++
  else {
    count.fail++
    bump(count.reasons, bucket ?? reasonBucket(verdict.reason))
  }
}

export function juryEnabled(settings: CustomizeSettings, teacher: Teacher | 'synth'): boolean {
  return teacher !== 'synth' && settings.jury
}

/** The seeded split key: depends on the seed and the SQL only, so it survives reordering and resumes. */
function splitKey(seed: number, sql: string): string {
  return createHash('sha256').update(`${seed}:${normalizeSql(sql)}`).digest('hex')
}

export async function applyFilters(input: FilterStageInput): Promise<FilterStageOutput> {
  const { settings, schema, db, teacher, signal } = input
  const counts: Record<string, FilterCount> = {}
  const useJury = juryEnabled(settings, teacher)
  for (const f of [...ITEM_FILTERS, ...SET_FILTERS]) if (f !== 'jury' || useJury) counts[f] = emptyCount()
  const checkpoint = new Checkpoint<{ verdicts: Verdicts; buckets: Record<string, string> }>(input.checkpointFile)
  const executes = executesWithin(settings.queryTimeoutMs)

  const survivors: { item: SqlItem; verdicts: Verdicts }[] = []
  for (let i = 0; i < input.items.length; i++) {
    throwIfAborted(signal, 'filters')
    input.onProgress?.({ stage: 'filters', done: i, total: input.items.length })
    const item = input.items[i]
    let record = checkpoint.get(item.id)
    if (!record) {
      const verdicts: Verdicts = {}
      const buckets: Record<string, string> = {}
      const checks: [string, () => Promise<Verdict & { bucket?: string }>][] = [
        ['compile', () => parsesAndCompiles(item.sql, db)],
        ['only_select', async () => onlySelect(item.sql)],
        ['identifiers', () => identifiersExist(item.sql, schema, db)],
        [
          'executes',
          async () => {
            const ran = await executes(item.sql, db)
            if (!ran.pass || !ran.result) return ran
            const nd = nonDegenerate(ran.result, { ...settings.nonDegenerate, question: item.question })
            // non-degeneracy is judged on the same execution; recorded as its own filter below
            return { pass: true, nonDegenerate: nd } as Verdict & { nonDegenerate: Verdict }
          },
        ],
      ]
      let nd: Verdict | undefined
      let failed = false
      for (const [name, check] of checks) {
        const v = (await check()) as Verdict & { nonDegenerate?: Verdict }
        if (v.nonDegenerate) nd = v.nonDegenerate
        verdicts[name] = v.reason ? { pass: v.pass, reason: v.reason } : { pass: v.pass }
        if (!v.pass) {
          failed = true
          break
        }
      }
      if (!failed && nd) {
        verdicts.non_degenerate = nd.reason ? { pass: nd.pass, reason: nd.reason } : { pass: nd.pass }
        failed = !nd.pass
      }
      if (!failed && useJury && teacher !== 'synth') {
        const reply = await callTeacher(
          (s) => teacher.judge({ question: item.question, sql: item.sql, schema, signal: s }),
          settings.teacherTimeoutMs,
          signal,
          'filters',
        )
        if (!reply.ok) {
          verdicts.jury = { pass: false, reason: `${reply.error}: ${reply.message}` }
          buckets.jury = reply.error
        } else if (!reply.value.parsed) {
          verdicts.jury = { pass: false, reason: 'unparseable verdict' }
          buckets.jury = 'unparseable'
        } else {
          verdicts.jury = reply.value.agrees ? { pass: true, reason: reply.value.reason } : { pass: false, reason: `disagrees: ${reply.value.reason}` }
          if (!reply.value.agrees) buckets.jury = 'disagrees'
        }
      }
      record = { verdicts, buckets }
      checkpoint.put(item.id, record)
    }
    for (const name of ITEM_FILTERS) {
      const v = record.verdicts[name]
      if (v && counts[name]) tally(counts[name], v, record.buckets[name])
    }
    if (Object.values(record.verdicts).every((v) => v.pass)) survivors.push({ item, verdicts: record.verdicts })
  }
  input.onProgress?.({ stage: 'filters', done: input.items.length, total: input.items.length })

  const deduped = dedupe(survivors.map((s) => ({ question: s.item.question, sql: s.item.sql, s })))
  deduped.verdicts.forEach((v) =>
    tally(counts.dedupe, v, v.pass ? undefined : v.reason?.startsWith('duplicate SQL') ? 'duplicate_sql' : 'near_duplicate_question'),
  )
  const unique = deduped.kept.map((k) => ({ ...k.s, verdicts: { ...k.s.verdicts, dedupe: { pass: true } } as Verdicts }))

  // Seeded split of the synthetic items: the lowest split keys (a fixed fraction) are held out for evaluation.
  const ranked = unique.map((u, i) => ({ i, key: splitKey(settings.seed, u.item.sql) })).sort((a, b) => (a.key < b.key ? -1 : 1))
  let evalCount = Math.round(unique.length * settings.evalFraction)
  if (settings.evalFraction > 0 && evalCount === 0 && unique.length >= 2) evalCount = 1
  const evalIndexes = new Set(ranked.slice(0, evalCount).map((r) => r.i))
  const evalItems = unique.filter((_, i) => evalIndexes.has(i))
  const trainItems = unique.filter((_, i) => !evalIndexes.has(i))

  const leak = leakage(
    trainItems.map((t) => ({ question: t.item.question, sql: t.item.sql, t })),
    [...evalItems.map((e) => ({ question: e.item.question, sql: e.item.sql })), ...input.userItems],
  )
  leak.verdicts.forEach((v) => tally(counts.leakage, v))
  // When over the target, the FixIt variations are kept first: they aim at what the student got wrong.
  const cleanTrain = leak.kept.map((k) => k.t)
  const byPriority = [...cleanTrain.filter((t) => t.item.scenario === 'fix_it'), ...cleanTrain.filter((t) => t.item.scenario !== 'fix_it')]
  const overTarget = Math.max(0, cleanTrain.length - settings.n)

  const items: FilteredItem[] = [
    ...byPriority.slice(0, settings.n).map((t) => ({ ...t.item, verdicts: { ...t.verdicts, leakage: { pass: true } }, split: 'train' as const })),
    ...evalItems.map((e) => ({ ...e.item, verdicts: e.verdicts, split: 'eval' as const })),
  ]
  return { items, counts, overTarget }
}
