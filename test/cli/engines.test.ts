// The command line on other engines: a CSV file and a ported .duckdb through DuckDB, a postgres:// URL through a
// throw-away PostgreSQL cluster (the password from PGPASSWORD), with writes refused and the schema printed.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, tempDir } from '../helpers/paths'
import { READER, READER_PASSWORD, startPostgres, type PgCluster } from '../helpers/postgres'
import { portSpiderDb as portToDuckDb } from '../helpers/spiderToDuckDb'
import { portSpiderDb as portToPostgres } from '../helpers/spiderToPostgres'

function sqlstill(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, SQLSTILL_DATA_DIR: tempDir(), ...env },
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

let cluster: PgCluster
let dir: string
let duckPath: string
beforeAll(async () => {
  dir = tempDir('sqlstill-cli-engines-')
  duckPath = (await portToDuckDb('concert_singer', dir)).path
  cluster = await startPostgres()
  await portToPostgres(cluster, 'concert_singer')
}, 180_000)
afterAll(() => cluster?.stop())

describe('sqlstill on DuckDB and PostgreSQL', () => {
  it('queries a CSV file and a .duckdb file, and refuses a write', () => {
    const csv = join(dir, 'sales.csv')
    writeFileSync(csv, 'region,amount\nnorth,10\nsouth,5\nnorth,7\n')
    const grouped = sqlstill({}, 'query', csv, 'SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region', '-f', 'json')
    expect(grouped.code, grouped.stderr).toBe(0)
    expect(JSON.parse(grouped.stdout)).toEqual([
      { region: 'north', total: 17 },
      { region: 'south', total: 5 },
    ])
    const singers = sqlstill({}, 'query', duckPath, 'SELECT count(*) AS n FROM singer', '-f', 'json')
    expect(singers.code, singers.stderr).toBe(0)
    expect(JSON.parse(singers.stdout)).toEqual([{ n: 6 }])
    const write = sqlstill({}, 'query', duckPath, 'DELETE FROM singer')
    expect(write.code).not.toBe(0)
    expect(write.stderr).toMatch(/READ_ONLY|read-only/i)
    const schema = sqlstill({}, 'schema', duckPath)
    expect(schema.code, schema.stderr).toBe(0)
    expect(schema.stdout).toMatch(/singer_in_concert/)
  })

  it('queries a postgres:// URL with the password from PGPASSWORD, never printing it; refuses a write', () => {
    const url = `postgres://${READER}@127.0.0.1:${cluster.port}/concert_singer`
    const ok = sqlstill({ PGPASSWORD: READER_PASSWORD }, 'query', url, 'SELECT count(*) AS n FROM singer', '-f', 'json')
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toEqual([{ n: 6 }])
    const schema = sqlstill({ PGPASSWORD: READER_PASSWORD }, 'schema', url, '--json')
    expect(schema.code, schema.stderr).toBe(0)
    expect((JSON.parse(schema.stdout) as { engine: string; tables: { name: string }[] }).engine).toBe('postgres')
    const write = sqlstill({ PGPASSWORD: READER_PASSWORD }, 'query', url, "UPDATE singer SET name = 'x'")
    expect(write.code).not.toBe(0)
    expect(write.stderr).toMatch(/READ_ONLY|read-only/i)
    const denied = sqlstill({ PGPASSWORD: 'wrong' }, 'query', url, 'SELECT 1')
    expect(denied.code).not.toBe(0)
    expect(denied.stderr).toMatch(/password/i)
    expect(denied.stderr + ok.stderr + schema.stdout).not.toContain(READER_PASSWORD)
  })
})
