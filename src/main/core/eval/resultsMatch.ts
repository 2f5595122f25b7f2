// Denotation equality with the official Spider test-suite rules (test-suite-sql-eval, exec_eval.result_eq):
// both empty → equal; otherwise same row count and column count, and some permutation of the prediction's
// columns makes the rows equal — as a list when order matters, otherwise as a multiset.
//
// Values compare like Python compares what sqlite3 returns: numbers by value (1 == 1.0, True == 1), strings
// exactly, None only to None. JavaScript numbers already merge 1 and 1.0, so one canonical key per value is
// enough.
import type { SqlValue } from '../../../shared/schema'

export type ResultRow = readonly SqlValue[]

/** More column permutations than this are not tried (the official code samples rows instead); the pair then
 * counts as different. Per-column value multisets leave almost every real result with a single candidate. */
export const MAX_PERMUTATIONS = 20_000

export function valueKey(value: SqlValue | undefined): string {
  if (value === null || value === undefined) return 'N'
  if (typeof value === 'number') return `n${Object.is(value, -0) ? 0 : value}`
  if (typeof value === 'boolean') return `n${value ? 1 : 0}`
  if (typeof value === 'string') return `s${value}`
  if ('$bigint' in value) return `n${value.$bigint}`
  // The db layer hands BLOBs over as their length only, so two BLOBs of one length compare equal here.
  if ('$blob' in value) return `b${value.$blob}`
  return `?${JSON.stringify(value)}`
}

function countKeys(keys: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1)
  return counts
}

function sameCounts(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false
  for (const [k, n] of a) if (b.get(k) !== n) return false
  return true
}

export function resultsMatch(goldRows: readonly ResultRow[], predRows: readonly ResultRow[], orderMatters: boolean): boolean {
  if (goldRows.length === 0 && predRows.length === 0) return true
  if (goldRows.length !== predRows.length) return false
  const numCols = goldRows[0].length
  if (predRows[0].length !== numCols) return false
  // Ragged rows cannot come from one SQL result; treat them as different rather than guess.
  if (goldRows.some((r) => r.length !== numCols) || predRows.some((r) => r.length !== numCols)) return false

  const gold = goldRows.map((r) => r.map(valueKey))
  const pred = predRows.map((r) => r.map(valueKey))

  // Quick rejection (the official unorder_row test): each row's values as a sorted bag must line up.
  const bag = (row: string[]): string => JSON.stringify([...row].sort())
  const goldBags = gold.map(bag)
  const predBags = pred.map(bag)
  if (orderMatters) {
    for (let r = 0; r < goldBags.length; r++) if (goldBags[r] !== predBags[r]) return false
  } else if (!sameCounts(countKeys(goldBags), countKeys(predBags))) return false

  // With one column a row's bag is the row itself, so the test above already decided.
  if (numCols === 1) return true

  // A gold column can only be matched by a prediction column holding the same multiset of values.
  const columnSignature = (rows: string[][], c: number): string => JSON.stringify(rows.map((r) => r[c]).sort())
  const goldSigs = Array.from({ length: numCols }, (_, c) => columnSignature(gold, c))
  const predSigs = Array.from({ length: numCols }, (_, c) => columnSignature(pred, c))
  const candidates = goldSigs.map((sig) => predSigs.flatMap((p, j) => (p === sig ? [j] : [])))
  if (candidates.some((c) => c.length === 0)) return false

  const goldRowCounts = orderMatters ? undefined : countKeys(gold.map((r) => JSON.stringify(r)))
  const rowsEqualUnder = (perm: number[]): boolean => {
    if (orderMatters) {
      for (let r = 0; r < gold.length; r++) {
        for (let c = 0; c < numCols; c++) if (gold[r][c] !== pred[r][perm[c]]) return false
      }
      return true
    }
    const remaining = new Map(goldRowCounts)
    for (const row of pred) {
      const key = JSON.stringify(perm.map((j) => row[j]))
      const n = remaining.get(key)
      if (!n) return false
      remaining.set(key, n - 1)
    }
    return true
  }

  // Depth-first over injective assignments gold column → prediction column, within the candidates.
  const perm: number[] = new Array(numCols)
  const used = new Array<boolean>(numCols).fill(false)
  let tried = 0
  const search = (c: number): boolean => {
    if (c === numCols) {
      tried++
      return rowsEqualUnder(perm)
    }
    for (const j of candidates[c]) {
      if (used[j]) continue
      if (tried >= MAX_PERMUTATIONS) return false
      used[j] = true
      perm[c] = j
      if (search(c + 1)) return true
      used[j] = false
    }
    return false
  }
  return search(0)
}
