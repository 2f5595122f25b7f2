// Acceptance for the PostgreSQL client against a real server: opening by URL (and the errors when that fails),
// queries with caps and value conversion, compile(), schema() on ported Spider databases and on a database with
// the objects SQLite lacks (schemas, materialised views, partial indexes, triggers), timeout and cancel.
import Database from 'better-sqlite3'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { runPostgresQuery } from '../../src/main/core/db/postgres/execute'
import { Catalog } from '../../src/main/core/db/postgres/catalog'
import { connectClient } from '../../src/main/core/db/postgres/connect'
import { parsePostgresUrl } from '../../src/main/core/db/postgres/target'
import type { PostgresDatabase } from '../../src/main/core/db/postgres/database'
import { BLOB_HEAD_BYTES, DEFAULT_ROW_CAP } from '../../src/shared/query'
import { findTable } from '../../src/shared/schema'
import { spiderDb } from '../helpers/paths'
import { findPostgresBin, READER, READER_PASSWORD, SUPERUSER_PASSWORD, startPostgres, type PgCluster } from '../helpers/postgres'
import { portSpiderDb } from '../helpers/spiderToPostgres'
import { expectRejects } from './dbTestUtils'

const SPIDER = ['concert_singer', 'pets_1', 'car_1']
let cluster: PgCluster
let features: pg.Client

beforeAll(async () => {
  cluster = await startPostgres()
  for (const id of SPIDER) await portSpiderDb(cluster, id)
  await cluster.createDatabase('features')
  features = await cluster.admin('features')
  await features.query(`
    CREATE SCHEMA sales;
    CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, active boolean NOT NULL DEFAULT true, note text);
    CREATE TABLE sales.orders (
      id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
      total numeric(12, 2), placed timestamptz, day date, tags text[], meta jsonb, photo bytea
    );
    CREATE INDEX orders_open ON sales.orders (customer_id) WHERE total > 100;
    CREATE VIEW active_customers AS SELECT id, email FROM customers WHERE active;
    CREATE MATERIALIZED VIEW sales.totals AS SELECT customer_id, sum(total) AS total FROM sales.orders GROUP BY customer_id;
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF total ON sales.orders FOR EACH ROW EXECUTE FUNCTION touch();
    CREATE TABLE big (n int);
    INSERT INTO customers (email, note) VALUES ('a@x.org', repeat('long ', 40)), ('b@x.org', NULL), ('c@x.org', 'short');
    INSERT INTO sales.orders VALUES
      (1, 1, 150.25, '2024-03-01 10:00:00+00', '2024-03-01', '{red,"light blue"}', '{"gift": true}', '\\x000102ff'),
      (9007199254740993, 2, 20, '2024-03-02 23:30:00.5+02', '2024-03-02', '{}', '[1, 2]', NULL);
    INSERT INTO big SELECT generate_series(1, 200100);
    ANALYZE;
  `)
  await features.query('GRANT USAGE ON SCHEMA sales TO reader; GRANT SELECT ON ALL TABLES IN SCHEMA public, sales TO reader')
})

afterAll(async () => {
  await features?.end()
  cluster?.stop()
})

