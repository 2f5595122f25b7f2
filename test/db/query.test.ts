// Acceptance: results are capped and flagged, values are encoded losslessly and JSON-safe, and compile()
// reports SQLite's own errors.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { DEFAULT_ROW_CAP } from '../../src/shared/query'
import { tempDir } from '../helpers/paths'
import { expectRejects } from './dbTestUtils'

let db: DatabaseHandle

beforeAll(async () => {
  const path = join(tempDir('sqlstill-query-'), 'values.sqlite')
  const w = new Database(path)
  w.exec(`CREATE TABLE big (id INTEGER PRIMARY KEY, label TEXT);
          WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 25000)
          INSERT INTO big SELECT x, 'row ' || x FROM c;
          CREATE TABLE "odd ""name""" ("col with space" INTEGER, data BLOB, huge INTEGER, price DECIMAL(10,2));`)
  w.prepare('INSERT INTO "odd ""name""" VALUES (?, ?, ?, ?)').run(1, Buffer.alloc(1234), 9007199254740993n, 9.99)
  w.prepare('INSERT INTO "odd ""name""" VALUES (?, ?, ?, ?)').run(2, null, -9007199254740993n, null)
  w.close()
  db = await openDatabase(path)
})

afterAll(async () => {
  await db.close()
})

describe('query results', () => {
  it('caps at 10,000 rows by default and says so', async () => {
    const res = await db.query('SELECT * FROM big')
    expect(res.rowCount).toBe(DEFAULT_ROW_CAP)
    expect(res.rows.length).toBe(DEFAULT_ROW_CAP)
    expect(res.truncated).toBe(true)
    expect(res.rowCap).toBe(DEFAULT_ROW_CAP)
    expect(res.rows[9_999]).toEqual([10_000, 'row 10000'])
  })

  it('honours maxRows, and does not flag a result that fits', async () => {
    const capped = await db.query('SELECT id FROM big', { maxRows: 50 })
    expect(capped).toMatchObject({ rowCount: 50, truncated: true, rowCap: 50 })
    const exact = await db.query('SELECT id FROM big LIMIT 50', { maxRows: 50 })
    expect(exact).toMatchObject({ rowCount: 50, truncated: false })
    const small = await db.query('SELECT id FROM big WHERE id <= 3;  ')
    expect(small).toMatchObject({ rowCount: 3, truncated: false, sql: 'SELECT id FROM big WHERE id <= 3' })
    const none = await db.query('SELECT id FROM big WHERE id < 0')
    expect(none).toMatchObject({ rowCount: 0, rows: [], truncated: false })
    expect(none.columns.map((c) => c.name)).toEqual(['id'])
  })

  it('describes columns and encodes BLOBs and out-of-range integers', async () => {
    const res = await db.query('SELECT "col with space", data, huge, price, price * 2 AS f, 42 AS n FROM "odd ""name""" ORDER BY 1')
    expect(res.columns).toEqual([
      { name: 'col with space', declaredType: 'INTEGER', table: 'odd "name"' },
      { name: 'data', declaredType: 'BLOB', table: 'odd "name"' },
      { name: 'huge', declaredType: 'INTEGER', table: 'odd "name"' },
      { name: 'price', declaredType: 'DECIMAL(10,2)', table: 'odd "name"' },
      { name: 'f', declaredType: null, table: null },
      { name: 'n', declaredType: null, table: null },
    ])
    expect(res.rows[0]).toEqual([1, { $blob: 1234, head: Buffer.alloc(1234).toString('base64') }, { $bigint: '9007199254740993' }, 9.99, 19.98, 42])
    expect(res.rows[1]).toEqual([2, null, { $bigint: '-9007199254740993' }, null, null, 42])
    expect(JSON.parse(JSON.stringify(res.rows))).toEqual(res.rows)
    expect(res.elapsedMs).toBeGreaterThan(0)
  })

  it('carries the first 4 KB of each BLOB for the viewer, within a budget per result', async () => {
    const one = await db.query("SELECT CAST(unhex('00ff') || zeroblob(9998) AS BLOB) AS long")
    const long = one.rows[0]![0] as { $blob: number; head?: string }
    expect(long.$blob).toBe(10000)
    const head = Buffer.from(long.head ?? '', 'base64')
    expect(head.byteLength).toBe(4096)
    expect([head[0], head[1], head[2]]).toEqual([0x00, 0xff, 0x00])
    const many = await db.query('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT zeroblob(5000) FROM n')
    const heads = many.rows.map((r) => (r[0] as { head?: string }).head)
    expect(many.rowCount).toBe(2000)
    expect(heads[0]).toBeDefined()
    expect(heads[1999]).toBeUndefined()
    expect(heads.filter(Boolean).length).toBe(1024) // 4 MB of 4 KB heads
  })

  it('takes a trailing semicolon and comments, and refuses a second statement clearly', async () => {
    expect((await db.query('SELECT 1; -- done\n')).rows).toEqual([[1]])
    const err = await expectRejects(db.query('SELECT 1; SELECT 2'), ['MULTIPLE_STATEMENTS'])
    expect(err.message).toMatch(/one SQL statement/)
  })

  it('reports SQL errors with SQLite’s message', async () => {
    const err = await expectRejects(db.query('SELECT nope FROM big'), ['SQL_ERROR'])
    expect(err.message).toBe('no such column: nope')
  })
})

describe('compile()', () => {
  it('accepts good SELECTs and names their columns', async () => {
    expect(await db.compile('SELECT id, label AS l FROM big WHERE id > 5;')).toEqual({
      ok: true,
      readonly: true,
      columnNames: ['id', 'l'],
    })
  })

  it('returns SQL_ERROR with SQLite’s message for syntax errors and unknown names', async () => {
    const syntax = await db.compile('SELEC id FROM big')
    expect(syntax).toMatchObject({ ok: false, error: { code: 'SQL_ERROR' } })
    expect(!syntax.ok && syntax.error.message).toMatch(/syntax error/)
    const table = await db.compile('SELECT * FROM missing_table')
    expect(table).toMatchObject({ ok: false, error: { code: 'SQL_ERROR', message: 'no such table: missing_table' } })
    const column = await db.compile('SELECT missing_column FROM big')
    expect(column).toMatchObject({ ok: false, error: { code: 'SQL_ERROR', message: 'no such column: missing_column' } })
    const multi = await db.compile('SELECT 1; SELECT 2')
    expect(multi).toMatchObject({ ok: false, error: { code: 'MULTIPLE_STATEMENTS' } })
  })
})
