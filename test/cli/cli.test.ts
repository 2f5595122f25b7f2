// The `sqlstill` binary as a shell user runs it: output formats and exit codes.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot, spiderDb, tempDir } from '../helpers/paths'

function sqlstill(...args: string[]) {
  return sqlstillWithInput(undefined, ...args)
}

function sqlstillWithInput(input: string | undefined, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), ...args], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    env: { ...process.env, SQLSTILL_DATA_DIR: tempDir() },
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const db = spiderDb('concert_singer')

describe('sqlstill CLI', () => {
  it('query prints a table, CSV or JSON', () => {
    const table = sqlstill('query', db, 'SELECT name, age FROM singer ORDER BY age LIMIT 2')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/Name.*Age/)
    expect(table.stdout).toMatch(/Tribal King/)
    expect(table.stdout).toMatch(/2 rows/)

    const csv = sqlstill('query', db, 'SELECT singer_id, name FROM singer ORDER BY singer_id LIMIT 2', '--format', 'csv')
    expect(csv.code).toBe(0)
    expect(csv.stdout.split('\r\n')[0]).toBe('Singer_ID,Name')
    expect(csv.stdout.split('\r\n')).toHaveLength(4)

    const json = sqlstill('query', db, 'SELECT count(*) AS n FROM singer', '-f', 'json')
    expect(JSON.parse(json.stdout)).toEqual([{ n: 6 }])
  })

  it('schema lists tables with keys', () => {
    const r = sqlstill('schema', db)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/table singer_in_concert/)
    expect(r.stdout).toMatch(/→ singer/)
    const json = JSON.parse(sqlstill('schema', db, '--json').stdout)
    expect(json.tables).toHaveLength(4)
  })

  it('exits non-zero with a clear message for bad input', () => {
    const missing = sqlstill('query', '/no/such.sqlite', 'SELECT 1')
    expect(missing.code).toBe(66)
    expect(missing.stderr).toMatch(/NOT_FOUND/)

    const write = sqlstill('query', db, 'DROP TABLE singer')
    expect(write.code).toBe(77)
    expect(write.stderr).toMatch(/READ_ONLY/)

    const syntax = sqlstill('query', db, 'SELEC 1')
    expect(syntax.code).toBe(65)
    expect(syntax.stderr).toMatch(/syntax/i)

    const usage = sqlstill('query', db)
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/missing required argument/)

    const badOption = sqlstill('query', db, 'SELECT 1', '--max-rows', 'lots')
    expect(badOption.code).toBe(2)
    expect(sqlstill('query', db, 'SELECT 1', '--sql-file', '-').code).toBe(2) // both
  })

  it('takes SQL that starts with a comment, from a file or standard input, of any length', () => {
    const commented = '-- the singers\nSELECT count(*) AS n FROM singer'
    const afterSeparator = sqlstill('query', db, '-f', 'json', '--', commented)
    expect(afterSeparator.code, afterSeparator.stderr).toBe(0)
    expect(JSON.parse(afterSeparator.stdout)).toEqual([{ n: 6 }])
    // over 128 KiB: more than one argument may carry
    const long = `SELECT count(*) AS n FROM singer WHERE Name NOT IN (${Array.from({ length: 20_000 }, (_, i) => `'name ${i}'`).join(', ')})`
    expect(long.length).toBeGreaterThan(200 * 1024)
    const file = join(tempDir(), 'q.sql')
    writeFileSync(file, `${commented.split('\n')[0]}\n${long};\n`)
    const fromFile = sqlstill('query', db, '--sql-file', file, '-f', 'json')
    expect(fromFile.code, fromFile.stderr).toBe(0)
    expect(JSON.parse(fromFile.stdout)).toEqual([{ n: 6 }])
    const fromStdin = sqlstillWithInput(`${commented}\n`, 'query', db, '--sql-file', '-', '-f', 'csv')
    expect(fromStdin.code, fromStdin.stderr).toBe(0)
    expect(fromStdin.stdout.trim().split(/\r?\n/)).toEqual(['n', '6'])
    expect(sqlstill('query', db, '--sql-file', '/no/such.sql').code).toBe(66)
  })
})
