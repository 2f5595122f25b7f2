// Acceptance: nothing a user types can change the database file, create files, or leave state behind.
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../src/shared/errors'
import { openDatabase, openReadOnlySync, runQuery, type DatabaseHandle } from '../../src/main/core/db'
import { copySpiderDb, expectRejects, expectThrows, fileState, listDir, type FileState } from './dbTestUtils'

interface Attack {
  name: string
  sql: string
  codes: ErrorCode[]
}

let dbPath: string
let dir: string
let otherPath: string
let vacuumTarget: string

function attacks(): Attack[] {
  const RO: ErrorCode[] = ['READ_ONLY']
  return [
    { name: 'INSERT', sql: "INSERT INTO singer (Singer_ID, Name) VALUES (99, 'Mallory')", codes: RO },
    { name: 'UPDATE', sql: "UPDATE singer SET Name = 'Mallory'", codes: RO },
    { name: 'DELETE', sql: 'DELETE FROM singer', codes: RO },
    { name: 'DROP TABLE', sql: 'DROP TABLE singer', codes: RO },
    { name: 'DROP VIEW', sql: 'DROP VIEW singer_names', codes: RO },
    { name: 'ALTER TABLE ADD COLUMN', sql: 'ALTER TABLE singer ADD COLUMN evil TEXT', codes: RO },
    { name: 'ALTER TABLE RENAME', sql: 'ALTER TABLE singer RENAME TO singer2', codes: RO },
    { name: 'CREATE TABLE', sql: 'CREATE TABLE evil (x INTEGER)', codes: RO },
    { name: 'CREATE INDEX', sql: 'CREATE INDEX evil_ix ON singer (Name)', codes: RO },
    { name: 'CREATE VIEW', sql: 'CREATE VIEW evil_v AS SELECT 1', codes: RO },
    {
      name: 'CREATE TRIGGER',
      sql: 'CREATE TRIGGER evil_t AFTER INSERT ON singer BEGIN DELETE FROM concert; END',
      codes: RO,
    },
    { name: 'ATTACH', sql: `ATTACH DATABASE '${otherPath}' AS other`, codes: RO },
    { name: 'write to an attached database', sql: 'INSERT INTO other.t VALUES (42)', codes: ['SQL_ERROR', 'READ_ONLY'] },
    { name: 'ATTACH a new in-memory database', sql: "ATTACH DATABASE ':memory:' AS mem", codes: RO },
    { name: 'DETACH', sql: 'DETACH DATABASE main', codes: ['READ_ONLY', 'SQL_ERROR'] },
    { name: 'VACUUM', sql: 'VACUUM', codes: RO },
    { name: 'VACUUM INTO', sql: `VACUUM INTO '${vacuumTarget}'`, codes: RO },
    { name: 'PRAGMA user_version=5', sql: 'PRAGMA user_version=5', codes: RO },
    { name: 'PRAGMA journal_mode=WAL', sql: 'PRAGMA journal_mode=WAL', codes: RO },
    { name: 'PRAGMA writable_schema=1', sql: 'PRAGMA writable_schema=1', codes: RO },
    { name: 'PRAGMA query_only=OFF', sql: 'PRAGMA query_only=OFF', codes: RO },
    { name: 'PRAGMA schema_version', sql: 'PRAGMA schema_version=1', codes: RO },
    { name: 'PRAGMA optimize', sql: 'PRAGMA optimize', codes: RO },
    { name: 'PRAGMA wal_checkpoint', sql: 'PRAGMA wal_checkpoint(TRUNCATE)', codes: RO },
    { name: 'REINDEX', sql: 'REINDEX', codes: RO },
    { name: 'ANALYZE', sql: 'ANALYZE', codes: RO },
    { name: 'write hidden in a CTE', sql: "WITH x AS (SELECT 1) INSERT INTO singer (Singer_ID, Name) SELECT 100, 'M' FROM x", codes: RO },
    { name: 'INSERT … RETURNING', sql: "INSERT INTO singer (Singer_ID, Name) VALUES (101, 'M') RETURNING *", codes: RO },
    { name: 'DELETE … RETURNING', sql: 'DELETE FROM singer RETURNING Name', codes: RO },
    { name: 'REPLACE INTO', sql: "REPLACE INTO singer (Singer_ID, Name) VALUES (1, 'M')", codes: RO },
    {
      name: 'UPSERT',
      sql: "INSERT INTO singer (Singer_ID, Name) VALUES (1, 'M') ON CONFLICT DO UPDATE SET Name = excluded.Name",
      codes: RO,
    },
    { name: 'multiple statements', sql: 'SELECT 1; DELETE FROM singer', codes: ['MULTIPLE_STATEMENTS'] },
    { name: 'multiple statements after a comment', sql: 'SELECT 1; /* x */ DELETE FROM singer;', codes: ['MULTIPLE_STATEMENTS'] },
    { name: 'block comment before DELETE', sql: '/* just a select */ DELETE FROM singer', codes: RO },
    { name: 'line comment before DELETE', sql: '-- x\nDELETE FROM singer', codes: RO },
    { name: 'odd casing', sql: 'dElEtE fRoM SiNgEr', codes: RO },
    { name: 'SAVEPOINT', sql: 'SAVEPOINT sp', codes: RO },
    { name: 'BEGIN IMMEDIATE', sql: 'BEGIN IMMEDIATE', codes: RO },
    { name: 'BEGIN', sql: 'BEGIN', codes: RO },
    { name: 'load_extension', sql: "SELECT load_extension('/tmp/does-not-exist.so')", codes: ['SQL_ERROR', 'READ_ONLY'] },
    // Temp objects live outside the file, but they are state a later query would see: refused as writes.
    { name: 'CREATE TEMP TABLE', sql: 'CREATE TEMP TABLE scratch (x)', codes: RO },
    { name: 'CREATE VIRTUAL TABLE', sql: 'CREATE VIRTUAL TABLE evil_fts USING fts5(x)', codes: RO },
    { name: 'EXPLAIN of a write', sql: 'EXPLAIN DELETE FROM singer', codes: RO },
    // PRAGMA setters that return a row: SQLite calls them readers, yet they change the connection
    { name: 'PRAGMA locking_mode=EXCLUSIVE', sql: 'PRAGMA locking_mode=EXCLUSIVE', codes: RO },
    { name: 'PRAGMA main.locking_mode = exclusive', sql: '/* c */ pragma "main".locking_mode = exclusive;', codes: RO },
    { name: 'PRAGMA busy_timeout=600000', sql: 'PRAGMA busy_timeout=600000', codes: RO },
    { name: 'PRAGMA busy_timeout(600000)', sql: 'PRAGMA busy_timeout(600000)', codes: RO },
    { name: 'PRAGMA mmap_size', sql: 'PRAGMA mmap_size=268435456', codes: RO },
    { name: 'PRAGMA journal_size_limit', sql: 'PRAGMA journal_size_limit=1', codes: RO },
    { name: 'PRAGMA hard_heap_limit', sql: 'PRAGMA hard_heap_limit=1000000', codes: RO },
    { name: 'PRAGMA soft_heap_limit', sql: 'PRAGMA soft_heap_limit=1000000', codes: RO },
    { name: 'PRAGMA threads', sql: 'PRAGMA threads=8', codes: RO },
    { name: 'PRAGMA wal_autocheckpoint', sql: 'PRAGMA wal_autocheckpoint=1', codes: RO },
    { name: 'PRAGMA cache_size', sql: 'PRAGMA cache_size=-2000000', codes: RO },
    { name: 'PRAGMA shrink_memory', sql: 'PRAGMA shrink_memory', codes: RO },
    { name: 'a write hidden after a NUL', sql: 'SELECT 1\0; DELETE FROM singer', codes: ['BAD_REQUEST'] },
  ]
}

