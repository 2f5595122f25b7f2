// Acceptance: nothing a user types into a DuckDB handle writes, creates files, reads files beyond the database's
// own, or leaves state a later query would see — for a .duckdb file (attached READ_ONLY) and for a folder of data
// files (views in an in-memory database, which DuckDB itself would let anyone write to).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../src/shared/errors'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { tempDir } from '../helpers/paths'
import { portSpiderDb } from '../helpers/spiderToDuckDb'
import { expectRejects, fileState, listDir, type FileState } from './dbTestUtils'

interface Attack {
  name: string
  sql: string
  codes: ErrorCode[]
  /** A SELECT to DuckDB's parser, refused by the read-only database when it runs (so compile() calls it a read). */
  compilesAsRead?: boolean
}

const RO: ErrorCode[] = ['READ_ONLY']
/** Refused by us (READ_ONLY) or by DuckDB's locked-down file access, whichever sees it first. */
const RO_OR_DENIED: ErrorCode[] = ['READ_ONLY', 'PERMISSION_DENIED']

/**
 * `table` is a table (or, in the data folder, a view); `dbName` the catalog's name; `dir` the database's folder;
 * `outside` a file the database may not read; `own` a file it reads (and so may be allowed to open).
 */
function attacks(table: string, dbName: string, dir: string, outside: string, own: string): Attack[] {
  // on a view, DuckDB itself rejects a write while binding it: a SQL_ERROR before our READ_ONLY
  const W: ErrorCode[] = ['READ_ONLY', 'SQL_ERROR']
  return [
    { name: 'INSERT', sql: `INSERT INTO ${table} SELECT * FROM ${table} LIMIT 1`, codes: W },
    { name: 'INSERT … RETURNING', sql: `INSERT INTO ${table} SELECT * FROM ${table} LIMIT 1 RETURNING *`, codes: W },
    { name: 'UPDATE', sql: `UPDATE ${table} SET Name = 'Mallory'`, codes: W },
    { name: 'DELETE', sql: `DELETE FROM ${table}`, codes: W },
    { name: 'MERGE INTO', sql: `MERGE INTO ${table} USING (SELECT 1 AS k) s ON false WHEN NOT MATCHED THEN INSERT DEFAULT VALUES`, codes: W },
    { name: 'write hidden in a CTE', sql: `WITH x AS (SELECT 1) INSERT INTO ${table} SELECT * FROM ${table} LIMIT 1`, codes: W },
    { name: 'block comment before DELETE', sql: `/* just a select */ DELETE FROM ${table}`, codes: W },
    { name: 'odd casing', sql: `dElEtE fRoM ${table}`, codes: W },
    { name: 'DROP TABLE', sql: `DROP TABLE ${table}`, codes: W },
    { name: 'DROP VIEW', sql: `DROP VIEW ${table}`, codes: W },
    { name: 'ALTER TABLE ADD COLUMN', sql: `ALTER TABLE ${table} ADD COLUMN evil VARCHAR`, codes: W },
    { name: 'ALTER TABLE RENAME', sql: `ALTER TABLE ${table} RENAME TO evil`, codes: W },
    { name: 'COMMENT ON', sql: `COMMENT ON TABLE ${table} IS 'evil'`, codes: W },
    { name: 'CREATE TABLE', sql: 'CREATE TABLE evil (x INTEGER)', codes: RO },
    { name: 'CREATE TABLE AS', sql: `CREATE TABLE evil AS SELECT * FROM ${table}`, codes: RO },
    { name: 'CREATE VIEW', sql: 'CREATE VIEW evil_v AS SELECT 1', codes: RO },
    { name: 'CREATE INDEX', sql: `CREATE INDEX evil_ix ON ${table} (Name)`, codes: W },
    { name: 'CREATE SEQUENCE', sql: 'CREATE SEQUENCE evil_seq', codes: RO },
    { name: 'CREATE MACRO', sql: 'CREATE MACRO evil_m(a) AS a + 1', codes: RO },
    { name: 'CREATE SCHEMA', sql: 'CREATE SCHEMA evil_s', codes: RO },
    { name: 'CREATE TYPE', sql: "CREATE TYPE evil_t AS ENUM ('a', 'b')", codes: RO },
    { name: 'CREATE TEMP TABLE', sql: 'CREATE TEMP TABLE scratch (x INTEGER)', codes: RO },
    // a temp view of the same name would shadow the real table for every later query
    { name: 'CREATE OR REPLACE TEMP VIEW shadowing', sql: `CREATE OR REPLACE TEMP VIEW ${table} AS SELECT 1 AS x`, codes: RO },
    { name: 'CREATE SECRET', sql: "CREATE SECRET evil (TYPE s3, KEY_ID 'k', SECRET 's')", codes: RO_OR_DENIED },
    { name: 'COPY … TO', sql: `COPY ${table} TO '${join(dir, 'out.csv')}'`, codes: RO_OR_DENIED },
    { name: 'COPY (query) TO parquet', sql: `COPY (SELECT 1) TO '${join(dir, 'out.parquet')}' (FORMAT parquet)`, codes: RO_OR_DENIED },
    { name: 'COPY over the database’s own file', sql: `COPY (SELECT 1 AS x) TO '${own}'`, codes: RO_OR_DENIED },
    { name: 'COPY … FROM', sql: `COPY ${table} FROM '${outside}'`, codes: [...RO_OR_DENIED, 'SQL_ERROR'] },
    { name: 'EXPORT DATABASE', sql: `EXPORT DATABASE '${join(dir, 'exported')}'`, codes: RO_OR_DENIED },
    { name: 'IMPORT DATABASE', sql: `IMPORT DATABASE '${join(dir, 'exported')}'`, codes: RO_OR_DENIED },
    { name: 'ATTACH a new file', sql: `ATTACH '${join(dir, 'new.duckdb')}' AS other`, codes: RO_OR_DENIED },
    { name: 'ATTACH :memory:', sql: "ATTACH ':memory:' AS mem", codes: RO_OR_DENIED },
    { name: 'DETACH', sql: `DETACH ${dbName}`, codes: RO },
    { name: 'USE another catalog', sql: 'USE system', codes: RO },
    { name: 'INSTALL', sql: 'INSTALL httpfs', codes: RO },
    { name: 'LOAD', sql: 'LOAD httpfs', codes: RO },
    { name: 'UPDATE EXTENSIONS', sql: 'UPDATE EXTENSIONS', codes: RO },
    { name: 'SET threads', sql: 'SET threads = 1', codes: RO },
    { name: 'RESET', sql: 'RESET memory_limit', codes: RO },
    { name: 'PRAGMA setter', sql: 'PRAGMA threads = 1', codes: RO },
    { name: 'PRAGMA enable_profiling', sql: "PRAGMA enable_profiling = 'json'", codes: RO },
    { name: 'SET enable_external_access', sql: 'SET enable_external_access = true', codes: RO },
    { name: 'SET lock_configuration=false', sql: 'SET lock_configuration = false', codes: RO },
    { name: 'SET VARIABLE', sql: 'SET VARIABLE evil = 1', codes: RO },
    { name: 'PREPARE', sql: `PREPARE evil AS DELETE FROM ${table}`, codes: W },
    { name: 'CHECKPOINT', sql: 'CHECKPOINT', codes: RO },
    { name: 'FORCE CHECKPOINT', sql: 'FORCE CHECKPOINT', codes: RO },
    { name: 'CALL with side effects', sql: 'CALL checkpoint()', codes: RO },
    { name: 'VACUUM', sql: 'VACUUM', codes: RO },
    { name: 'ANALYZE', sql: 'ANALYZE', codes: RO },
    { name: 'BEGIN', sql: 'BEGIN TRANSACTION', codes: RO },
    { name: 'COMMIT', sql: 'COMMIT', codes: RO },
    { name: 'EXPLAIN ANALYZE of a write', sql: `EXPLAIN ANALYZE DELETE FROM ${table}`, codes: W },
    { name: 'EXPLAIN of a write', sql: `EXPLAIN DELETE FROM ${table}`, codes: W },
    { name: 'multiple statements', sql: `SELECT 1; DELETE FROM ${table}`, codes: ['MULTIPLE_STATEMENTS'] },
    { name: 'multiple statements after a comment', sql: `SELECT 1; /* x */ DROP TABLE ${table};`, codes: ['MULTIPLE_STATEMENTS'] },
    { name: 'PIVOT that creates a type first', sql: `PIVOT ${table} ON Name`, codes: ['MULTIPLE_STATEMENTS'] },
    { name: 'a write inside query()', sql: `SELECT * FROM query('DELETE FROM ${table}')`, codes: ['SQL_ERROR'] },
    { name: 'read_csv outside the database', sql: "SELECT * FROM read_csv('/etc/passwd')", codes: ['PERMISSION_DENIED'] },
    { name: 'read_text', sql: "SELECT * FROM read_text('/etc/passwd')", codes: ['PERMISSION_DENIED'] },
    { name: 'read_blob', sql: "SELECT * FROM read_blob('/etc/hostname')", codes: ['PERMISSION_DENIED'] },
    { name: 'glob', sql: "SELECT * FROM glob('/etc/*')", codes: ['PERMISSION_DENIED'] },
    { name: 'a file beside the database', sql: `SELECT * FROM read_csv_auto('${outside}')`, codes: ['PERMISSION_DENIED'] },
    { name: 'sniff_csv', sql: "SELECT * FROM sniff_csv('/etc/passwd')", codes: ['PERMISSION_DENIED'] },
    { name: 'NUL hiding a second statement', sql: `SELECT 1\u0000; DELETE FROM ${table}`, codes: ['BAD_REQUEST'] },
  ]
}

