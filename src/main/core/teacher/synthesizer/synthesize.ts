// Schema-grounded SQL synthesis: sample plans from the query families, keep only SQL that runs quickly and
// returns a non-degenerate result, label each with the official Spider hardness, steer the mix towards the
// target and cover every table and FK edge when the count allows.
import { SqlstillError } from '../../../../shared/errors'
import type { QueryResult } from '../../../../shared/query'
import type { Schema } from '../../../../shared/schema'
import { computeHardness } from '../../eval/hardness'
import { HARDNESS_LEVELS, type Hardness } from '../../eval/types'
import { jaccard, NEAR_DUPLICATE_JACCARD, questionTokens } from '../../distill/filters/normalize'
import { FAMILIES, type Family } from './families'
import { allPlanTables, describePlan, planToSql, type QueryPlan } from './plan'
import { seededRng } from './prng'
import { profileDatabase, type DbProfile, type FkEdge, type SqlExecutor } from './profile'
import { renderQuestion } from './render'

const MISSES_BEFORE_GIVING_UP = 300

export type HardnessMix = Record<Hardness, number>

/** Close to Spider dev's spread. */
export const DEFAULT_MIX: HardnessMix = { easy: 0.25, medium: 0.4, hard: 0.2, extra: 0.15 }

export interface SynthesizeOptions {
  schema: Schema
  db: SqlExecutor
  count: number
  seed: number | string
  mix?: Partial<HardnessMix>
  /** Restrict synthesis to these tables. */
  tables?: string[]
  /** Per-statement limit; slower statements are dropped (default 2000 ms). */
  timeoutMs?: number
  /** Results with more rows are dropped as unhelpful (default 500). */
  maxResultRows?: number
}

export interface SynthesizedPair {
  question: string
  sql: string
  hardness: Hardness
  family: string
  tables: string[]
  plan: QueryPlan
  /** describePlan(plan): a Struct-SQL-style target. */
  planText: string
  rowCount: number
}

export interface SynthesisStats {
  attempts: number
  rejected: Record<string, number>
  uncoveredTables: string[]
  uncoveredEdges: string[]
  byHardness: Record<Hardness, number>
}

export async function synthesize(opts: SynthesizeOptions): Promise<SynthesizedPair[]> {
  return (await synthesizeWithStats(opts)).pairs
}

function edgeKey(e: FkEdge): string {
  return `${e.child}.${e.column}->${e.parent}.${e.refColumn}`
}

function quotas(count: number, mix: HardnessMix): Record<Hardness, number> {
  const total = HARDNESS_LEVELS.reduce((s, l) => s + Math.max(0, mix[l]), 0) || 1
  const exact = HARDNESS_LEVELS.map((l) => (Math.max(0, mix[l]) / total) * count)
  const out = exact.map(Math.floor)
  let left = count - out.reduce((a, b) => a + b, 0)
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0])
  for (const [, i] of order) if (left-- > 0) out[i]++
  return Object.fromEntries(HARDNESS_LEVELS.map((l, i) => [l, out[i]])) as Record<Hardness, number>
}

export async function synthesizeWithStats(
  opts: SynthesizeOptions,
): Promise<{ pairs: SynthesizedPair[]; stats: SynthesisStats; profile: DbProfile }> {
  if (!Number.isInteger(opts.count) || opts.count < 0) {
    throw new SqlstillError('BAD_REQUEST', `count must be a non-negative integer (got ${String(opts.count)}).`)
  }
  const timeoutMs = opts.timeoutMs ?? 2000
  const maxRows = opts.maxResultRows ?? 500
  const rng = seededRng(opts.seed)
  const profile = await profileDatabase(opts.schema, opts.db, { tables: opts.tables, timeoutMs: timeoutMs * 5 })
  const stats: SynthesisStats = {
    attempts: 0,
    rejected: {},
    uncoveredTables: [],
    uncoveredEdges: [],
    byHardness: { easy: 0, medium: 0, hard: 0, extra: 0 },
  }
  const pairs: SynthesizedPair[] = []
  if (profile.tables.length === 0 || opts.count === 0) return { pairs, stats, profile }

  const quota = quotas(opts.count, { ...DEFAULT_MIX, ...opts.mix })
  const uncoveredTables = new Set(profile.tables.map((t) => t.name))
  const uncoveredEdges = new Map(profile.edges.map((e) => [edgeKey(e), e]))
  const seenSql = new Set<string>()
  const acceptedTokens: string[][] = []
  const misses: Record<Hardness, number> = { easy: 0, medium: 0, hard: 0, extra: 0 }
  let target: Hardness | null = null
  const reject = (why: string): void => {
    stats.rejected[why] = (stats.rejected[why] ?? 0) + 1
    // A level this database cannot reach (no FKs, no numbers…) gives its quota away after many misses.
    if (target && ++misses[target] > MISSES_BEFORE_GIVING_UP) {
      reassign(quota, target, stats.byHardness)
      misses[target] = 0
    }
  }
  const maxAttempts = opts.count * 60 + 200

  while (pairs.length < opts.count && stats.attempts < maxAttempts) {
    stats.attempts++
    target = pickTarget(quota, stats.byHardness)
    if (!target) break
    const family = pickFamily(rng, target)
    const { table, edge } = pickFocus(rng, profile, family, uncoveredTables, uncoveredEdges)
    if (family.needsEdge && !edge) {
      reject('no_edge')
      continue
    }
    const plan = family.build({ rng, profile, table, edge })
    if (!plan) {
      reject('not_applicable')
      continue
    }
    const sql = planToSql(plan)
    if (seenSql.has(sql)) {
      reject('duplicate_sql')
      continue
    }
    seenSql.add(sql)
    const hardness = computeHardness(sql)
    if (hardness === 'unknown') {
      reject('unparsed_hardness')
      continue
    }
    if (stats.byHardness[hardness] >= quota[hardness]) {
      reject('hardness_full')
      continue
    }
    let result: QueryResult
    try {
      result = await opts.db.query(sql, { timeoutMs, maxRows })
    } catch (err) {
      reject(err instanceof SqlstillError && err.code === 'TIMEOUT' ? 'timeout' : 'error')
      continue
    }
    const degenerate = degenerateReason(plan, result, profile)
    if (degenerate) {
      reject(degenerate)
      continue
    }
    const question = renderQuestion(plan)
    const tokens = questionTokens(question)
    if (acceptedTokens.some((t) => jaccard(t, tokens) >= NEAR_DUPLICATE_JACCARD)) {
      reject('near_duplicate_question')
      continue
    }
    acceptedTokens.push(tokens)
    const tables = allPlanTables(plan)
    for (const t of tables) uncoveredTables.delete(t)
    for (const [k, e] of uncoveredEdges) if (usesEdge(plan, e)) uncoveredEdges.delete(k)
    misses[hardness] = 0
    misses[target] = 0
    stats.byHardness[hardness]++
    pairs.push({ question, sql, hardness, family: family.name, tables, plan, planText: describePlan(plan), rowCount: result.rowCount })
  }
  stats.uncoveredTables = [...uncoveredTables]
  stats.uncoveredEdges = [...uncoveredEdges.keys()]
  return { pairs, stats, profile }
}