let handle: DatabaseHandle
let before: FileState
let otherBefore: FileState
let dirBefore: string[]

beforeAll(async () => {
  dbPath = copySpiderDb('concert_singer')
  dir = dirname(dbPath)
  otherPath = join(dir, 'other.sqlite')
  vacuumTarget = join(dir, 'vacuum-into.sqlite')
  // A view to drop, and a second database to ATTACH, both written before any measurement.
  const setup = new Database(dbPath)
  setup.exec('CREATE VIEW singer_names AS SELECT Name FROM singer')
  setup.close()
  const other = new Database(otherPath)
  other.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)')
  other.close()
  before = fileState(dbPath)
  otherBefore = fileState(otherPath)
  dirBefore = listDir(dir)
  handle = await openDatabase(dbPath)
})

afterAll(async () => {
  await handle?.close()
})

function expectUntouched(): void {
  expect(fileState(dbPath)).toEqual(before)
  expect(fileState(otherPath)).toEqual(otherBefore)
  expect(listDir(dir)).toEqual(dirBefore)
}

describe('read-only attack suite', () => {
  it('has at least 25 distinct attempts', () => {
    const list = attacks()
    expect(list.length).toBeGreaterThanOrEqual(25)
    expect(new Set(list.map((a) => a.sql)).size).toBe(list.length)
  })

  it('refuses every attempt through a handle and leaves the files untouched', async () => {
    for (const attack of attacks()) {
      const err = await expectRejects(handle.query(attack.sql), attack.codes)
      expect(err.message.length, attack.name).toBeGreaterThan(10)
      expectUntouched()
    }
    // The handle still answers, and nothing from the attempts is visible to it.
    const after = await handle.query('SELECT count(*) AS n FROM singer')
    expect(after.rows).toEqual([[6]])
    const dbs = await handle.query('PRAGMA database_list')
    // 'temp' may be listed (preparing a TEMP statement opens the empty temp schema); nothing was attached.
    expect(dbs.rows.map((r) => r[1]).filter((n) => n !== 'temp')).toEqual(['main'])
    expect((await handle.query("SELECT count(*) FROM temp.sqlite_schema")).rows).toEqual([[0]])
    await expectRejects(handle.query('SELECT * FROM temp.scratch'), ['SQL_ERROR'])
    expectUntouched()
  })

  it('refuses every attempt through the in-process helper too', () => {
    const db = openReadOnlySync(dbPath)
    try {
      for (const attack of attacks()) {
        expectThrows(() => runQuery(db, attack.sql), attack.codes)
        expectUntouched()
      }
      expect(db.inTransaction).toBe(false)
    } finally {
      db.close()
    }
    expectUntouched()
  })

  it('compile() reports writes as not read-only without running them', async () => {
    for (const sql of ['DELETE FROM singer', 'DROP TABLE singer', 'SAVEPOINT x', `VACUUM INTO '${vacuumTarget}'`]) {
      const res = await handle.compile(sql)
      expect(res).toMatchObject({ ok: true, readonly: false })
    }
    expectUntouched()
  })

  it('still allows reading PRAGMAs and EXPLAIN of a read', async () => {
    const info = await handle.query('PRAGMA table_info(singer)')
    expect(info.rows.length).toBe(7)
    for (const sql of ['PRAGMA page_size', 'pragma main.user_version;', 'PRAGMA index_list("singer")', 'PRAGMA locking_mode', 'PRAGMA busy_timeout', 'SELECT * FROM pragma_table_info(\'singer\')']) {
      expect((await handle.query(sql)).rowCount, sql).toBeGreaterThan(0)
    }
    // the connection kept its settings: a 1 s busy wait, normal locking
    expect((await handle.query('PRAGMA busy_timeout')).rows).toEqual([[1000]])
    expect((await handle.query('PRAGMA locking_mode')).rows).toEqual([['normal']])
    const plan = await handle.query('EXPLAIN QUERY PLAN SELECT * FROM singer WHERE Singer_ID = 1')
    expect(plan.rowCount).toBeGreaterThan(0)
    expectUntouched()
  })
})
