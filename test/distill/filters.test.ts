// Every dataset filter, each with hand-made bad SQL that it must reject (and good SQL it must keep), plus
// execution-validated self-consistency on deliberately inconsistent samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Database from 'better-sqlite3'
import { introspectSchema, openDatabase, openReadOnlySync, runQuery, type DatabaseHandle } from '../../src/main/core/db'
import type { Schema } from '../../src/shared/schema'
import {
  dedupe,
  executesWithin,
  identifiersExist,
  inProcessFilterDb,
  leakage,
  nonDegenerate,
  onlySelect,
  parsesAndCompiles,
  selfConsistency,
  unknownIdentifiers,
  type FilterDb,
} from '../../src/main/core/distill/filters'
import { demoDb } from '../helpers/paths'

let raw: Database.Database
let db: FilterDb
let schema: Schema

beforeAll(() => {
  raw = openReadOnlySync(demoDb)
  db = inProcessFilterDb(raw)
  schema = introspectSchema(raw)
})
afterAll(() => raw.close())

const FOREVER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'

describe('parsesAndCompiles', () => {
  it('passes a valid SELECT', async () => {
    expect(await parsesAndCompiles('SELECT name FROM artists', db)).toEqual({ pass: true })
  })
  it('rejects a syntax error with SQLite’s message', async () => {
    const v = await parsesAndCompiles('SELEC name FROM artists', db)
    expect(v.pass).toBe(false)
    expect(v.reason).toMatch(/does not compile: .*syntax error/)
  })
  it('rejects a write that compiles', async () => {
    const v = await parsesAndCompiles("UPDATE artists SET name = 'x'", db)
    expect(v.pass).toBe(false)
  })
})

describe('onlySelect', () => {
  it('keeps SELECT and WITH … SELECT, with a trailing semicolon', () => {
    expect(onlySelect('SELECT 1;').pass).toBe(true)
    expect(onlySelect('with t as (select 1 as x) select x from t').pass).toBe(true)
    expect(onlySelect("SELECT 'delete; drop table x' FROM artists").pass).toBe(true)
  })
  it('rejects writes, DDL, pragmas and several statements', () => {
    expect(onlySelect("DELETE FROM artists WHERE name = 'x'")).toEqual({ pass: false, reason: 'not a SELECT (starts with DELETE)' })
    expect(onlySelect('DROP TABLE artists').pass).toBe(false)
    expect(onlySelect('PRAGMA query_only = OFF').pass).toBe(false)
    expect(onlySelect('SELECT 1; SELECT 2')).toEqual({ pass: false, reason: 'more than one statement' })
    expect(onlySelect('WITH t AS (SELECT 1) DELETE FROM artists').reason).toMatch(/contains DELETE/)
    expect(onlySelect('').pass).toBe(false)
  })
})

describe('identifiersExist', () => {
  it('passes known tables, aliases and quoted names', async () => {
    expect(await identifiersExist('SELECT T1.name, T2.title FROM artists AS T1 JOIN albums T2 ON T1.artist_id = T2.artist_id', schema, db)).toEqual({ pass: true })
    expect(await identifiersExist('SELECT "a"."name" FROM "artists" a', schema, db)).toEqual({ pass: true })
    expect(await identifiersExist('WITH x AS (SELECT name FROM artists) SELECT x.name FROM x', schema, db)).toEqual({ pass: true })
  })
  it('names an unknown table', async () => {
    const v = await identifiersExist('SELECT name FROM singers', schema, db)
    expect(v).toEqual({ pass: false, reason: 'unknown table singers' })
  })
  it('names an unknown column', async () => {
    const v = await identifiersExist('SELECT T1.nickname FROM artists AS T1', schema, db)
    expect(v.pass).toBe(false)
    expect(v.reason).toMatch(/unknown column T1\.nickname/)
  })
  it('checks against the Schema alone when no database is given', () => {
    expect(unknownIdentifiers('SELECT a.nickname FROM artists a JOIN genre g ON 1', schema)).toEqual([
      'table genre',
      'column a.nickname',
    ])
    expect(unknownIdentifiers('SELECT t.name FROM tracks t, "albums" al WHERE al.title = t.name', schema)).toEqual([])
  })
})

describe('executesWithin', () => {
  it('passes a quick query and hands back its result', async () => {
    const v = await executesWithin(2000)('SELECT count(*) FROM tracks', db)
    expect(v.pass).toBe(true)
    expect(v.result?.rows[0][0]).toBe(1777)
  })
  it('stops a runaway query at the limit (hosted handle)', async () => {
    const handle: DatabaseHandle = await openDatabase(demoDb)
    try {
      const start = Date.now()
      const v = await executesWithin(300)(FOREVER, handle)
      expect(v).toEqual({ pass: false, reason: 'timed out after 300 ms' })
      expect(Date.now() - start).toBeLessThan(5000)
    } finally {
      await handle.close()
    }
  })
  it('reports a slow query in-process after the fact', async () => {
    const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c'
    const v = await executesWithin(5)(slow, db)
    expect(v.pass).toBe(false)
    expect(v.reason).toBe('timed out after 5 ms')
  })
  it('reports a runtime error', async () => {
    const v = await executesWithin(1000)('SELECT nope FROM artists', db)
    expect(v.pass).toBe(false)
    expect(v.reason).toMatch(/failed to run: .*no such column/)
  })
})

