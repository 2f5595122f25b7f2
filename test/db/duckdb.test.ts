// The DuckDB client on real DuckDB: a Spider database ported to a .duckdb file, data files and folders opened as
// views, the shared value model, caps, compile(), open errors, and stopping a query (time limit, cancel, close).
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { classifyDuckDbError } from '../../src/main/core/db/duckdb/errors'
import { indexExpressions } from '../../src/main/core/db/duckdb/introspect'
import { runRead } from '../../src/main/core/db/duckdb/run'
import { findTable, primaryKeyColumns } from '../../src/shared/schema'
import { repoRoot, spiderDb, tempDir } from '../helpers/paths'
import { portSpiderDb } from '../helpers/spiderToDuckDb'
import { expectRejects } from './dbTestUtils'

const SLOW = 'SELECT count(*) FROM range(100000000) a, range(100000) b WHERE a.range + b.range = 7'

let dir: string
let concert: string
let db: DatabaseHandle

beforeAll(async () => {
  dir = tempDir('sqlstill-duckdb-')
  concert = (await portSpiderDb('concert_singer', dir)).path
  db = await openDatabase(concert)
})

afterAll(async () => {
  await db?.close()
})

describe('a ported Spider database (.duckdb)', () => {
  it('opens read-only as a DuckDB handle and answers like the SQLite original', async () => {
    expect(db.engine).toBe('duckdb')
    expect(db.name).toBe('concert_singer.duckdb')
    expect(db.sizeBytes).toBeGreaterThan(0)
    const sql = 'SELECT Singer_ID, Name, Age FROM singer ORDER BY Singer_ID'
    const duck = await db.query(sql)
    const sqlite = new Database(spiderDb('concert_singer'), { readonly: true })
    const expected = sqlite.prepare(sql).raw(true).all()
    sqlite.close()
    expect(duck.rows).toEqual(expected)
    expect(duck.columns.map((c) => c.name)).toEqual(['Singer_ID', 'Name', 'Age'])
    expect(duck.columns.map((c) => c.declaredType)).toEqual(['BIGINT', 'VARCHAR', 'BIGINT'])
    expect(duck.truncated).toBe(false)
    expect(duck.sql).toBe(sql)
  })

  it('schema(): tables, columns, keys, exact counts, samples and DDL from DuckDB’s catalog', async () => {
    const schema = await db.schema()
    expect(schema.tables.map((t) => t.name).sort()).toEqual(['concert', 'singer', 'singer_in_concert', 'stadium'])
    const sqlite = new Database(spiderDb('concert_singer'), { readonly: true })
    for (const t of schema.tables) {
      expect(t.kind).toBe('table')
      expect(t.rowCountExact).toBe(true)
      expect(t.rowCount).toBe((sqlite.prepare(`SELECT count(*) AS n FROM "${t.name}"`).get() as { n: number }).n)
      expect(t.sql).toMatch(/^CREATE TABLE/)
    }
    sqlite.close()
    const sic = findTable(schema, 'singer_in_concert')!
    expect(primaryKeyColumns(sic)).toEqual(['concert_ID', 'Singer_ID'])
    expect(sic.foreignKeys).toEqual([{ columns: ['concert_ID'], refTable: 'concert', refColumns: ['concert_ID'] }])
    expect(sic.indexes.find((i) => i.origin === 'pk')?.columns).toEqual(['concert_ID', 'Singer_ID'])
    const singer = findTable(schema, 'singer')!
    const name = singer.columns.find((c) => c.name === 'Name')!
    expect(name.type).toBe('VARCHAR')
    expect(name.samples.length).toBe(3)
    expect(singer.columns.find((c) => c.name === 'Singer_ID')!.notNull).toBe(true)
    expect(schema.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    // the same structure opened again gives the same fingerprint
    const again = await openDatabase(concert)
    expect((await again.schema()).fingerprint).toBe(schema.fingerprint)
    await again.close()
  })

  it('views, indexes, other schemas, defaults and sample counts show as in the shared model', async () => {
    const path = join(dir, 'shapes.duckdb')
    const w = await DuckDBInstance.create(path)
    const c = await w.connect()
    await c.run(`CREATE TABLE a (id INTEGER PRIMARY KEY, n VARCHAR NOT NULL DEFAULT 'q', b BLOB, u INTEGER UNIQUE);
      CREATE INDEX a_n ON a (n, lower(n));
      CREATE VIEW v AS SELECT id, n FROM a;
      CREATE SCHEMA s2; CREATE TABLE s2.t (z INTEGER);
      INSERT INTO a VALUES (1, 'x', '\\xAA'::BLOB, 10), (2, 'y', NULL, 20), (3, 'x', NULL, 30);
      INSERT INTO s2.t VALUES (5)`)
    c.closeSync()
    w.closeSync()
    const h = await openDatabase(path, { sampleValues: 1 })
    try {
      const schema = await h.schema()
      expect(schema.tables.map((t) => [t.name, t.kind])).toEqual([['a', 'table'], ['v', 'view'], ['s2.t', 'table']])
      const a = findTable(schema, 'a')!
      expect(a.columns.find((x) => x.name === 'n')).toMatchObject({ defaultValue: "'q'", notNull: true, samples: ['x'] })
      expect(a.columns.find((x) => x.name === 'b')!.samples).toEqual([{ $blob: 1 }])
      expect(a.indexes.map((i) => [i.name, i.origin, i.unique, i.columns])).toEqual(
        expect.arrayContaining([[expect.any(String), 'u', true, ['u']], ['a_n', 'c', false, ['n', 'lower(n)']]]),
      )
      expect(a.indexes.find((i) => i.name === 'a_n')!.sql).toMatch(/^CREATE INDEX a_n/)
      const v = findTable(schema, 'v')!
      expect(v).toMatchObject({ rowCount: null, rowCountExact: false, sql: expect.stringMatching(/^CREATE VIEW v/) })
      expect(findTable(schema, 's2.t')!.rowCount).toBe(1)
      expect((await h.query('SELECT z FROM s2.t')).rows).toEqual([[5]])
    } finally {
      await h.close()
    }
  })

  it('indexExpressions splits DuckDB’s list text at top-level commas only', () => {
    expect(indexExpressions(`[x, "odd, name", '(lower(y, z))', '(a) + (b)']`)).toEqual(['x', 'odd, name', 'lower(y, z)', '(a) + (b)'])
    expect(indexExpressions(null)).toEqual([])
  })
})

describe('DuckDB errors', () => {
  it('map onto the shared codes by DuckDB’s error kind, keeping DuckDB’s text', () => {
    const code = (message: string, sql?: string) => classifyDuckDbError(new Error(message), { sql }).code
    expect(code('Parser Error: syntax error at or near "SELEC"')).toBe('SQL_ERROR')
    expect(code('Binder Error: Referenced column "x" not found in FROM clause!')).toBe('SQL_ERROR')
    expect(code('Catalog Error: Table with name t does not exist!')).toBe('SQL_ERROR')
    expect(code('Permission Error: Cannot access file "/etc/passwd" - file system operations are disabled by configuration')).toBe('PERMISSION_DENIED')
    expect(code('Out of Memory Error: failed to allocate data of size 16.0 MiB (1.4 GiB/1.5 GiB used)')).toBe('TOO_LARGE')
    expect(code('INTERRUPT Error: Interrupted!')).toBe('CANCELLED')
    expect(code('IO Error: Could not read from file "x.duckdb"')).toBe('NOT_A_DATABASE')
    expect(code('Invalid Input Error: Cannot execute statement of type "INSERT" on database "x" which is attached in read-only mode!')).toBe('READ_ONLY')
    expect(code('Invalid Input Error: Cannot change configuration option "threads" - the configuration has been locked')).toBe('READ_ONLY')
    expect(code('something without a kind')).toBe('INTERNAL')
    const e = classifyDuckDbError(new Error('Failed to extract statements: Parser Error: syntax error at end of input'))
    expect(e.message).toBe('Parser Error: syntax error at end of input')
    expect(e.details).toMatchObject({ duckdbMessage: 'Parser Error: syntax error at end of input' })
  })
})

describe('values and caps', () => {
  it('converts DuckDB values to the shared SqlValue', async () => {
    const r = await db.query(`SELECT 1::BIGINT a, 9007199254740993::BIGINT b, 170141183460469231731687303715884105727::HUGEINT h,
      1.25::DECIMAL(10,2) d, DATE '2024-01-02' dt, TIMESTAMP '2024-01-02 03:04:05.123' ts, TIME '03:04:05' t,
      '\\xAA\\xBB'::BLOB bl, [1, 2] l, {'a': 1, 'b': 'x'} s, MAP {'k': 1} m, true bo, 'b3f0a5a4-59b8-4d4b-a4c6-9f4a7c3e1d2a'::UUID u,
      INTERVAL 3 DAY iv, 2.5::FLOAT f, NULL n, 'é' v`)
    expect(r.rows).toEqual([
      [1, { $bigint: '9007199254740993' }, { $bigint: '170141183460469231731687303715884105727' }, 1.25, '2024-01-02',
        '2024-01-02 03:04:05.123', '03:04:05', { $blob: 2, head: Buffer.from([0xaa, 0xbb]).toString('base64') }, '[1,2]',
        '{"a":1,"b":"x"}', '[{"key":"k","value":1}]', true, 'b3f0a5a4-59b8-4d4b-a4c6-9f4a7c3e1d2a', '3 days', 2.5, null, 'é'],
    ])
    expect(r.columns.map((c) => c.declaredType)).toEqual([
      'BIGINT', 'BIGINT', 'HUGEINT', 'DECIMAL(10,2)', 'DATE', 'TIMESTAMP', 'TIME', 'BLOB', 'INTEGER[]',
      'STRUCT("a" INTEGER, "b" VARCHAR)', 'MAP(VARCHAR, INTEGER)', 'BOOLEAN', 'UUID', 'INTERVAL', 'FLOAT', 'INTEGER', 'VARCHAR',
    ])
  })

  it('the row cap cuts a big result without computing it all; maxRows 0 and bad values', async () => {
    const r = await db.query('SELECT range AS i FROM range(10000000000)', { maxRows: 5000 })
    expect(r).toMatchObject({ rowCount: 5000, truncated: true, truncatedBy: 'rows', rowCap: 5000 })
    expect(r.rows[4999]).toEqual([4999])
    expect(r.elapsedMs).toBeLessThan(5_000)
    const all = await db.query('SELECT range FROM range(3)', { maxRows: 3 })
    expect(all).toMatchObject({ rowCount: 3, truncated: false })
    expect((await db.query('SELECT 1', { maxRows: 0 })).truncated).toBe(true)
    expect((await db.query('SELECT 1 WHERE false', { maxRows: 0 })).truncated).toBe(false)
    expect((await db.query('SELECT 1')).rowCap).toBe(10_000)
    await expectRejects(db.query('SELECT 1', { maxRows: -1 }), ['BAD_REQUEST'])
    await expectRejects(db.query('SELECT 1', { timeoutMs: 0 }), ['BAD_REQUEST'])
  })

  it('the byte cap (the SQLite layer’s 64 MiB) cuts a result of huge values', async () => {
    const r = await db.query("SELECT repeat('x', 1000000) FROM range(100)")
    expect(r).toMatchObject({ truncated: true, truncatedBy: 'bytes', byteCap: 64 * 1024 ** 2 })
    expect(r.rowCount).toBeGreaterThan(50)
    expect(r.rowCount).toBeLessThan(70)
  })

  it('runRead honours a small byte cap and the BLOB head budget', async () => {
    const inst = await DuckDBInstance.create(':memory:')
    const conn = await inst.connect()
    try {
      const cut = await runRead(conn, "SELECT repeat('y', 100) FROM range(1000)", { maxBytes: 1_000 })
      expect(cut).toMatchObject({ rowCount: 9, truncatedBy: 'bytes', byteCap: 1_000 })
      // 1,100 blobs of 4 KiB heads pass the 4 MiB budget: later rows carry their length only
      const blobs = await runRead(conn, "SELECT repeat('z', 5000)::BLOB FROM range(1100)")
      expect(blobs.rows[0][0]).toMatchObject({ $blob: 5000, head: expect.any(String) })
      expect(Buffer.from((blobs.rows[0][0] as { head: string }).head, 'base64').length).toBe(4096)
      expect(blobs.rows[1099][0]).toEqual({ $blob: 5000 })
    } finally {
      conn.closeSync()
      inst.closeSync()
    }
  })
})

describe('compile()', () => {
  it('says whether a statement would run, without running it', async () => {
    expect(await db.compile('SELECT Name, Age FROM singer')).toEqual({ ok: true, readonly: true, columnNames: ['Name', 'Age'] })
    expect(await db.compile('EXPLAIN SELECT 1')).toMatchObject({ ok: true, readonly: true })
    expect(await db.compile('DELETE FROM singer')).toEqual({ ok: true, readonly: false, columnNames: [] })
    expect(await db.compile('EXPLAIN ANALYZE DELETE FROM singer')).toMatchObject({ ok: true, readonly: false })
    const bad = await db.compile('SELECT nope FROM singer')
    expect(bad).toMatchObject({ ok: false, error: { code: 'SQL_ERROR', message: expect.stringMatching(/Binder Error: Referenced column "nope" not found/) } })
    expect(await db.compile('SELEC 1')).toMatchObject({ ok: false, error: { code: 'SQL_ERROR', message: expect.stringMatching(/^Parser Error: syntax error/) } })
    expect(await db.compile('SELECT 1; SELECT 2')).toMatchObject({ ok: false, error: { code: 'MULTIPLE_STATEMENTS' } })
    expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
  })

  it('a double-quoted word that names no column gets the single-quote hint (as SQLite gives it)', async () => {
    const err = await expectRejects(db.query('SELECT Name FROM singer WHERE Country = "France"'), ['SQL_ERROR'])
    expect(err.message).toContain('no such column: "France" - should this be a string literal in single-quotes?')
    expect(await db.query("SELECT count(*) FROM singer WHERE Country = 'France'")).toMatchObject({ rows: [[4]] })
  })

  it('empty SQL and a NUL are refused clearly', async () => {
    await expectRejects(db.query('  -- nothing\n'), ['SQL_ERROR'])
    await expectRejects(db.query('SELECT 1\0; DELETE FROM singer'), ['BAD_REQUEST'])
  })
})

describe('data files and folders', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = join(dir, 'data')
    mkdirSync(dataDir)
    writeFileSync(join(dataDir, 'people.csv'), 'id,name,born\n1,Ann,2001-02-03\n2,Bob,1999-12-31\n3,Cy,\n')
    writeFileSync(join(dataDir, 'scores.tsv'), 'id\tscore\n1\t9.5\n2\t7\n')
    writeFileSync(join(dataDir, 'pets.json'), JSON.stringify([{ owner: 1, pet: 'cat', tags: ['a', 'b'] }, { owner: 2, pet: 'dog', tags: [] }]))
    writeFileSync(join(dataDir, 'events.jsonl'), '{"id": 1, "kind": "x"}\n{"id": 2, "kind": "y"}\n{"id": 3, "kind": "z"}\n')
    writeFileSync(join(dataDir, 'notes.txt'), 'not data')
    const w = await DuckDBInstance.create(':memory:')
    const c = await w.connect()
    await c.run(`COPY (SELECT range AS id, range * 2 AS twice FROM range(1000)) TO '${join(dataDir, 'numbers.parquet')}' (FORMAT parquet)`)
    c.closeSync()
    w.closeSync()
  })

  it('a CSV file is one view named after the file', async () => {
    const h = await openDatabase(join(dataDir, 'people.csv'))
    try {
      expect(h.engine).toBe('duckdb')
      expect((await h.query('SELECT id, name, born FROM people ORDER BY id')).rows).toEqual([
        [1, 'Ann', '2001-02-03'],
        [2, 'Bob', '1999-12-31'],
        [3, 'Cy', null],
      ])
      const schema = await h.schema()
      expect(schema.tables).toHaveLength(1)
      expect(schema.tables[0]).toMatchObject({ name: 'people', kind: 'view', rowCount: 3, rowCountExact: true })
      expect(schema.tables[0].columns.map((c) => [c.name, c.type])).toEqual([['id', 'BIGINT'], ['name', 'VARCHAR'], ['born', 'DATE']])
      expect(schema.tables[0].columns[1].samples).toEqual(['Ann', 'Bob', 'Cy'])
      await expectRejects(h.query('DROP VIEW people'), ['READ_ONLY'])
    } finally {
      await h.close()
    }
  })

  it('Parquet, TSV, JSON and JSONL files each open on their own', async () => {
    const cases: [string, string, unknown[][]][] = [
      ['numbers.parquet', 'SELECT count(*), max(twice) FROM numbers', [[1000, 1998]]],
      ['scores.tsv', 'SELECT id, score FROM scores ORDER BY id', [[1, 9.5], [2, 7]]],
      ['pets.json', 'SELECT owner, pet, tags FROM pets ORDER BY owner', [[1, 'cat', '["a","b"]'], [2, 'dog', '[]']]],
      ['events.jsonl', 'SELECT string_agg(kind, \'\' ORDER BY id) FROM events', [['xyz']]],
    ]
    for (const [file, sql, rows] of cases) {
      const h = await openDatabase(join(dataDir, file))
      try {
        expect((await h.query(sql)).rows, file).toEqual(rows)
      } finally {
        await h.close()
      }
    }
  })

  it('a folder is one database with a view per data file (other files ignored)', async () => {
    const h = await openDatabase(dataDir)
    try {
      expect(h.name).toBe('data')
      const schema = await h.schema()
      expect(schema.tables.map((t) => t.name)).toEqual(['events', 'numbers', 'people', 'pets', 'scores'])
      expect(findTable(schema, 'numbers')).toMatchObject({ rowCount: 1000, rowCountExact: true })
      const joined = await h.query('SELECT p.name, s.score FROM people p JOIN scores s USING (id) ORDER BY p.id')
      expect(joined.rows).toEqual([['Ann', 9.5], ['Bob', 7]])
      // a write on a view DuckDB cannot even bind is still refused as a write, not as a catalog error
      for (const sql of ['DELETE FROM people', "UPDATE scores SET score = 0", 'DROP TABLE no_such_table', '  /* x */ insert into people values (1)']) {
        await expect(h.query(sql), sql).rejects.toMatchObject({ code: 'READ_ONLY' })
      }
    } finally {
      await h.close()
    }
  })

  it('two files with one stem get distinct views', async () => {
    const twin = join(dir, 'twin')
    mkdirSync(twin)
    writeFileSync(join(twin, 'a.csv'), 'x\n1\n')
    copyFileSync(join(dataDir, 'numbers.parquet'), join(twin, 'a.parquet'))
    const h = await openDatabase(twin)
    try {
      expect((await h.schema()).tables.map((t) => t.name).sort()).toEqual(['a', 'a_parquet'])
    } finally {
      await h.close()
    }
  })
})

