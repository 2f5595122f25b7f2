// A checkpoint that cannot be written (disk full) fails the job clearly, leaves no partial file, and keeps the
// previous checkpoint. The full disk is a real tmpfs sized to hold one checkpoint and a half (needs root to mount;
// skipped otherwise).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readCheckpoint } from '../../src/main/core/train/checkpoint'
import { startTraining } from '../../src/main/core/train/job'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt } from '../native/helpers/native'
import { quickConfig } from './helpers'

ensureNativeBuilt()

function tryMount(dir: string, bytes: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const isRoot = process.getuid?.() === 0
const mounted: string[] = []

afterAll(() => {
  for (const dir of mounted) execFileSync('umount', [dir], { stdio: 'ignore' })
})

describe.skipIf(!isRoot)('checkpoint on a full disk', () => {
  it('fails with a clear error, no partial files, and the previous checkpoint intact', async (ctx) => {
    // measure one checkpoint of this job shape
    const probe = tempDir('sqlstill-ckpt-')
    await startTraining(quickConfig({ maxSteps: 1 }), probe)
    const ckFile = readdirSync(join(probe, 'checkpoint')).find((f) => f.endsWith('.bin'))!
    const size = statSync(join(probe, 'checkpoint', ckFile)).size

    const tiny = join(tempDir('sqlstill-tmpfs-'), 'mnt')
    mkdirSync(tiny)
    if (!tryMount(tiny, Math.floor(size * 1.5))) ctx.skip('cannot mount a tmpfs here (no CAP_SYS_ADMIN)')
    mounted.push(tiny)
    const out = tempDir('sqlstill-train-')
    const err = await startTraining(quickConfig({ maxSteps: 20, checkpointEvery: 5, checkpointDir: tiny }), out).catch((e: unknown) => e)
    expect(err).toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/could not write the checkpoint for step 10: .*the disk is full.*previous checkpoint \(step 5\) is intact/),
    })
    expect(readdirSync(tiny).sort()).toEqual(['ckpt-0000005.bin', 'manifest.json'])
    expect(readCheckpoint(tiny).state.step).toBe(5)
  })
})