async function expectUntouched(db: DatabaseHandle, files: Map<string, FileState>, dir: string, listing: string[], attack: Attack): Promise<void> {
  await expectRejects(db.query(attack.sql), attack.codes)
  // compile() prepares without running: it must not change anything either, and must not call a write runnable
  // (a read of a forbidden file is a read: DuckDB refuses the file when it runs, sometimes only then)
  const compiled = await db.compile(attack.sql)
  if (!attack.compilesAsRead && attack.codes.some((c) => c !== 'PERMISSION_DENIED')) {
    expect(compiled.ok && compiled.readonly, `${attack.name}: compile() calls it runnable`).toBe(false)
  }
  for (const [path, state] of files) expect(fileState(path).sha256, `${attack.name}: ${path}`).toBe(state.sha256)
  expect(listDir(dir), `${attack.name}: the folder`).toEqual(listing)
}

/** After every attack: same structure, same settings, and reads still work. */
async function expectNoStateLeft(db: DatabaseHandle, fingerprint: string, table: string, rows: number): Promise<void> {
  expect((await db.schema({ refresh: true })).fingerprint).toBe(fingerprint)
  expect((await db.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([[rows]])
  const settings = await db.query(
    "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('autoload_known_extensions'), current_setting('autoinstall_known_extensions'), current_setting('temp_directory'), current_setting('threads')",
  )
  expect(settings.rows).toEqual([[false, true, false, false, '', 1]])
  expect((await db.query("SELECT count(*) FROM duckdb_tables() WHERE temporary AND NOT internal")).rows).toEqual([[0]])
  expect((await db.query("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal")).rows).toEqual([[0]])
  expect((await db.query("SELECT count(*) FROM duckdb_databases() WHERE NOT internal")).rows).toEqual([[1]])
}

describe('write attacks on a .duckdb file', () => {
  let dir: string
  let path: string
  let outside: string
  let db: DatabaseHandle
  let files: Map<string, FileState>
  let listing: string[]
  let fingerprint: string

  beforeAll(async () => {
    dir = tempDir('sqlstill-duck-attack-')
    path = (await portSpiderDb('concert_singer', dir)).path
    const w = await DuckDBInstance.create(path)
    const c = await w.connect()
    await c.run("CREATE VIEW singer_names AS SELECT Name FROM singer; CREATE SEQUENCE seq1; CREATE MACRO twice(a) AS a * 2; CHECKPOINT")
    c.closeSync()
    w.closeSync()
    const other = tempDir('sqlstill-duck-outside-')
    outside = join(other, 'secret.csv')
    writeFileSync(outside, 'a,b\n1,2\n')
    files = new Map([[path, fileState(path)]])
    listing = listDir(dir)
    db = await openDatabase(path)
    fingerprint = (await db.schema()).fingerprint
  })

  afterAll(async () => {
    await db?.close()
  })

  it('has at least 30 kinds of attack', () => {
    expect(attacks('singer', 'concert_singer', dir, outside, path).length).toBeGreaterThanOrEqual(30)
  })

  it('every attack fails and leaves the file byte-identical, with no new files beside it', async () => {
    for (const attack of [
      ...attacks('singer', 'concert_singer', dir, outside, path),
      { name: 'DROP SEQUENCE', sql: 'DROP SEQUENCE seq1', codes: RO },
      { name: 'DROP MACRO', sql: 'DROP MACRO twice', codes: RO },
      { name: 'nextval on a sequence', sql: "SELECT nextval('seq1')", codes: ['READ_ONLY', 'SQL_ERROR'] as ErrorCode[], compilesAsRead: true },
      { name: 'ATTACH the file itself again', sql: `ATTACH '${path}' AS again`, codes: RO_OR_DENIED },
    ]) {
      await expectUntouched(db, files, dir, listing, attack)
    }
    await expectNoStateLeft(db, fingerprint, 'singer', 6)
    expect((await db.query('SELECT twice(21)')).rows).toEqual([[42]])
  })

  it('checkpoint() as a table function changes nothing either', async () => {
    await db.query('SELECT * FROM checkpoint()').catch(() => undefined)
    expect(fileState(path).sha256).toBe(files.get(path)!.sha256)
    expect(listDir(dir)).toEqual(listing)
  })

  it('reads still work, including the ones that look like writes', async () => {
    expect((await db.query('SELECT Name FROM singer_names ORDER BY Name LIMIT 1')).rows).toEqual([['Joe Sharp']])
    expect((await db.query('FROM singer SELECT count(*)')).rows).toEqual([[6]])
    expect((await db.query('DESCRIBE singer')).rowCount).toBeGreaterThan(0)
    expect((await db.query('SHOW TABLES')).rowCount).toBe(5)
    expect((await db.query('EXPLAIN ANALYZE SELECT count(*) FROM singer')).rowCount).toBeGreaterThan(0)
    expect((await db.query("PIVOT singer ON Country IN ('France', 'Netherlands') USING count(*) GROUP BY Is_male")).rowCount).toBe(2)
    expect((await db.query("SELECT * FROM duckdb_settings() WHERE name = 'threads'")).rowCount).toBe(1)
    expect(fileState(path).sha256).toBe(files.get(path)!.sha256)
    expect(listDir(dir)).toEqual(listing)
  })
})

describe('write attacks on a folder of data files', () => {
  let dir: string
  let outside: string
  let db: DatabaseHandle
  let files: Map<string, FileState>
  let listing: string[]
  let fingerprint: string

  beforeAll(async () => {
    dir = join(tempDir('sqlstill-duck-attack-data-'), 'data')
    mkdirSync(dir)
    writeFileSync(join(dir, 'singer.csv'), 'Singer_ID,Name,Country\n1,Joe Sharp,Netherlands\n2,Timbaland,United States\n')
    const w = await DuckDBInstance.create(':memory:')
    const c = await w.connect()
    await c.run(`COPY (SELECT range AS id FROM range(10)) TO '${join(dir, 'numbers.parquet')}' (FORMAT parquet)`)
    c.closeSync()
    w.closeSync()
    // a file in the same folder that is not one of its data files: it must stay out of reach
    outside = join(dir, 'private.txt')
    writeFileSync(outside, 'a,b\n1,2\n')
    files = new Map(['singer.csv', 'numbers.parquet', 'private.txt'].map((f) => [join(dir, f), fileState(join(dir, f))]))
    listing = listDir(dir)
    db = await openDatabase(dir)
    fingerprint = (await db.schema()).fingerprint
  })

  afterAll(async () => {
    await db?.close()
  })

  it('every attack fails and leaves the files byte-identical, with no new files in the folder', async () => {
    for (const attack of attacks('singer', 'memory', dir, outside, join(dir, 'singer.csv'))) await expectUntouched(db, files, dir, listing, attack)
    await expectNoStateLeft(db, fingerprint, 'singer', 2)
    expect((await db.query('SELECT sum(id) FROM numbers')).rows).toEqual([[45]])
  })

  it('the views read their own files, and nothing else in the folder', async () => {
    expect((await db.query(`SELECT count(*) FROM read_csv_auto('${join(dir, 'singer.csv')}')`)).rows).toEqual([[2]])
    await expectRejects(db.query(`SELECT * FROM read_text('${outside}')`), ['PERMISSION_DENIED'])
    await expectRejects(db.query(`SELECT * FROM glob('${join(dir, '*')}')`), ['PERMISSION_DENIED'])
  })
})
