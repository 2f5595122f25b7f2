import { describe, expect, it } from 'vitest'
import {
  classifyQueryError,
  classifySqlErrorMessage,
  hasOrderBy,
  looksLikeSql,
  requoteFromDqsError,
  resultsMatch,
  stripDistinct,
} from '../../src/main/core/eval'
import { SqlstillError } from '../../src/shared/errors'

describe('resultsMatch (official test-suite result_eq)', () => {
  const gold = [
    [1, 'a', 10],
    [2, 'b', 20],
    [3, 'c', 30],
  ]

  it('treats two empty results as equal, and empty vs non-empty as different', () => {
    expect(resultsMatch([], [], false)).toBe(true)
    expect(resultsMatch([], [], true)).toBe(true)
    expect(resultsMatch([[1]], [], false)).toBe(false)
    expect(resultsMatch([], [[1]], false)).toBe(false)
  })

  it('compares as a multiset without ORDER BY and as a list with it', () => {
    const shuffled = [gold[2], gold[0], gold[1]]
    expect(resultsMatch(gold, shuffled, false)).toBe(true)
    expect(resultsMatch(gold, shuffled, true)).toBe(false)
    expect(resultsMatch(gold, gold.slice(), true)).toBe(true)
  })

  it('counts multiplicities: a missing or an extra duplicate row is different', () => {
    expect(resultsMatch(gold, gold.slice(0, 2), false)).toBe(false)
    expect(resultsMatch([[1], [1], [2]], [[1], [2], [2]], false)).toBe(false)
    expect(resultsMatch([[1], [2]], [[1], [2], [2]], false)).toBe(false)
    expect(resultsMatch([[1], [1], [2]], [[2], [1], [1]], false)).toBe(true)
  })

  it('accepts any permutation of the prediction columns, consistently across rows', () => {
    const reordered = gold.map(([a, b, c]) => [c, a, b])
    expect(resultsMatch(gold, reordered, false)).toBe(true)
    expect(resultsMatch(gold, reordered, true)).toBe(true)
    // Each row is a permutation of its gold row, but no single column permutation fits all rows.
    expect(resultsMatch([[1, 2], [3, 4]], [[1, 2], [4, 3]], false)).toBe(false)
  })

  it('rejects a different column count or a wrong column', () => {
    expect(resultsMatch(gold, gold.map((r) => r.slice(0, 2)), false)).toBe(false)
    expect(resultsMatch(gold, gold.map(([a, b]) => [a, b, 99]), false)).toBe(false)
  })

  it('compares values like Python: 1 == 1.0, True == 1, strings exact, None only to None', () => {
    expect(resultsMatch([[1]], [[1.0]], false)).toBe(true)
    expect(resultsMatch([[1]], [[true]], false)).toBe(true)
    expect(resultsMatch([[1]], [['1']], false)).toBe(false)
    expect(resultsMatch([['a']], [['A']], false)).toBe(false)
    expect(resultsMatch([[null]], [[null]], false)).toBe(true)
    expect(resultsMatch([[null]], [[0]], false)).toBe(false)
    expect(resultsMatch([[0.1 + 0.2]], [[0.3]], false)).toBe(false) // Python compares floats exactly too
    expect(resultsMatch([[{ $bigint: '9007199254740993' }]], [[{ $bigint: '9007199254740993' }]], false)).toBe(true)
  })

  it('stays fast on wide results with repeated values (permutations constrained by column multisets)', () => {
    // 8 columns with identical content in every column: 8! candidate permutations, the first one works.
    const rows = Array.from({ length: 200 }, (_, i) => Array.from({ length: 8 }, () => i % 7))
    const t0 = performance.now()
    expect(resultsMatch(rows, rows.map((r) => [...r].reverse()), false)).toBe(true)
    // Distinct columns except the last two swapped in every row: only one permutation survives the filter.
    const wide = Array.from({ length: 500 }, (_, i) => Array.from({ length: 10 }, (_, c) => i * 10 + c))
    expect(resultsMatch(wide, wide.map((r) => [...r.slice(0, 8), r[9], r[8]]), true)).toBe(true)
    expect(resultsMatch(wide, wide.map((r) => [...r.slice(0, 8), r[9], r[9]]), true)).toBe(false)
    expect(performance.now() - t0).toBeLessThan(2_000)
  })
})