async function withDb<T>(url: string, fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const db = await openDatabase(url)
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

describe('opening', () => {
  it('opens a postgres:// URL: engine, path without the password, name, size', async () => {
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      expect(db.engine).toBe('postgres')
      expect(db.path).toBe(`postgres://${READER}@127.0.0.1:${cluster.port}/concert_singer`)
      expect(db.path).not.toContain(READER_PASSWORD)
      expect(db.name).toBe('concert_singer @ 127.0.0.1')
      expect(db.sizeBytes).toBeGreaterThan(1_000_000)
    })
  })

  it('accepts postgresql://, the password option, and PGPASSWORD', async () => {
    const bare = `postgresql://${READER}@127.0.0.1:${cluster.port}/pets_1`
    const viaOption = await openDatabase(bare, { password: READER_PASSWORD })
    expect((await viaOption.query('SELECT count(*) FROM pets')).rows).toEqual([[3]])
    await viaOption.close()
    const saved = process.env.PGPASSWORD
    process.env.PGPASSWORD = READER_PASSWORD
    try {
      await withDb(bare, async (db) => expect((await db.query('SELECT 1')).rows).toEqual([[1]]))
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD
      else process.env.PGPASSWORD = saved
    }
  })

  it('a wrong password is UNAUTHORIZED, and the message does not carry the password', async () => {
    const err = await expectRejects(openDatabase(cluster.url('concert_singer', READER, 'not-the-password')), ['UNAUTHORIZED'])
    expect(err.message).toMatch(/password/)
    expect(JSON.stringify(err)).not.toContain('not-the-password')
  })

  it('no password where the server asks for one is UNAUTHORIZED and says where to give it', async () => {
    const saved = process.env.PGPASSWORD
    delete process.env.PGPASSWORD
    try {
      const err = await expectRejects(openDatabase(`postgres://${READER}@127.0.0.1:${cluster.port}/concert_singer`), ['UNAUTHORIZED'])
      expect(err.message).toMatch(/PGPASSWORD/)
    } finally {
      if (saved !== undefined) process.env.PGPASSWORD = saved
    }
  })

  it('the test helper fails with an install hint where the server binaries are missing', () => {
    expect(() => findPostgresBin('/nonexistent/postgresql')).toThrow(/apt-get install postgresql/)
  })

  it('a session the server ends is replaced on the next request', async () => {
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      const pid = (db as PostgresDatabase).backendPid!
      await features.query('SELECT pg_terminate_backend($1)', [pid])
      await new Promise((r) => setTimeout(r, 300))
      expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
      expect((db as PostgresDatabase).backendPid).not.toBe(pid)
    })
  })

  it('a missing database is NOT_FOUND and names it', async () => {
    const err = await expectRejects(openDatabase(cluster.superUrl('no_such_db')), ['NOT_FOUND'])
    expect(err.message).toMatch(/no_such_db/)
  })

  it('a port nothing listens on is UNREACHABLE (connection refused)', async () => {
    const err = await expectRejects(openDatabase(`postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:1/x`), ['UNREACHABLE'])
    expect(err.message).toMatch(/127\.0\.0\.1:1/)
  })

  it('the session is read-only from its first statement, and names itself', async () => {
    const client = await connectClient(parsePostgresUrl(cluster.superUrl('concert_singer')))
    try {
      await expect(client.query('CREATE TABLE x (a int)')).rejects.toThrow(/read-only transaction/)
      const r = await client.query("SELECT current_setting('application_name') AS a")
      expect(r.rows[0].a).toBe('sqlstill')
    } finally {
      await client.end()
    }
  })
})

