import { describe, expect, test } from 'vitest'
import { classifyCompileError, extractSql } from '../../src/main/core/ask'

describe('SQL extraction', () => {
  const cases: [string, string, string | null][] = [
    ['plain continuation', 'SELECT count(*) FROM singer', 'SELECT count(*) FROM singer'],
    ['sql fence with prose around', 'Here is the query:\n```sql\nSELECT name\nFROM singer\nWHERE age > 30;\n```\nThis returns names.', 'SELECT name\nFROM singer\nWHERE age > 30'],
    ['unlabelled fence', '```\nselect * from t\n```', 'select * from t'],
    ['unterminated fence', '```sql\nSELECT a FROM b', 'SELECT a FROM b'],
    ['sql fence preferred over another fence', '```text\nnothing\n```\n```sql\nSELECT 1\n```', 'SELECT 1'],
    ['SQL: label', 'SQL: SELECT id FROM users;', 'SELECT id FROM users'],
    ['leading prose', 'Sure! To answer that, SELECT max(age) FROM singer; should work.', 'SELECT max(age) FROM singer'],
    ['trailing prose after a blank line', 'SELECT * FROM t\n\nThe query lists every row.', 'SELECT * FROM t'],
    ['trailing prose on the next line', 'SELECT * FROM t\nThis query lists every row.', 'SELECT * FROM t'],
    ['multiple statements: the first', 'SELECT 1; SELECT 2;', 'SELECT 1'],
    ['semicolon inside a string is not the end', "SELECT * FROM t WHERE name = 'a;b'; DROP TABLE t", "SELECT * FROM t WHERE name = 'a;b'"],
    ['quoted identifiers and comments', 'SELECT "x;y", [a;b] FROM t -- trailing; comment\n', 'SELECT "x;y", [a;b] FROM t'],
    ['CTE', 'WITH a AS (SELECT 1 AS x) SELECT x FROM a', 'WITH a AS (SELECT 1 AS x) SELECT x FROM a'],
    ['continuation lines after a blank line stay', 'SELECT a\n\nFROM t\nWHERE a > 1', 'SELECT a\n\nFROM t\nWHERE a > 1'],
    ['no SQL at all', 'I am not sure how to answer that.', null],
    ['empty', '', null],
    ['a word that contains select', 'The selection is empty', null],
    ['a Struct-SQL plan line is not the query', '-- plan: FROM pets | WHERE age > 2 | SELECT name\nSELECT name FROM pets WHERE age > 2;', 'SELECT name FROM pets WHERE age > 2'],
    ['a plan line with nothing after it', '-- plan: FROM pets | SELECT count', null],
  ]
  for (const [name, output, expected] of cases) {
    test(name, () => expect(extractSql(output)).toBe(expected))
  }

  test('with a forced prefix, the output is its continuation', () => {
    expect(extractSql(' name FROM singer;', 'SELECT')).toBe('SELECT name FROM singer')
  })
})

describe('compile error classes', () => {
  test('unknown identifiers vs syntax vs other', () => {
    expect(classifyCompileError({ code: 'SQL_ERROR', message: 'no such table: singers' })).toBe('unknown_identifier')
    expect(classifyCompileError({ code: 'SQL_ERROR', message: 'x', details: { sqliteMessage: 'no such column: nme' } })).toBe(
      'unknown_identifier',
    )
    expect(classifyCompileError({ code: 'SQL_ERROR', message: 'near "FORM": syntax error' })).toBe('syntax')
    expect(classifyCompileError({ code: 'READ_ONLY', message: 'cannot write' })).toBe('runtime_error')
  })
})
