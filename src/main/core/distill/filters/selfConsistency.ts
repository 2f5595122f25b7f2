// Execution-validated self-consistency (as in distill-sql): run k candidate SQLs, group them by the result they
// return, keep a SQL from the largest agreeing group. Results compare as multisets of rows (Spider's rules,
// column order free), in order only when a statement has ORDER BY. Erroring samples take no part.
import type { SqlValue } from '../../../../shared/schema'
import { resultsMatch } from '../../eval/resultsMatch'
import { hasOrderBy } from '../../eval/sqlText'

export interface ConsistencyOutcome {
  /** Index into samples of the chosen SQL, or -1 when every sample failed. */
  index: number
  sql: string | null
  /** Size of the chosen group over the number of samples (errors included in the denominator). */
  ratio: number
  /** The sample indexes of each agreeing group, largest first (ties in first-seen order). */
  groups: number[][]
  errors: { index: number; message: string }[]
}

export type Execute = (sql: string) => Promise<{ rows: SqlValue[][] } | SqlValue[][]> | { rows: SqlValue[][] } | SqlValue[][]

export async function selfConsistency(samples: ReadonlyArray<{ sql: string }>, execute: Execute): Promise<ConsistencyOutcome> {
  const groups: { members: number[]; rows: SqlValue[][]; ordered: boolean }[] = []
  const errors: ConsistencyOutcome['errors'] = []
  for (let i = 0; i < samples.length; i++) {
    let rows: SqlValue[][]
    try {
      const out = await execute(samples[i].sql)
      rows = Array.isArray(out) ? out : out.rows
    } catch (err) {
      errors.push({ index: i, message: err instanceof Error ? err.message : String(err) })
      continue
    }
    const ordered = hasOrderBy(samples[i].sql)
    const group = groups.find((g) => resultsMatch(g.rows, rows, g.ordered && ordered))
    if (group) group.members.push(i)
    else groups.push({ members: [i], rows, ordered })
  }
  if (groups.length === 0) return { index: -1, sql: null, ratio: 0, groups: [], errors }
  // Stable sort: among equally large groups the one whose first sample came first wins.
  const ranked = [...groups].sort((a, b) => b.members.length - a.members.length || a.members[0] - b.members[0])
  const best = ranked[0]
  return {
    index: best.members[0],
    sql: samples[best.members[0]].sql,
    ratio: best.members.length / samples.length,
    groups: ranked.map((g) => g.members),
    errors,
  }
}
