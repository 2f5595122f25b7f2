// Acceptance: nothing a query string can say changes a PostgreSQL database, its server or the session. Every
// attack runs through the handle as a login role with SELECT only and again as the superuser (the worst case: a
// user who connects as postgres); each must be refused, and afterwards every table's rows, the catalogs, the
// sequence, the server's files and locks are as they were (read by the superuser over a separate connection).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { SqlstillError } from '../../src/shared/errors'
import { startPostgres, type PgCluster } from '../helpers/postgres'
import { portSpiderDb } from '../helpers/spiderToPostgres'

const DB = 'concert_singer'
let cluster: PgCluster
let admin: pg.Client
/** Set to the cluster's folder (which the server's OS user can write) once it runs. */
let markerDir = ''

const marker = (name: string): string => join(markerDir, name)

/** Each attack: a name and the statement. Files the attacks would create live in the cluster's temp folder. */
function attacks(): [string, string][] {
  return [
    ['INSERT', "INSERT INTO singer (singer_id, name) VALUES (99, 'evil')"],
    ['UPDATE', "UPDATE singer SET name = 'evil'"],
    ['DELETE', 'DELETE FROM singer'],
    ['TRUNCATE', 'TRUNCATE singer_in_concert'],
    ['MERGE', "MERGE INTO singer s USING (SELECT 1 AS id) v ON s.singer_id = v.id WHEN MATCHED THEN UPDATE SET name = 'evil'"],
    ['CTE-wrapped DELETE', 'WITH d AS (DELETE FROM singer RETURNING *) SELECT * FROM d'],
    ['CTE-wrapped UPDATE', 'WITH u AS (UPDATE singer SET age = 0 RETURNING 1) SELECT count(*) FROM u'],
    ['CTE-wrapped INSERT', "WITH i AS (INSERT INTO stadium (stadium_id, name) VALUES (999, 'x') RETURNING 1) SELECT * FROM i"],
    ['SELECT FOR UPDATE', 'SELECT * FROM singer FOR UPDATE'],
    ['SELECT FOR NO KEY UPDATE', 'SELECT * FROM singer FOR NO KEY UPDATE'],
    ['SELECT FOR SHARE in a subquery', 'SELECT * FROM (SELECT * FROM singer FOR SHARE) s'],
    ['DROP TABLE', 'DROP TABLE singer_in_concert'],
    ['ALTER TABLE', 'ALTER TABLE singer ADD COLUMN evil int'],
    ['CREATE TABLE', 'CREATE TABLE evil (x int)'],
    ['CREATE VIEW', 'CREATE VIEW evil_v AS SELECT 1'],
    ['CREATE INDEX', 'CREATE INDEX evil_ix ON singer (age)'],
    ['CREATE FUNCTION', "CREATE FUNCTION evil_f() RETURNS int LANGUAGE sql AS 'SELECT 1'"],
    ['CREATE ROLE', 'CREATE ROLE evil_role SUPERUSER LOGIN'],
    ['ALTER ROLE', 'ALTER ROLE reader SUPERUSER'],
    ['CREATE TEMP TABLE', 'CREATE TEMP TABLE evil_tmp AS SELECT 1'],
    ['SELECT INTO', 'SELECT * INTO evil_copy FROM singer'],
    ['COPY TO file', `COPY singer TO '${marker('copy-out')}'`],
    ['COPY FROM PROGRAM', `COPY singer FROM PROGRAM 'touch ${marker('copy-from-program')}'`],
    ['COPY TO PROGRAM', `COPY (SELECT 1) TO PROGRAM 'touch ${marker('copy-to-program')}'`],
    ['SET', 'SET default_transaction_read_only = off'],
    ['SET via SET SESSION', 'SET SESSION default_transaction_read_only TO off'],
    ['RESET', 'RESET ALL'],
    ['SET SESSION CHARACTERISTICS', 'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE'],
    ['COMMIT smuggling', 'COMMIT; DELETE FROM singer'],
    ['ROLLBACK; BEGIN READ WRITE smuggling', 'ROLLBACK; BEGIN READ WRITE; DELETE FROM singer; COMMIT'],
    ['END smuggling after a read', 'SELECT 1; END; DELETE FROM singer'],
    ['multiple statements', 'SELECT 1; DELETE FROM singer'],
    ['multiple statements behind a comment', 'SELECT 1 /* harmless */; /* */ UPDATE singer SET age = 1'],
    ['pg_read_file', "SELECT pg_read_file('/etc/passwd')"],
    ['pg_read_binary_file', "SELECT pg_read_binary_file('/etc/passwd')"],
    ['pg_ls_dir', "SELECT pg_ls_dir('.')"],
    ['pg_stat_file', "SELECT pg_stat_file('postgresql.conf')"],
    ['lo_import', "SELECT lo_import('/etc/passwd')"],
    ['lo_export', `SELECT lo_export(1, '${marker('lo-export')}')`],
    ['lo_from_bytea', "SELECT lo_from_bytea(0, 'evil')"],
    ['pg_advisory_lock', 'SELECT pg_advisory_lock(42)'],
    ['pg_try_advisory_lock in a subquery', 'SELECT * FROM singer WHERE (SELECT pg_try_advisory_lock(43))'],
    ['quoted function name', 'SELECT "pg_advisory_lock"(44)'],
    ['schema-qualified function name', 'SELECT pg_catalog.pg_advisory_lock(45)'],
    ['unicode-escaped function name', 'SELECT U&"\\0070g_advisory_lock"(46)'],
    ['unicode-escaped function name with UESCAPE', `SELECT U&"!0070g_advisory_lock" UESCAPE '!'(48)`],
    ['SQL hidden in ts_rewrite', "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery FROM pg_advisory_lock(49)')"],
    ['set_config', "SELECT set_config('default_transaction_read_only', 'off', false)"],
    ['pg_terminate_backend', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()'],
    ['pg_cancel_backend', 'SELECT pg_cancel_backend(pid) FROM pg_stat_activity'],
    ['pg_reload_conf', 'SELECT pg_reload_conf()'],
    ['nextval', "SELECT nextval('evil_seq')"],
    ['setval', "SELECT setval('evil_seq', 1000)"],
    ['txid_current', 'SELECT txid_current()'],
    ['SQL hidden in query_to_xml', "SELECT query_to_xml('SELECT pg_advisory_lock(47)', true, false, '')"],
    ['dblink', "SELECT * FROM dblink('dbname=concert_singer', 'DELETE FROM singer') AS t(x text)"],
    ['GRANT', 'GRANT ALL ON singer TO PUBLIC'],
    ['REVOKE', 'REVOKE SELECT ON singer FROM reader'],
    ['VACUUM', 'VACUUM singer'],
    ['ANALYZE', 'ANALYZE singer'],
    ['LISTEN', 'LISTEN evil_channel'],
    ['NOTIFY', "NOTIFY evil_channel, 'x'"],
    ['pg_notify', "SELECT pg_notify('evil_channel', 'x')"],
    ['DO block', 'DO $$ BEGIN DELETE FROM singer; END $$'],
    ['CALL', 'CALL evil_proc()'],
    ['PREPARE', 'PREPARE evil_p AS DELETE FROM singer'],
    ['EXECUTE', 'EXECUTE evil_p'],
    ['DISCARD', 'DISCARD ALL'],
    ['LOCK TABLE', 'LOCK TABLE singer IN ACCESS EXCLUSIVE MODE'],
    ['a writing function', 'SELECT evil_delete()'],
    ['a function that turns read-only off', 'SELECT evil_read_write()'],
    ['REFRESH MATERIALIZED VIEW', 'REFRESH MATERIALIZED VIEW evil_mv'],
    ['CHECKPOINT', 'CHECKPOINT'],
    ['a write behind a comment', '/* SELECT */ DELETE FROM singer'],
    ['a write in parentheses', '(DELETE FROM singer)'],
    ['EXPLAIN ANALYZE of a write', 'EXPLAIN ANALYZE DELETE FROM singer'],
  ]
}

interface ServerState {
  tables: Record<string, string>
  roles: string[]
  relations: number
  functions: number
  largeObjects: number
  advisoryLocks: number
  sequence: string
  grants: string[]
}

async function serverState(): Promise<ServerState> {
  const tables: Record<string, string> = {}
  const names = (await admin.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename as string)
  for (const t of names) {
    // A checksum of every row, in a fixed order.
    const r = await admin.query(`SELECT count(*) AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h FROM "${t}" x`)
    tables[t] = `${r.rows[0].n}:${r.rows[0].h}`
  }
  const one = async (sql: string): Promise<string> => String(Object.values((await admin.query(sql)).rows[0])[0])
  return {
    tables,
    roles: (await admin.query('SELECT rolname || rolsuper::text AS r FROM pg_roles ORDER BY 1')).rows.map((r) => r.r as string),
    relations: Number(await one('SELECT count(*) FROM pg_class')),
    functions: Number(await one('SELECT count(*) FROM pg_proc')),
    largeObjects: Number(await one('SELECT count(*) FROM pg_largeobject_metadata')),
    advisoryLocks: Number(await one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")),
    sequence: await one('SELECT last_value::text || is_called::text FROM evil_seq'),
    grants: (await admin.query("SELECT grantee || privilege_type AS g FROM information_schema.role_table_grants WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.g as string),
  }
}

beforeAll(async () => {
  cluster = await startPostgres()
  markerDir = cluster.dir
  await portSpiderDb(cluster, DB)
  admin = await cluster.admin(DB)
  // Objects some attacks aim at: a sequence, a writing function and procedure (as a database owner might have
  // left them), and a materialised view.
  await admin.query('CREATE SEQUENCE evil_seq')
  await admin.query("CREATE FUNCTION evil_delete() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM singer; RETURN 1; END $$")
  await admin.query(
    "CREATE FUNCTION evil_read_write() RETURNS int LANGUAGE plpgsql AS $$ BEGIN SET LOCAL transaction_read_only = off; DELETE FROM singer; RETURN 1; END $$",
  )
  await admin.query('CREATE PROCEDURE evil_proc() LANGUAGE sql AS $$ DELETE FROM singer $$')
  await admin.query('CREATE MATERIALIZED VIEW evil_mv AS SELECT count(*) FROM singer')
  await admin.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader')
  await admin.query('GRANT USAGE, SELECT ON SEQUENCE evil_seq TO reader')
})

afterAll(async () => {
  await admin?.end()
  cluster?.stop()
})

async function runAll(db: DatabaseHandle): Promise<{ succeeded: string[]; codes: Map<string, string> }> {
  const succeeded: string[] = []
  const codes = new Map<string, string>()
  for (const [name, sql] of attacks()) {
    try {
      await db.query(sql, { timeoutMs: 5_000 })
      succeeded.push(name)
    } catch (err) {
      codes.set(name, err instanceof SqlstillError ? err.code : `non-SqlstillError: ${String(err)}`)
    }
  }
  return { succeeded, codes }
}

describe.each([
  ['a login role with SELECT only', () => cluster.readerUrl(DB)],
  ['the superuser', () => cluster.superUrl(DB)],
])('write attacks as %s', (_who, url) => {
  it(`refuses every one of ${attacks().length} attacks and nothing changes`, async () => {
    expect(attacks().length).toBeGreaterThanOrEqual(30)
    const before = await serverState()
    expect(Object.keys(before.tables).length).toBe(4)
    const db = await openDatabase(url())
    try {
      const { succeeded, codes } = await runAll(db)
      expect(succeeded).toEqual([])
      for (const [name, code] of codes) {
        expect(['READ_ONLY', 'MULTIPLE_STATEMENTS', 'PERMISSION_DENIED'], `${name} failed with ${code}`).toContain(code)
      }
      // The session is as it was: still read-only, no transaction left open, and reads still work.
      const state = await db.query("SELECT current_setting('default_transaction_read_only') AS d, current_setting('transaction_read_only') AS t")
      expect(state.rows).toEqual([['on', 'on']])
      expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
    } finally {
      await db.close()
    }
    expect(await serverState()).toEqual(before)
    for (const f of ['copy-out', 'copy-from-program', 'copy-to-program', 'lo-export']) expect(existsSync(marker(f)), f).toBe(false)
  })
})

it('the refusal of a denied function says why and recommends a SELECT-only role', async () => {
  const db = await openDatabase(cluster.superUrl(DB))
  try {
    const err = await db.query('SELECT pg_advisory_lock(1)').catch((e: SqlstillError) => e)
    expect(err).toBeInstanceOf(SqlstillError)
    expect((err as SqlstillError).code).toBe('READ_ONLY')
    expect((err as SqlstillError).message).toMatch(/pg_advisory_lock/)
    expect((err as SqlstillError).message).toMatch(/SELECT only/)
  } finally {
    await db.close()
  }
})

it('reads that only look like attacks still run (names in strings, comments and quoted identifiers)', async () => {
  const db = await openDatabase(cluster.readerUrl(DB))
  try {
    const res = await db.query("SELECT 'DELETE FROM singer; pg_advisory_lock(1)' AS s, $$ ; $$ AS t -- ; DROP TABLE singer\n FROM singer LIMIT 1")
    expect(res.rows).toEqual([['DELETE FROM singer; pg_advisory_lock(1)', ' ; ']])
    expect((await db.query('SELECT name FROM singer WHERE name = \'update\' OR name <> \'for update\' ORDER BY singer_id LIMIT 1;')).rows).toEqual([['Joe Sharp']])
  } finally {
    await db.close()
  }
})

it('the before/after check sees a change (control: one updated cell alters the checksum)', async () => {
  const before = await serverState()
  await admin.query('BEGIN')
  try {
    await admin.query("UPDATE singer SET name = name || '!' WHERE singer_id = 1")
    expect((await serverState()).tables.singer).not.toBe(before.tables.singer)
  } finally {
    await admin.query('ROLLBACK')
  }
  expect(await serverState()).toEqual(before)
})
