// `sqlstill customize` as a shell user runs it: the training and synthesis knobs reach the run, bad values are
// refused before anything starts, and a small real run (synthesizer teacher, tiny student) leaves an adapter.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureNativeBuilt } from '../native/helpers/native'
import { modelsDir, repoRoot, spiderDb, tempDir } from '../helpers/paths'

ensureNativeBuilt()
const work = tempDir('sqlstill-cli-customize-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

function sqlstill(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, SQLSTILL_DATA_DIR: join(work, 'data') },
    timeout: 240_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const model = join(modelsDir, 'stories260K-f32.gguf')
const db = spiderDb('pets_1')

describe('sqlstill customize', () => {
  it('refuses bad knobs with a usage error before starting', () => {
    const out = join(work, 'never')
    for (const bad of [
      ['--mix', 'easy=x'],
      ['--mix', 'trivial=1'],
      ['--mix', 'easy=0'],
      ['--targets', 'attn_q,lm_head'],
      ['--lr', '-1'],
      ['--rank', '0'],
    ]) {
      const r = sqlstill('customize', db, '--model', model, '--out', out, ...bad)
      expect(r.code, bad.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/is invalid/)
    }
    expect(existsSync(out)).toBe(false)
  })

  it('runs a small customization with the given knobs and records them', { timeout: 300_000 }, () => {
    const out = join(work, 'run')
    const r = sqlstill(
      'customize', db, '--model', model, '--out', out, '--n', '30', '--seed', '3',
      '--mix', 'easy=1', '--tables', 'Pets', '--targets', 'attn_q,attn_v,output', '--rank', '4', '--alpha', '8',
      '--lr', '0.002', '--batch', '4', '--threads', '1', '--max-steps', '3', '--no-evaluate',
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/adapter: .*\.gguf/)
    const manifest = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))
    expect(manifest.settings.train).toMatchObject({ rank: 4, alpha: 8, learningRate: 0.002, batchSize: 4, threads: 1, maxSteps: 3, targets: ['attn_q', 'attn_v', 'output'] })
    const inputs = JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8'))
    expect(inputs.synthesis).toEqual({ mix: { easy: 1 }, tables: ['Pets'] })
    // only Pets questions were synthesized
    const train = readFileSync(join(out, 'dataset', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(train.length).toBeGreaterThan(0)
    for (const e of train) expect(e.sql).toMatch(/pets/i)
  })
})