describe('stripDistinct / hasOrderBy', () => {
  it('removes the DISTINCT keyword everywhere but inside strings and quoted identifiers', () => {
    expect(stripDistinct('SELECT DISTINCT name FROM t')).toBe('SELECT  name FROM t')
    expect(stripDistinct('select count(distinct x) from t')).toBe('select count( x) from t')
    expect(stripDistinct(`SELECT a FROM t WHERE b = 'distinct' AND "distinct" = 1`)).toBe(
      `SELECT a FROM t WHERE b = 'distinct' AND "distinct" = 1`,
    )
    expect(stripDistinct('SELECT distinction, indistinct FROM t')).toBe('SELECT distinction, indistinct FROM t')
    expect(stripDistinct('SELECT a -- distinct\nFROM t')).toBe('SELECT a -- distinct\nFROM t')
  })

  it('finds ORDER BY only in code', () => {
    expect(hasOrderBy('SELECT a FROM t ORDER  BY a')).toBe(true)
    expect(hasOrderBy('select a from t order by a desc limit 1')).toBe(true)
    expect(hasOrderBy(`SELECT a FROM t WHERE b = 'order by'`)).toBe(false)
    expect(hasOrderBy('SELECT border FROM t')).toBe(false)
  })

  it('re-quotes a double-quoted value the way legacy SQLite (DQS) would read it', () => {
    const msg = 'no such column: "USA" - should this be a string literal in single-quotes?'
    expect(requoteFromDqsError('SELECT a FROM t WHERE c = "USA" OR d = "USA"', msg)).toBe(
      "SELECT a FROM t WHERE c = 'USA' OR d = 'USA'",
    )
    expect(requoteFromDqsError(`SELECT a FROM t WHERE c = "O'Hare"`, `no such column: "O'Hare" - should this be a string literal in single-quotes?`)).toBe(
      "SELECT a FROM t WHERE c = 'O''Hare'",
    )
    expect(requoteFromDqsError('SELECT a FROM t', 'no such column: a')).toBeNull()
  })
})

describe('failure taxonomy', () => {
  it('classifies SQLite messages', () => {
    expect(classifySqlErrorMessage('no such table: pets')).toBe('unknown_identifier')
    expect(classifySqlErrorMessage('no such column: nme')).toBe('unknown_identifier')
    expect(classifySqlErrorMessage('no such function: foo')).toBe('unknown_identifier')
    expect(classifySqlErrorMessage('ambiguous column name: id')).toBe('unknown_identifier')
    expect(classifySqlErrorMessage('near "FORM": syntax error')).toBe('parse')
    expect(classifySqlErrorMessage('incomplete input')).toBe('parse')
    expect(classifySqlErrorMessage('unrecognized token: "#"')).toBe('parse')
    expect(classifySqlErrorMessage('misuse of aggregate: count()')).toBe('runtime_error')
    expect(classifySqlErrorMessage('integer overflow')).toBe('runtime_error')
  })

  it('uses sqlstill error codes first', () => {
    expect(classifyQueryError(new SqlstillError('TIMEOUT', 'The query ran longer than 5 ms and was stopped.'))).toBe('timeout')
    expect(classifyQueryError(new SqlstillError('MULTIPLE_STATEMENTS', 'Only one SQL statement…'))).toBe('parse')
    expect(classifyQueryError(new SqlstillError('READ_ONLY', 'attempt to write a readonly database'))).toBe('runtime_error')
    expect(
      classifyQueryError(new SqlstillError('SQL_ERROR', 'whatever', { sqliteMessage: 'no such table: x' })),
    ).toBe('unknown_identifier')
  })

  it('recognises answers without SQL', () => {
    expect(looksLikeSql('SELECT 1')).toBe(true)
    expect(looksLikeSql('with x as (select 1) select * from x')).toBe(true)
    expect(looksLikeSql('I am not sure which table holds that.')).toBe(false)
    expect(looksLikeSql('')).toBe(false)
  })
})
