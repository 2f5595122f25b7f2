// `sqlstill eval` end to end with a real (tiny) model on 20 Spider dev questions: near-zero accuracy is the
// honest answer for a 260K-parameter story model; the point is that the harness runs, classifies and reports.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { modelsDir, repoRoot, spiderDir, tempDir } from '../helpers/paths'

describe('sqlstill eval --model', () => {
  it('evaluates a tiny model on 20 Spider dev questions and writes JSON + HTML reports', () => {
    const out = join(tempDir(), 'run')
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, 'bin', 'sqlstill.js'), 'eval', '--spider', spiderDir, '--model', join(modelsDir, 'stories260K-f32.gguf'), '--limit', '20', '--max-tokens', '24', '--out', out, '--no-progress'],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, SQLSTILL_DATA_DIR: tempDir() }, timeout: 240_000 },
    )
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))
    expect(report.schemaVersion).toBe(1)
    const items = readFileSync(join(out, 'items.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(items).toHaveLength(20)
    // Every item got a verdict from the shared failure taxonomy, and latency was measured for each.
    const verdicts = new Set(items.map((i: { verdict: string }) => i.verdict))
    for (const v of verdicts) expect(['ok', 'no_sql', 'parse', 'unknown_identifier', 'runtime_error', 'timeout', 'wrong_result', 'empty', 'skipped']).toContain(v)
    expect(items.every((i: { ttftMs?: number }) => typeof i.ttftMs === 'number' && i.ttftMs > 0)).toBe(true)
    expect(existsSync(join(out, 'report.html'))).toBe(true)
    expect(r.stdout).toMatch(/EX \d+\.\d%/)
    console.log(r.stdout.trim().split('\n').slice(0, 2).join('\n'), '| verdicts:', [...verdicts].join(', '))
  })
})