describe('open errors', () => {
  it('missing files and folders are NOT_FOUND', async () => {
    await expectRejects(openDatabase(join(dir, 'nope.duckdb')), ['NOT_FOUND'])
    await expectRejects(openDatabase(join(dir, 'nope.csv')), ['NOT_FOUND'])
  })

  it('corrupt, empty and foreign files are NOT_A_DATABASE with a message naming the problem', async () => {
    const junk = join(dir, 'junk.duckdb')
    writeFileSync(junk, Buffer.alloc(8192, 7))
    expect((await expectRejects(openDatabase(junk), ['NOT_A_DATABASE'])).message).toMatch(/not a DuckDB database/)
    const empty = join(dir, 'empty.ddb')
    writeFileSync(empty, '')
    expect((await expectRejects(openDatabase(empty), ['NOT_A_DATABASE'])).message).toMatch(/empty/)
    const sqlite = join(dir, 'really-sqlite.duckdb')
    copyFileSync(spiderDb('pets_1'), sqlite)
    expect((await expectRejects(openDatabase(sqlite), ['NOT_A_DATABASE'])).message).toMatch(/is a SQLite database/)
    // a DuckDB header with garbage after it: DuckDB's own check fails
    const damaged = join(dir, 'damaged.duckdb')
    const bytes = Buffer.alloc(16384, 0)
    bytes.write('DUCK', 8, 'latin1')
    writeFileSync(damaged, bytes)
    await expectRejects(openDatabase(damaged), ['NOT_A_DATABASE'])
    const parquet = join(dir, 'broken.parquet')
    writeFileSync(parquet, 'this is not parquet at all')
    expect((await expectRejects(openDatabase(parquet), ['NOT_A_DATABASE', 'BAD_REQUEST'])).message).toMatch(/broken\.parquet" could not be read as Parquet/)
    const emptyCsv = join(dir, 'nothing.csv')
    writeFileSync(emptyCsv, '')
    await expectRejects(openDatabase(emptyCsv), ['NOT_A_DATABASE'])
    const noData = join(dir, 'no-data')
    mkdirSync(noData)
    writeFileSync(join(noData, 'readme.md'), '# hi')
    expect((await expectRejects(openDatabase(noData), ['NOT_A_DATABASE'])).message).toMatch(/no data files/)
  })
})

describe('a database another program writes', () => {
  it('is DATABASE_LOCKED while that program holds it, and opens once it lets go', async () => {
    const path = join(dir, 'busy.duckdb')
    const writer = spawn(
      process.execPath,
      ['-e', `const { DuckDBInstance } = require('@duckdb/node-api');
        (async () => { const i = await DuckDBInstance.create(${JSON.stringify(path)}); const c = await i.connect();
          await c.run('CREATE TABLE t (a INTEGER)'); process.stdout.write('ready'); setInterval(() => {}, 1000) })()`],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      await new Promise<void>((resolve) => writer.stdout!.once('data', () => resolve()))
      const err = await expectRejects(openDatabase(path), ['DATABASE_LOCKED'])
      expect(err.message).toMatch(/busy\.duckdb" is open for writing in another program/)
    } finally {
      writer.kill('SIGKILL')
      await new Promise((r) => writer.once('exit', r))
    }
    const h = await openDatabase(path)
    expect((await h.query('SELECT count(*) FROM t')).rows).toEqual([[0]])
    await h.close()
  })
})

describe('stopping queries', () => {
  it('a query past timeoutMs is interrupted with TIMEOUT, and the handle keeps working', async () => {
    const started = performance.now()
    const err = await expectRejects(db.query(SLOW, { timeoutMs: 500 }), ['TIMEOUT'])
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(490)
    expect(elapsed).toBeLessThan(2_000)
    expect(err.message).toMatch(/500 ms/)
    expect(err.details).toMatchObject({ timeoutMs: 500 })
    expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
  })

  it('cancel(queryId) interrupts the running query with CANCELLED; queued ones run or are dropped', async () => {
    const running = db.query(SLOW, { queryId: 'q-long', timeoutMs: 60_000 })
    const queued = db.query('SELECT Name FROM singer ORDER BY Singer_ID LIMIT 1', { queryId: 'q-next' })
    const dropped = db.query('SELECT 2', { queryId: 'q-dropped' })
    await new Promise((r) => setTimeout(r, 300))
    expect(db.cancel('q-dropped')).toBe(true)
    await expectRejects(dropped, ['CANCELLED'])
    const started = performance.now()
    expect(db.cancel('q-long')).toBe(true)
    const err = await expectRejects(running, ['CANCELLED'])
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(err.details).toMatchObject({ queryId: 'q-long' })
    expect((await queued).rows).toEqual([['Joe Sharp']])
    expect(db.cancel('q-long')).toBe(false)
    expect(db.cancel('never-seen')).toBe(false)
  })

  it('the event loop stays free while DuckDB computes', async () => {
    let ticks = 0
    const timer = setInterval(() => ticks++, 20)
    await expectRejects(db.query(SLOW, { timeoutMs: 600 }), ['TIMEOUT'])
    clearInterval(timer)
    expect(ticks).toBeGreaterThan(10)
  })

  it('close() stops a running query and fails queued ones; the handle is then closed', async () => {
    const h = await openDatabase(concert)
    const running = h.query(SLOW, { timeoutMs: 60_000 })
    const queued = h.query('SELECT 1')
    const outcomes = [expectRejects(running, ['NOT_FOUND']), expectRejects(queued, ['NOT_FOUND'])]
    await new Promise((r) => setTimeout(r, 200))
    await h.close()
    await Promise.all(outcomes)
    await expectRejects(h.query('SELECT 1'), ['NOT_FOUND'])
    await h.close()
  })
})
