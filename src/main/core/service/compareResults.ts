// Student-vs-teacher result comparison for the UI: the verdict comes from the eval harness's official rules
// (resultsMatch); on top of it, which rows to highlight. Column order is free under the official rules, so rows
// are compared after lining b's columns up with a's (by equal value multisets, else by name, else by position).
import type { QueryResult } from '../../../shared/query'
import type { CompareResults, CompareSide } from '../../../shared/teacher'
import { resultsMatch, valueKey, type ResultRow } from '../eval/resultsMatch'
import { hasOrderBy } from '../eval/sqlText'

/** For each of a's columns, the b column it corresponds to; null when the shapes cannot line up. */
export function alignColumns(a: QueryResult, b: QueryResult): number[] | null {
  if (a.columns.length !== b.columns.length) return null
  const n = a.columns.length
  const signature = (rows: readonly ResultRow[], c: number) => JSON.stringify(rows.map((r) => valueKey(r[c])).sort())
  const aSigs = Array.from({ length: n }, (_, c) => signature(a.rows, c))
  const bSigs = Array.from({ length: n }, (_, c) => signature(b.rows, c))
  const used = new Set<number>()
  const mapping: number[] = []
  for (let c = 0; c < n; c++) {
    const byValues = bSigs.findIndex((s, j) => !used.has(j) && s === aSigs[c])
    const byName = b.columns.findIndex((col, j) => !used.has(j) && col.name === a.columns[c]!.name)
    const pick = byValues >= 0 ? byValues : byName >= 0 ? byName : [...Array(n).keys()].find((j) => !used.has(j))!
    used.add(pick)
    mapping.push(pick)
  }
  return mapping
}

/** Row indices of a and of b without a counterpart on the other side (positionally when order matters). */
export function differingRows(a: QueryResult, b: QueryResult, orderMatters: boolean): { a: number[]; b: number[] } {
  const mapping = alignColumns(a, b)
  if (!mapping) return { a: a.rows.map((_, i) => i), b: b.rows.map((_, i) => i) }
  const aKeys = a.rows.map((r) => JSON.stringify(r.map(valueKey)))
  const bKeys = b.rows.map((r) => JSON.stringify(mapping.map((j) => valueKey(r[j]))))
  if (orderMatters) {
    const length = Math.max(aKeys.length, bKeys.length)
    const diff = [...Array(length).keys()].filter((i) => aKeys[i] !== bKeys[i])
    return { a: diff.filter((i) => i < aKeys.length), b: diff.filter((i) => i < bKeys.length) }
  }
  const unmatched = (keys: string[], other: string[]): number[] => {
    const counts = new Map<string, number>()
    for (const k of other) counts.set(k, (counts.get(k) ?? 0) + 1)
    const out: number[] = []
    keys.forEach((k, i) => {
      const left = counts.get(k) ?? 0
      if (left > 0) counts.set(k, left - 1)
      else out.push(i)
    })
    return out
  }
  return { a: unmatched(aKeys, bKeys), b: unmatched(bKeys, aKeys) }
}

export function compareSides(aSql: string, a: CompareSide, b: CompareSide): CompareResults {
  const orderMatters = hasOrderBy(aSql)
  if (!a.ok || !b.ok) {
    return { same: false, orderMatters, a, b, differingRows: { a: [], b: [] } }
  }
  const same = resultsMatch(a.result.rows, b.result.rows, orderMatters)
  return { same, orderMatters, a, b, differingRows: same ? { a: [], b: [] } : differingRows(a.result, b.result, orderMatters) }
}
