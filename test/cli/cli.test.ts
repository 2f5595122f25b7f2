// The `sqlstill` binary as a shell user runs it: output formats and exit codes.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { modelsDir, repoRoot, spiderDb, tempDir } from '../helpers/paths'

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

  it('ask samples as the app settings say unless --temperature or --max-tokens say otherwise', () => {
    // the app's own config.json, as the Settings dialog saves it: answers of at most 16 tokens
    const dataDir = tempDir()
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ settings: { maxTokens: 16, threads: 1 } }))
    const ask = (...args: string[]) => {
      const r = spawnSync(
        process.execPath,
        [join(repoRoot, 'bin', 'sqlstill.js'), 'ask', db, 'List the names of all singers older than thirty.', '--model', join(modelsDir, 'stories260K-f32.gguf'), '--json', '--no-repair', '--budget', '60', ...args],
        { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, SQLSTILL_DATA_DIR: dataDir }, timeout: 120_000 },
      )
      return { code: r.status, stderr: r.stderr, record: r.stdout.startsWith('{') ? (JSON.parse(r.stdout) as { attempts: { output: string; generatedTokens: number }[] }) : null }
    }
    const fromSettings = ask()
    expect(fromSettings.record?.attempts[0]?.generatedTokens, fromSettings.stderr).toBe(16)
    const longer = ask('--max-tokens', '24', '--temperature', '0')
    expect(longer.record?.attempts[0]?.generatedTokens, longer.stderr).toBe(24)
    // greedy (the default temperature) continues the same text further
    expect(longer.record!.attempts[0]!.output.startsWith(fromSettings.record!.attempts[0]!.output)).toBe(true)

    for (const bad of [['--temperature', '3'], ['--temperature', 'warm'], ['--max-tokens', '0'], ['--max-tokens', '5000']]) {
      const r = ask(...bad)
      expect(r.code, bad.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/expected (a temperature from 0 to 2|an integer from 1 to 4096)/)
    }
  }, 180_000)
})