function pickTarget(quota: Record<Hardness, number>, got: Record<Hardness, number>): Hardness | null {
  let best: Hardness | null = null
  let bestGap = 0
  for (const l of HARDNESS_LEVELS) {
    if (quota[l] === 0) continue
    const gap = (quota[l] - got[l]) / quota[l]
    if (gap > bestGap) {
      bestGap = gap
      best = l
    }
  }
  return best
}

function reassign(quota: Record<Hardness, number>, level: Hardness, got: Record<Hardness, number>): void {
  const spare = quota[level] - got[level]
  if (spare <= 0) return
  quota[level] = got[level]
  const order: Hardness[] = ['medium', 'easy', 'hard', 'extra'].filter((l) => l !== level) as Hardness[]
  for (let i = 0; i < spare; i++) quota[order[i % order.length]]++
}

function pickFamily(rng: ReturnType<typeof seededRng>, target: Hardness): Family {
  const fitting = FAMILIES.filter((f) => f.levels.includes(target))
  return rng.pick(fitting.length > 0 ? fitting : FAMILIES)
}

function pickFocus(
  rng: ReturnType<typeof seededRng>,
  profile: DbProfile,
  family: Family,
  uncoveredTables: Set<string>,
  uncoveredEdges: Map<string, FkEdge>,
): { table: DbProfile['tables'][number]; edge?: FkEdge } {
  const byName = (n: string): DbProfile['tables'][number] => profile.tables.find((t) => t.name === n)!
  if (family.needsEdge) {
    const open = [...uncoveredEdges.values()]
    const edge = open.length > 0 && rng.chance(0.7) ? rng.pick(open) : profile.edges.length > 0 ? rng.pick(profile.edges) : undefined
    return { table: byName(edge?.child ?? profile.tables[0].name), edge }
  }
  const open = [...uncoveredTables]
  const table = open.length > 0 && rng.chance(0.6) ? byName(rng.pick(open)) : rng.pick(profile.tables)
  const touching = profile.edges.filter((e) => e.child === table.name || e.parent === table.name)
  return { table, edge: touching.length > 0 ? rng.pick(touching) : undefined }
}

function usesEdge(plan: QueryPlan, e: FkEdge): boolean {
  const here = plan.joins.some(
    (j) =>
      [j.left.table, j.right.table].includes(e.child) &&
      [j.left.table, j.right.table].includes(e.parent) &&
      [j.left.column, j.right.column].includes(e.column) &&
      [j.left.column, j.right.column].includes(e.refColumn),
  )
  if (here) return true
  const nested = plan.where.some(
    (c) =>
      c.kind === 'subquery' &&
      ((c.sub.from === e.child && c.sub.select[0]?.col?.column === e.column && c.col.table === e.parent && c.col.column === e.refColumn) ||
        usesEdge(c.sub, e)),
  )
  return nested || (plan.setOp ? usesEdge(plan.setOp.right, e) : false)
}

function isAggregateOnly(plan: QueryPlan): boolean {
  return plan.groupBy.length === 0 && plan.select.every((s) => s.agg)
}

/** Why a result is not worth training on, or null when it is fine. */
function degenerateReason(plan: QueryPlan, result: QueryResult, profile: DbProfile): string | null {
  if (result.truncated) return 'too_many_rows'
  if (result.rows.length === 0) return 'empty'
  if (result.rows.every((r) => r.every((v) => v === null))) return 'all_null'
  if (isAggregateOnly(plan)) {
    const v = result.rows[0][0]
    if (plan.select[0].agg === 'count' && (v === 0 || (typeof v === 'object' && v !== null && '$bigint' in v && v.$bigint === '0'))) return 'zero_count'
    return null
  }
  // A filter that keeps every row of a single table filters nothing.
  if (plan.where.length > 0 && plan.joins.length === 0 && !plan.setOp && plan.groupBy.length === 0 && plan.limit === undefined) {
    const t = profile.tables.find((x) => x.name === plan.from)
    if (t && !plan.distinct && result.rowCount >= t.rowCount) return 'whole_table'
  }
  if (plan.limit !== undefined && plan.limit > 1 && result.rowCount < 2) return 'short_top_n'
  return null
}