describe('queries', () => {
  it('gives the same rows as SQLite for a ported Spider database', async () => {
    const sqlite = new Database(spiderDb('concert_singer'), { readonly: true })
    try {
      const expected = sqlite.prepare('SELECT Singer_ID, Name, Age, Is_male FROM singer ORDER BY Singer_ID').raw(true).all()
      await withDb(cluster.readerUrl('concert_singer'), async (db) => {
        const res = await db.query('SELECT singer_id, name, age, is_male FROM singer ORDER BY singer_id;')
        expect(res.rows).toEqual(expected)
        expect(res.sql).toBe('SELECT singer_id, name, age, is_male FROM singer ORDER BY singer_id')
        expect(res.columns[1]).toEqual({ name: 'name', declaredType: 'text', table: 'singer' })
        expect(res.truncated).toBe(false)
        expect(res.rowCap).toBe(DEFAULT_ROW_CAP)
      })
    } finally {
      sqlite.close()
    }
  })

  it('converts values: bigint, numeric, bytea with its head, timestamps as ISO, arrays and json as JSON text, booleans', async () => {
    await withDb(cluster.readerUrl('features'), async (db) => {
      const res = await db.query('SELECT id, total, placed, day, tags, meta, photo, customer_id FROM sales.orders ORDER BY customer_id')
      expect(res.rows).toEqual([
        [1, 150.25, '2024-03-01T10:00:00Z', '2024-03-01', '["red","light blue"]', '{"gift": true}', { $blob: 4, head: 'AAEC/w==' }, 1],
        [{ $bigint: '9007199254740993' }, 20, '2024-03-02T21:30:00.5Z', '2024-03-02', '[]', '[1, 2]', null, 2],
      ])
      expect(res.columns.map((c) => c.declaredType)).toEqual(['bigint', 'numeric', 'timestamp with time zone', 'date', 'text[]', 'jsonb', 'bytea', 'integer'])
      expect(res.columns[0].table).toBe('sales.orders')
      const misc = await db.query(
        "SELECT true, 'NaN'::float8, 1e400::numeric > 0 AS big, 0.1::numeric + 0.2 AS n, 1.23456789012345678::numeric AS long, '10:30'::time, " +
          "'2024-01-02 03:04:05'::timestamp, ARRAY[[1,2],[3,NULL]], ARRAY['{\"a\":1}'::jsonb], decode(repeat('ab', 5000), 'hex') AS blob",
      )
      const row = misc.rows[0]
      expect(row.slice(0, 8)).toEqual([true, 'NaN', true, 0.3, '1.23456789012345678', '10:30:00', '2024-01-02T03:04:05', '[[1,2],[3,null]]'])
      expect(row[8]).toBe('[{"a":1}]')
      const blob = row[9] as { $blob: number; head: string }
      expect(blob.$blob).toBe(5000)
      expect(Buffer.from(blob.head, 'base64').length).toBe(Math.min(5000, BLOB_HEAD_BYTES))
    })
  })

  it('caps rows (fetching in batches, never the whole result) and bytes', async () => {
    await withDb(cluster.readerUrl('features'), async (db) => {
      const capped = await db.query('SELECT n FROM big ORDER BY n', { maxRows: 2500 })
      expect(capped.rowCount).toBe(2500)
      expect(capped.rows[2499]).toEqual([2500])
      expect(capped.truncated).toBe(true)
      expect(capped.truncatedBy).toBe('rows')
      const exact = await db.query('SELECT n FROM big WHERE n <= 2500', { maxRows: 2500 })
      expect(exact.truncated).toBe(false)
      expect(exact.rowCount).toBe(2500)
      const none = await db.query('SELECT n FROM big', { maxRows: 0 })
      expect(none).toMatchObject({ rowCount: 0, truncated: true, truncatedBy: 'rows' })
      // The default cap, on an endless series (a set-returning function in the select list streams): only the
      // cap's worth is ever computed.
      const endless = await db.query('SELECT generate_series(1, 1000000000000) AS g', { timeoutMs: 5_000 })
      expect(endless.rowCount).toBe(DEFAULT_ROW_CAP)
      await expectRejects(db.query('SELECT 1', { maxRows: -1 }), ['BAD_REQUEST'])
    })
    const client = await connectClient(parsePostgresUrl(cluster.readerUrl('features')))
    try {
      const res = await runPostgresQuery(client, new Catalog(), "SELECT repeat('x', 1000) FROM big", {
        maxBytes: 100_000,
        timeoutMs: 10_000,
        signal: { stopped: false },
      })
      expect(res.truncatedBy).toBe('bytes')
      expect(res.byteCap).toBe(100_000)
      expect(res.rowCount).toBeGreaterThan(90)
      expect(res.rowCount).toBeLessThan(100)
    } finally {
      await client.end()
    }
  })

  it('reports SQL errors with PostgreSQL’s message', async () => {
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      const missing = await expectRejects(db.query('SELECT * FROM no_such_table'), ['SQL_ERROR'])
      expect(missing.message).toMatch(/relation "no_such_table" does not exist/)
      expect(missing.details?.sqlState).toBe('42P01')
      await expectRejects(db.query('SELECT 1/0'), ['SQL_ERROR'])
      await expectRejects(db.query(''), ['SQL_ERROR'])
      await expectRejects(db.query('SELECT 1; SELECT 2'), ['MULTIPLE_STATEMENTS'])
      // A failed query leaves no aborted transaction behind.
      expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
    })
  })

  it('a role without SELECT on a table gets PERMISSION_DENIED', async () => {
    await features.query('CREATE TABLE secret (x int); REVOKE ALL ON secret FROM reader')
    try {
      await withDb(cluster.readerUrl('features'), async (db) => {
        await expectRejects(db.query('SELECT * FROM secret'), ['PERMISSION_DENIED'])
      })
    } finally {
      await features.query('DROP TABLE secret')
    }
  })
})

