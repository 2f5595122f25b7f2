// Which rows the student-vs-teacher diff highlights, on top of the official equality verdict.
import { describe, expect, it } from 'vitest'
import type { QueryResult } from '../../src/shared/query'
import type { SqlValue } from '../../src/shared/schema'
import { alignColumns, compareSides, differingRows } from '../../src/main/core/service/compareResults'

function result(columns: string[], rows: SqlValue[][]): QueryResult {
  return {
    columns: columns.map((name) => ({ name, declaredType: null, table: null })),
    rows,
    rowCount: rows.length,
    truncated: false,
    rowCap: 1000,
    elapsedMs: 0,
    sql: '',
  }
}

describe('compareSides', () => {
  it('lines columns up by their values before naming differing rows', () => {
    const a = result(['name', 'age'], [['x', 1], ['y', 2], ['z', 3]])
    const b = result(['age', 'who'], [[2, 'y'], [1, 'x'], [3, 'z']])
    expect(alignColumns(a, b)).toEqual([1, 0])
    const same = compareSides('SELECT name, age FROM t', { ok: true, result: a }, { ok: true, result: b })
    expect(same).toMatchObject({ same: true, orderMatters: false, differingRows: { a: [], b: [] } })
  })

  it('names rows missing on either side as multisets (duplicates count)', () => {
    const a = result(['n'], [[1], [1], [2], [3]])
    const b = result(['n'], [[1], [2], [4]])
    expect(differingRows(a, b, false)).toEqual({ a: [1, 3], b: [2] })
    const out = compareSides('SELECT n FROM t', { ok: true, result: a }, { ok: true, result: b })
    expect(out.same).toBe(false)
    expect(out.differingRows).toEqual({ a: [1, 3], b: [2] })
  })

  it('compares positions when the reference sorts', () => {
    const a = result(['n'], [[1], [2], [3]])
    const b = result(['n'], [[2], [1], [3]])
    const out = compareSides('SELECT n FROM t ORDER BY n', { ok: true, result: a }, { ok: true, result: b })
    expect(out).toMatchObject({ same: false, orderMatters: true, differingRows: { a: [0, 1], b: [0, 1] } })
    // Without ORDER BY in the reference the same rows are equal.
    expect(compareSides('SELECT n FROM t', { ok: true, result: a }, { ok: true, result: b }).same).toBe(true)
  })

  it('marks every row when the shapes differ, and nothing when a side failed', () => {
    const a = result(['n'], [[1], [2]])
    const b = result(['n', 'm'], [[1, 1]])
    expect(differingRows(a, b, false)).toEqual({ a: [0, 1], b: [0] })
    const failed = compareSides('SELECT n FROM t', { ok: true, result: a }, { ok: false, error: { code: 'SQL_ERROR', message: 'no such column: m' } })
    expect(failed).toMatchObject({ same: false, differingRows: { a: [], b: [] } })
  })
})
