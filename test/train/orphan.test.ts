// The train host must not outlive the app: when its parent dies mid-training (killed, crashed), it stops — between
// two ops of the graph it is computing, or at the next step — writes a checkpoint of the last finished step, and exits.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCheckpoint } from '../../src/main/core/train/checkpoint'
import { repoRoot, tempDir } from '../helpers/paths'
import { ensureNativeBuilt } from '../native/helpers/native'

ensureNativeBuilt()

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('a training job whose parent dies', () => {
  it('exits on its own and leaves a checkpoint to resume from', { timeout: 120_000 }, async () => {
    const out = tempDir('sqlstill-orphan-')
    const parent = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'train', 'helpers', 'orphanParent.ts'), out], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let childPid = 0
    let steps = 0
    parent.stdout.setEncoding('utf8')
    parent.stdout.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (line.startsWith('pid ')) childPid = Number(line.slice(4))
        if (line.startsWith('step ')) steps = Number(line.slice(5))
      }
    })
    const deadline = Date.now() + 60_000
    while ((childPid === 0 || steps < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(childPid).toBeGreaterThan(0)
    expect(steps).toBeGreaterThanOrEqual(3)
    parent.kill('SIGKILL')
    const killedAt = Date.now()
    while (alive(childPid) && Date.now() - killedAt < 30_000) await new Promise((r) => setTimeout(r, 50))
    const seconds = (Date.now() - killedAt) / 1000
    console.log(`train host ${childPid} exited ${seconds.toFixed(1)} s after its parent was killed at step ${steps}`)
    expect(alive(childPid)).toBe(false)
    expect(seconds).toBeLessThan(30)
    // it stopped cleanly: a checkpoint at (or after) the last step the parent saw
    expect(existsSync(join(out, 'checkpoint'))).toBe(true)
    expect(readCheckpoint(join(out, 'checkpoint')).state.step).toBeGreaterThanOrEqual(steps)
  })
})