describe('compile()', () => {
  it('checks without running: columns of a read, SQL errors, writes valid but not runnable', async () => {
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      expect(await db.compile('SELECT name, age AS a FROM singer;')).toEqual({ ok: true, readonly: true, columnNames: ['name', 'a'] })
      expect(await db.compile('VALUES (1, 2)')).toEqual({ ok: true, readonly: true, columnNames: ['column1', 'column2'] })
      const started = performance.now()
      expect(await db.compile('SELECT pg_sleep(30), count(*) FROM generate_series(1, 100000000000)')).toMatchObject({ ok: true, readonly: true })
      expect(performance.now() - started).toBeLessThan(2_000)
      const syntax = await db.compile('SELEC name FROM singer')
      expect(syntax).toMatchObject({ ok: false, error: { code: 'SQL_ERROR' } })
      const table = await db.compile('SELECT * FROM missing_table')
      expect(table).toMatchObject({ ok: false, error: { code: 'SQL_ERROR', message: expect.stringMatching(/missing_table/) } })
      expect(await db.compile('SELECT missing_column FROM singer')).toMatchObject({ ok: false, error: { code: 'SQL_ERROR' } })
      expect(await db.compile("UPDATE singer SET name = 'x'")).toEqual({ ok: true, readonly: false, columnNames: [] })
      expect(await db.compile('UPDATE singer SET no_such = 1')).toMatchObject({ ok: false, error: { code: 'SQL_ERROR' } })
      expect(await db.compile('DROP TABLE singer')).toEqual({ ok: true, readonly: false, columnNames: [] })
      expect(await db.compile('SELECT 1; SELECT 2')).toMatchObject({ ok: false, error: { code: 'MULTIPLE_STATEMENTS' } })
      // Nothing was prepared or left open by the checks.
      expect((await db.query('SELECT count(*) FROM pg_prepared_statements')).rows).toEqual([[0]])
      expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
    })
  })
})

