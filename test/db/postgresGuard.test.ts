// The statement check in front of PostgreSQL (no server needed): how SQL is split into words, which statements
// and functions are refused, and that names hidden in strings and comments neither trigger nor escape it.
import { describe, expect, it } from 'vitest'
import { checkReadStatement, isDeniedFunction, tokenize } from '../../src/main/core/db/postgres/guard'
import { expectThrows } from './dbTestUtils'

const words = (sql: string): string[] => tokenize(sql).flatMap((t) => (t.kind === 'word' ? [t.text] : t.kind === 'semicolon' ? [';'] : []))

describe('tokenize', () => {
  it('drops strings and comments, folds unquoted names, keeps quoted ones as written', () => {
    expect(words(`SELECT "Mixed""Case", Foo -- ; drop\n /* a /* nested ; */ b */ FROM t WHERE x = 'it''s ; here'`)).toEqual([
      'select', 'Mixed"Case', 'foo', 'from', 't', 'where', 'x',
    ])
    expect(words("SELECT E'a\\'; b', $$ ; $$, $tag$ $$ ; $tag$, a$b$c")).toEqual(['select', 'a$b$c'])
    expect(words('SELECT 1; SELECT 2')).toEqual(['select', ';', 'select'])
  })

  it('decodes U&"…" identifiers, also with a UESCAPE character', () => {
    expect(words('SELECT U&"\\0070g_sleep"(1)')).toEqual(['select', 'pg_sleep'])
    expect(words(`SELECT U&"!0070g_advisory_lock" UESCAPE '!'(1)`)).toEqual(['select', 'pg_advisory_lock'])
    expect(words('SELECT U&"\\+000070g"')).toEqual(['select', 'pg'])
  })
})

describe('checkReadStatement', () => {
  it('passes reads and trims the trailing semicolon', () => {
    expect(checkReadStatement('SELECT 1;  ').text).toBe('SELECT 1')
    for (const sql of ['WITH x AS (SELECT 1) SELECT * FROM x', 'VALUES (1)', 'TABLE singer', '((SELECT 1))', 'select pg_sleep(1)']) {
      expect(checkReadStatement(sql).text).toBe(sql)
    }
  })

  it('refuses everything else with a clear code', () => {
    expectThrows(() => checkReadStatement('DELETE FROM t'), ['READ_ONLY'])
    expectThrows(() => checkReadStatement('"select" 1'), ['READ_ONLY'])
    expectThrows(() => checkReadStatement('SELECT 1; SELECT 2'), ['MULTIPLE_STATEMENTS'])
    expectThrows(() => checkReadStatement('SELECT * FROM t FOR KEY SHARE'), ['READ_ONLY'])
    expectThrows(() => checkReadStatement('SELECT * INTO x FROM t'), ['READ_ONLY'])
    expectThrows(() => checkReadStatement('SELECT pg_catalog.set_config($$a$$, $$b$$, false)'), ['READ_ONLY'])
    expectThrows(() => checkReadStatement(' -- only a comment'), ['SQL_ERROR'])
    expectThrows(() => checkReadStatement('SELECT 1\0'), ['BAD_REQUEST'])
  })

  it('does not mistake names inside strings or comments for calls', () => {
    expect(() => checkReadStatement("SELECT 'pg_advisory_lock(1); DELETE' /* set_config() */ AS s")).not.toThrow()
  })
})

it('the deny-list covers whole families by prefix and leaves harmless functions alone', () => {
  for (const f of ['pg_advisory_lock', 'PG_TRY_ADVISORY_XACT_LOCK', 'lo_export', 'pg_ls_waldir', 'dblink_exec', 'txid_current', 'pg_read_binary_file', 'nextval', 'ts_rewrite']) {
    expect(isDeniedFunction(f), f).toBe(true)
  }
  for (const f of ['pg_sleep', 'count', 'lower', 'pg_typeof', 'current_setting', 'now', 'length']) expect(isDeniedFunction(f), f).toBe(false)
})
