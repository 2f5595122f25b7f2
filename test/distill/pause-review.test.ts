// "Pause before training so I can review the examples": the UI cancels the run as soon as its dataset is built.
// Excluding an example while paused marks training stale (train back to "pending", so a resume retrains from
// scratch) — and the run must still read as paused, not "stopped" (issue 14.8).
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSplit, updateExample } from '../../src/main/core/distill/dataset'
import { readManifest, resumeCustomization, runCustomization, type CustomizeOptions, type Trainer } from '../../src/main/core/distill/pipeline'
import { pausedForReview, runState } from '../../src/shared/customize'
import { SqlstillError } from '../../src/shared/errors'
import { spiderDb, tempDir } from '../helpers/paths'
import { noStudentProfile } from '../helpers/student'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function options(outDir: string): CustomizeOptions {
  return { dbPath: spiderDb('concert_singer'), outDir, teacher: 'synth', studentModel: '/models/student.gguf', rules: '', n: 12, evalFraction: 0.2, seed: 3 }
}

/** Runs until the dataset stage is done, then cancels, as the UI's pause does. */
async function pausedRun(): Promise<string> {
  const dir = tempDir('sqlstill-pause-')
  dirs.push(dir)
  const controller = new AbortController()
  const err = await runCustomization(options(dir), {
    studentProfile: noStudentProfile,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.stage === 'dataset' && p.message === 'done') controller.abort()
    },
  }).catch((e: unknown) => e)
  expect((err as SqlstillError).code).toBe('CANCELLED')
  return dir
}

describe('a run paused for review', () => {
  it('stays paused when an example is excluded, with training marked stale', async () => {
    const dir = await pausedRun()
    const before = readManifest(dir)
    expect(pausedForReview(before, false, true)).toBe(true)
    const victim = readSplit(dir, 'train')[0]
    await updateExample(dir, victim.id, { excluded: true })
    const after = readManifest(dir)
    expect(after.stages.train.status).toBe('pending')
    expect(after.stages.dataset.status).toBe('done')
    expect(pausedForReview(after, false, true)).toBe(true)
    // the state word alone says "stopped": the pause is what the stages show, not that word
    expect(runState(after, false)).toBe('stopped')
    // not paused while it runs, nor when the user never asked for a pause
    expect(pausedForReview(after, true, true)).toBe(false)
    expect(pausedForReview(after, false, false)).toBe(false)

    // continuing trains without the excluded example and ends the pause
    const trained: string[][] = []
    const trainer: Trainer = async (config, outDir) => {
      trained.push(config.examples.map((e) => e.completion))
      return { adapterPath: join(outDir, 'adapter.gguf') }
    }
    await resumeCustomization(dir, { trainer, studentProfile: noStudentProfile, skipEvaluate: true })
    const done = readManifest(dir)
    expect(done.stages.train.status).toBe('done')
    expect(pausedForReview(done, false, true)).toBe(false)
    expect(trained[0]).toHaveLength(readSplit(dir, 'train').filter((e) => !e.excluded).length)
  }, 120_000)
})