describe('schema()', () => {
  it('matches the SQLite original of each ported Spider database: tables, columns, keys, row counts', async () => {
    for (const id of SPIDER) {
      const sqlite = new Database(spiderDb(id), { readonly: true })
      try {
        const names = sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]
        await withDb(cluster.readerUrl(id), async (db) => {
          const schema = await db.schema()
          expect(schema.tables.map((t) => t.name).sort()).toEqual(names.map((n) => n.toLowerCase()).sort())
          for (const name of names) {
            const table = findTable(schema, name)!
            expect(table.kind).toBe('table')
            const count = Number(sqlite.prepare(`SELECT count(*) FROM "${name}"`).pluck().get())
            expect(table.rowCount, `${id}.${name}`).toBe(count)
            expect(table.rowCountExact).toBe(true)
            const cols = sqlite.prepare('SELECT name, pk FROM pragma_table_info(?)').all(name) as { name: string; pk: number }[]
            expect(table.columns.map((c) => c.name)).toEqual(cols.map((c) => c.name.toLowerCase()))
            expect(table.columns.map((c) => c.primaryKey)).toEqual(cols.map((c) => c.pk))
            expect(table.sql).toMatch(/^CREATE TABLE /)
            if (count > 0) expect(table.columns.some((c) => c.samples.length > 0)).toBe(true)
          }
          expect(await db.schema()).toBe(schema) // cached
        })
      } finally {
        sqlite.close()
      }
    }
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      // (singer_in_concert.singer_id is text in Spider's data, singer.singer_id an integer: that key could not be ported.)
      const sic = findTable(await db.schema(), 'singer_in_concert')!
      expect(sic.foreignKeys).toEqual([{ columns: ['concert_id'], refTable: 'concert', refColumns: ['concert_id'] }])
    })
  })

  it('describes schemas, views, materialised views, indexes, triggers, defaults, samples and estimates', async () => {
    await withDb(cluster.readerUrl('features'), async (db) => {
      const schema = await db.schema()
      expect(schema.tables.map((t) => [t.name, t.kind])).toEqual([
        ['customers', 'table'],
        ['active_customers', 'view'],
        ['big', 'table'],
        ['sales.orders', 'table'],
        ['sales.totals', 'view'],
      ])
      const customers = findTable(schema, 'customers')!
      expect(customers.columns[0]).toMatchObject({ name: 'id', type: 'integer', notNull: true, primaryKey: 1, samples: [1, 2, 3] })
      expect(customers.columns[0].defaultValue).toMatch(/^nextval\('customers_id_seq'/)
      expect(customers.columns[2]).toMatchObject({ name: 'active', type: 'boolean', defaultValue: 'true', samples: [true] })
      expect(customers.columns[3].samples).toEqual([`${'long '.repeat(12)}…`, 'short'])
      expect(customers.indexes.map((i) => [i.name, i.origin, i.unique])).toEqual([
        ['customers_pkey', 'pk', true],
        ['customers_email_key', 'u', true],
      ])
      expect(customers.rowCount).toBe(3)
      expect(customers.sql).toContain('CONSTRAINT customers_email_key UNIQUE (email)')

      const orders = findTable(schema, 'sales.orders')!
      expect(orders.foreignKeys).toEqual([{ columns: ['customer_id'], refTable: 'customers', refColumns: ['id'], onDelete: 'CASCADE' }])
      const partial = orders.indexes.find((i) => i.name === 'orders_open')!
      expect(partial).toMatchObject({ origin: 'c', partial: true, unique: false, columns: ['customer_id'], where: 'total > 100::numeric' })
      expect(partial.sql).toBe('CREATE INDEX orders_open ON sales.orders USING btree (customer_id) WHERE (total > (100)::numeric)')
      expect(orders.triggers).toEqual([
        { name: 'orders_touch', timing: 'BEFORE', event: 'INSERT OR UPDATE OF total', sql: expect.stringMatching(/^CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF total ON sales.orders/) },
      ])
      expect(orders.columns.find((c) => c.name === 'photo')!.samples).toEqual([{ $blob: 4 }])
      expect(orders.columns.find((c) => c.name === 'id')!.samples).toEqual([1, { $bigint: '9007199254740993' }])

      const view = findTable(schema, 'active_customers')!
      expect(view.rowCount).toBeNull()
      expect(view.sql).toMatch(/^CREATE VIEW active_customers AS\nSELECT customers.id,[^]*WHERE customers.active;$/)
      expect(findTable(schema, 'sales.totals')!.sql).toMatch(/^CREATE MATERIALIZED VIEW sales.totals AS/)

      const big = findTable(schema, 'big')!
      expect(big.rowCountExact).toBe(false)
      expect(big.rowCount).toBeGreaterThan(200_000)

      // The fingerprint follows the structure, not the data.
      await features.query("INSERT INTO customers (email) VALUES ('d@x.org')")
      const same = await db.schema({ refresh: true })
      expect(same.fingerprint).toBe(schema.fingerprint)
      expect(findTable(same, 'customers')!.rowCount).toBe(4)
      await features.query('ALTER TABLE customers ADD COLUMN extra int')
      expect((await db.schema({ refresh: true })).fingerprint).not.toBe(schema.fingerprint)
      await features.query('ALTER TABLE customers DROP COLUMN extra')
    })
  })

  it('sampleValues: 0 leaves samples out', async () => {
    const db = await openDatabase(cluster.readerUrl('pets_1'), { sampleValues: 0 })
    try {
      const schema = await db.schema()
      expect(schema.tables.every((t) => t.columns.every((c) => c.samples.length === 0))).toBe(true)
    } finally {
      await db.close()
    }
  })
})