describe('nonDegenerate', () => {
  const res = (sql: string) => runQuery(raw, sql)
  it('rejects an empty result', () => {
    expect(nonDegenerate(res("SELECT name FROM artists WHERE country = 'Atlantis'"))).toEqual({ pass: false, reason: 'empty result' })
    expect(nonDegenerate(res("SELECT name FROM artists WHERE country = 'Atlantis'"), { allowEmpty: true }).pass).toBe(true)
  })
  it('rejects an all-NULL result', () => {
    const v = nonDegenerate(res('SELECT composer, NULL FROM tracks WHERE composer IS NULL LIMIT 3'))
    expect(v).toEqual({ pass: false, reason: 'every value is NULL' })
    expect(nonDegenerate(res('SELECT max(bytes) FROM tracks WHERE 0')).pass).toBe(false)
  })
  it('rejects a single 0 count unless the question asks how many', () => {
    const zero = res("SELECT count(*) FROM artists WHERE country = 'Atlantis'")
    expect(nonDegenerate(zero).pass).toBe(false)
    expect(nonDegenerate(zero, { question: 'Which artists come from Atlantis?' }).pass).toBe(false)
    expect(nonDegenerate(zero, { question: 'How many artists are from Atlantis?' }).pass).toBe(true)
  })
  it('keeps a normal result', () => {
    expect(nonDegenerate(res("SELECT name FROM artists WHERE country = 'Canada'")).pass).toBe(true)
  })
})

describe('dedupe and leakage', () => {
  const items = [
    { question: 'How many artists are there?', sql: 'SELECT count(*) FROM artists' },
    { question: 'Count all the artists.', sql: 'select   COUNT(*)  from artists;' },
    { question: 'How many artists are there ?', sql: 'SELECT count(artist_id) FROM artists' },
    { question: 'List the names of artists from Canada.', sql: "SELECT name FROM artists WHERE country = 'Canada'" },
    { question: 'List the names of artists from canada', sql: "SELECT name FROM artists WHERE country = 'canada'" },
    { question: 'List the names of artists from France.', sql: "SELECT name FROM artists WHERE country = 'France'" },
  ]
  it('drops exact SQL duplicates and near-duplicate questions, keeping the first', () => {
    const out = dedupe(items)
    expect(out.kept.map((i) => items.indexOf(i))).toEqual([0, 3, 5])
    expect(out.verdicts[1]).toEqual({ pass: false, reason: 'duplicate SQL of item 0' })
    expect(out.verdicts[2]).toEqual({ pass: false, reason: 'near-duplicate question of item 0' })
    expect(out.verdicts[4]).toEqual({ pass: false, reason: 'near-duplicate question of item 3' })
  })
  it('keeps string literals case-sensitive when comparing SQL', () => {
    const out = dedupe([items[3], { question: 'Something else entirely', sql: items[4].sql }])
    expect(out.kept).toHaveLength(2)
  })
  it('drops training items that leak evaluation items', () => {
    const evaluation = [
      { question: 'What are the titles of albums released in 1999?', sql: 'SELECT title FROM albums WHERE release_year = 1999' },
    ]
    const train = [
      { question: 'Titles of 1999 albums?', sql: 'select title from albums where release_year=1999;' },
      { question: 'what are the titles of albums released in 1999', sql: 'SELECT title FROM albums WHERE release_year >= 1999' },
      { question: 'Name every artist.', sql: 'SELECT name FROM artists' },
    ]
    const out = leakage(train, evaluation)
    expect(out.kept).toEqual([train[2]])
    expect(out.verdicts[0]).toEqual({ pass: false, reason: 'SQL equals an evaluation item' })
    expect(out.verdicts[1]).toEqual({ pass: false, reason: 'question equals an evaluation item' })
  })
})

describe('selfConsistency', () => {
  const execute = (sql: string) => runQuery(raw, sql)
  it('keeps a SQL from the largest agreeing group (different text, same result)', async () => {
    const samples = [
      { sql: "SELECT name FROM artists WHERE country = 'Germany'" },
      { sql: "SELECT a.name FROM artists a WHERE a.country = 'Canada'" },
      { sql: "SELECT name FROM artists WHERE country IN ('Canada')" },
    ]
    const out = await selfConsistency(samples, execute)
    expect([1, 2]).toContain(out.index)
    expect(out.index).toBe(1)
    expect(out.ratio).toBeCloseTo(2 / 3)
    expect(out.groups).toEqual([[1, 2], [0]])
  })
  it('compares results as multisets unless the SQL orders them', async () => {
    const unordered = await selfConsistency(
      [{ sql: 'SELECT name FROM genres' }, { sql: 'SELECT name FROM genres ORDER BY name DESC' }],
      execute,
    )
    expect(unordered.ratio).toBe(1)
    const ordered = await selfConsistency(
      [{ sql: 'SELECT name FROM genres ORDER BY name' }, { sql: 'SELECT name FROM genres ORDER BY name DESC' }],
      execute,
    )
    expect(ordered.ratio).toBe(0.5)
  })
  it('picks the first sample when all disagree', async () => {
    const out = await selfConsistency(
      [{ sql: 'SELECT count(*) FROM artists' }, { sql: 'SELECT count(*) FROM albums' }, { sql: 'SELECT count(*) FROM genres' }],
      execute,
    )
    expect(out.index).toBe(0)
    expect(out.ratio).toBeCloseTo(1 / 3)
  })
  it('ignores an erroring sample', async () => {
    const out = await selfConsistency(
      [{ sql: 'SELECT count(*) FROM nowhere' }, { sql: 'SELECT count(*) FROM artists' }, { sql: 'SELECT count(artist_id) FROM artists' }],
      execute,
    )
    expect(out.index).toBe(1)
    expect(out.errors.map((e) => e.index)).toEqual([0])
    expect(out.ratio).toBeCloseTo(2 / 3)
    const none = await selfConsistency([{ sql: 'SELEC' }], execute)
    expect(none).toMatchObject({ index: -1, sql: null, ratio: 0 })
  })
})