describe('timeout and cancel', () => {
  it('SELECT pg_sleep(10) past timeoutMs rejects with TIMEOUT within 2 s; the server stops it; the handle still works', async () => {
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      const started = performance.now()
      const err = await expectRejects(db.query('SELECT pg_sleep(10)', { timeoutMs: 1000, queryId: 'q-sleep' }), ['TIMEOUT'])
      const elapsed = performance.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(990)
      expect(elapsed).toBeLessThan(2_000)
      expect(err.message).toBe('The query ran longer than 1000 ms and was stopped.')
      expect(err.details).toEqual({ timeoutMs: 1000, queryId: 'q-sleep' })
      expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
      // The same session (no reconnect), and no sleeping query left on the server.
      const pid = (db as PostgresDatabase).backendPid
      const active = await features.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND state = 'active' AND pid <> pg_backend_pid()")
      expect(active.rows[0].n).toBe(0)
      expect((await db.query('SELECT pg_backend_pid()')).rows).toEqual([[pid]])
    })
  })

  it('a statement that runs long in one FETCH is stopped by the client timer as well as statement_timeout', async () => {
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      const err = await expectRejects(db.query('SELECT g, pg_sleep(0.3) FROM generate_series(1, 20) g', { timeoutMs: 1000 }), ['TIMEOUT'])
      expect(err.message).toMatch(/1000 ms/)
      expect((await db.query('SELECT 2')).rows).toEqual([[2]])
    })
  })

  it('cancel(queryId) mid-query rejects with CANCELLED within 1 s; queued queries still run', async () => {
    await withDb(cluster.readerUrl('concert_singer'), async (db) => {
      const running = db.query('SELECT pg_sleep(10)', { queryId: 'q-long', timeoutMs: 60_000 })
      const queued = db.query('SELECT name FROM singer ORDER BY singer_id LIMIT 1', { queryId: 'q-next' })
      const dropped = db.query('SELECT 2', { queryId: 'q-dropped' })
      await new Promise((r) => setTimeout(r, 300))
      expect(db.cancel('q-dropped')).toBe(true)
      await expectRejects(dropped, ['CANCELLED'])
      const started = performance.now()
      expect(db.cancel('q-long')).toBe(true)
      const err = await expectRejects(running, ['CANCELLED'])
      expect(err.details).toEqual({ queryId: 'q-long' })
      expect(performance.now() - started).toBeLessThan(1_000)
      expect((await queued).rows).toEqual([['Joe Sharp']])
      expect(db.cancel('q-long')).toBe(false)
      expect(db.cancel('no-such-query')).toBe(false)
      expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
    })
  })

  it('close() during a query fails it and ends the session', async () => {
    const db = await openDatabase(cluster.readerUrl('concert_singer'))
    const running = db.query('SELECT pg_sleep(10)', { timeoutMs: 60_000 })
    await new Promise((r) => setTimeout(r, 200))
    await db.close()
    await expectRejects(running, ['NOT_FOUND'])
    await expectRejects(db.query('SELECT 1'), ['NOT_FOUND'])
  })
})
