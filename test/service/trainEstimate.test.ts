// The training-time estimate reads back run folders as the trainer leaves them (run.json, train/result.json,
// train/metrics.jsonl), written here by the test: the newest run of the same student counts, a resumed run by its
// last session, and a folder it cannot read measures nothing.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { STAGES, type RunManifest } from '../../src/shared/customize'
import type { TrainResult } from '../../src/shared/train'
import { writeManifest } from '../../src/main/core/distill/pipeline/runDir'
import { estimateTraining, NO_MEASUREMENT_REASON } from '../../src/main/core/distill/pipeline/trainEstimate'
import { codeOf } from '../helpers/errors'
import { tempDir } from '../helpers/paths'

const STUDENT = '/models/student.gguf'
const OTHER = '/models/other.gguf'

const root = tempDir('sqlstill-estimate-')
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
/** A data dir of its own for each case. */
const freshDataDir = () => {
  const dir = join(root, String(dirs++))
  mkdirSync(dir)
  return dir
}

interface FakeRun {
  name: string
  student?: string
  trainFinishedAt: string
  trainStatus?: 'done' | 'pending' | 'running'
  /** Training examples, epochs, steps, seconds of the (last) session, the step it resumed from. */
  train: number
  epochs: number
  steps: number
  seconds: number
  resumedFromStep?: number
  batch?: number
  /** false: no metrics.jsonl; 'corrupt': result.json is not JSON. */
  metrics?: boolean
  result?: 'corrupt'
}

/** A run folder as the pipeline and the trainer write it. */
function writeRun(dataDir: string, run: FakeRun): void {
  const outDir = join(dataDir, 'customize', run.name)
  mkdirSync(join(outDir, 'train'), { recursive: true })
  const manifest = {
    schemaVersion: 1,
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: run.trainFinishedAt,
    teacherId: 'synth',
    settings: { dbPath: '/dbs/pets.sqlite', studentModel: run.student ?? STUDENT },
    stages: Object.fromEntries(
      STAGES.map((s) => [s, s === 'train' ? { status: run.trainStatus ?? 'done', startedAt: '2026-11-01T10:00:00.000Z', finishedAt: run.trainFinishedAt } : { status: 'done' }]),
    ),
  } as unknown as RunManifest
  writeManifest(outDir, manifest)
  const batch = run.batch ?? 32
  const stepsPerEpoch = Math.ceil(run.train / batch)
  const result: TrainResult = {
    outDir: join(outDir, 'train'),
    adapterPath: join(outDir, 'train', 'adapter.gguf'),
    metricsPath: join(outDir, 'train', 'metrics.jsonl'),
    steps: run.steps,
    totalSteps: run.steps,
    epochs: run.epochs,
    finalLoss: 1.2,
    finalEvalLoss: 1.4,
    bestEvalLoss: 1.4,
    stoppedEarly: false,
    resumedFromStep: run.resumedFromStep ?? null,
    examples: { train: run.train, eval: 10, skippedTooLong: 0, truncated: 0, skippedEmpty: 0, evalSkipped: 0 },
    kid: null,
    trainableParams: 12_345,
    seconds: run.seconds,
    tokensPerSecond: 900,
    examplesPerSecond: 9,
    completionTokensPerSecond: 300,
    computedTokensPerSecond: 800,
    tokens: { examples: 10_000, computed: 8_000, completion: 3_000 },
    peakRssBytes: 2e8,
    device: { backend: 'cpu', name: 'CPU', description: 'cpu', threads: 2 },
  }
  writeFileSync(join(outDir, 'train', 'result.json'), run.result === 'corrupt' ? '{"steps": 12, "seco' : JSON.stringify(result, null, 2))
  if (run.metrics === false) return
  const lines: string[] = []
  for (let step = 1; step <= run.steps; step++) {
    // the last batch of an epoch holds what is left
    const inEpoch = (step - 1) % stepsPerEpoch
    const examples = inEpoch === stepsPerEpoch - 1 ? run.train - batch * (stepsPerEpoch - 1) : batch
    lines.push(JSON.stringify({ step, epoch: Math.floor((step - 1) / stepsPerEpoch), loss: 2 - step / 100, gradNorm: 1, lr: 2e-4, tokens: 4000, computedTokens: 3000, completionTokens: 900, examples, threads: 2, seconds: 1 }))
  }
  writeFileSync(join(outDir, 'train', 'metrics.jsonl'), lines.join('\n') + '\n')
}

describe('estimateTraining', () => {
  it('says why there is no estimate before anything was measured', () => {
    const dataDir = freshDataDir()
    expect(estimateTraining({ dataDir, studentPath: STUDENT, examples: 100, epochs: 2 })).toEqual({ seconds: null, reason: NO_MEASUREMENT_REASON })
    expect(NO_MEASUREMENT_REASON).toMatch(/the first customization measures/)
    // runs that measure nothing for this student: another student's, and one whose training did not finish
    writeRun(dataDir, { name: 'other', student: OTHER, trainFinishedAt: '2026-11-02T10:00:00.000Z', train: 64, epochs: 1, steps: 2, seconds: 10 })
    writeRun(dataDir, { name: 'unfinished', trainStatus: 'running', trainFinishedAt: '2026-11-03T10:00:00.000Z', train: 64, epochs: 1, steps: 2, seconds: 10 })
    mkdirSync(join(dataDir, 'customize', 'not-a-run'))
    expect(estimateTraining({ dataDir, studentPath: STUDENT, examples: 100, epochs: 2 }).seconds).toBeNull()
  })

  it('scales the newest same-student run to the new size, ignoring other students and unreadable runs', () => {
    const dataDir = freshDataDir()
    // 96 examples × 2 epochs = 6 steps of 32, 48 s: 0.25 s per example-epoch
    writeRun(dataDir, { name: 'pets-old', trainFinishedAt: '2026-11-02T10:00:00.000Z', train: 96, epochs: 2, steps: 6, seconds: 48 })
    // newer, 100 examples (batches 32, 32, 32, 4) × 1 epoch in 50 s: 0.5 s per example-epoch
    writeRun(dataDir, { name: 'pets-new', trainFinishedAt: '2026-11-05T10:00:00.000Z', train: 100, epochs: 1, steps: 4, seconds: 50 })
    // newer still but another student (much faster), and a newer one of this student whose result.json is cut off
    writeRun(dataDir, { name: 'other-newest', student: OTHER, trainFinishedAt: '2026-11-09T10:00:00.000Z', train: 100, epochs: 1, steps: 4, seconds: 1 })
    writeRun(dataDir, { name: 'pets-corrupt', result: 'corrupt', trainFinishedAt: '2026-11-08T10:00:00.000Z', train: 100, epochs: 1, steps: 4, seconds: 1 })

    const estimate = estimateTraining({ dataDir, studentPath: STUDENT, examples: 300, epochs: 2 })
    expect(estimate).toEqual({
      seconds: 300,
      basis: { runId: 'pets-new', examples: 100, epochs: 1, secondsPerExampleEpoch: 0.5, measuredAt: '2026-11-05T10:00:00.000Z' },
    })
    // the same student by another spelling of its path
    expect(estimateTraining({ dataDir, studentPath: '/models/../models/student.gguf', examples: 300, epochs: 2 }).seconds).toBe(300)
    // a step cap counts steps as the trainer does: 300 examples are 10 batches of the measured 32 (30 each on average)
    expect(estimateTraining({ dataDir, studentPath: STUDENT, examples: 300, epochs: 2, maxSteps: 4 }).seconds).toBe(0.5 * 4 * 30)
    expect(estimateTraining({ dataDir, studentPath: STUDENT, examples: 300, epochs: 2, maxSteps: 1000 }).seconds).toBe(300)
    const other = estimateTraining({ dataDir, studentPath: OTHER, examples: 100, epochs: 1 })
    expect(other).toMatchObject({ basis: { runId: 'other-newest' } })
    expect(other.seconds).toBeCloseTo(1, 9)
  })

  it('counts a resumed run by its last session: its own steps and seconds', () => {
    const dataDir = freshDataDir()
    // 64 examples × 5 epochs = 10 steps of 32; resumed at step 6, the last session trained 4 steps (128 examples) in 32 s
    writeRun(dataDir, { name: 'resumed', trainFinishedAt: '2026-11-05T10:00:00.000Z', train: 64, epochs: 5, steps: 10, seconds: 32, resumedFromStep: 6 })
    const estimate = estimateTraining({ dataDir, studentPath: STUDENT, examples: 64, epochs: 5 })
    expect(estimate).toMatchObject({ seconds: 80, basis: { runId: 'resumed', examples: 64, epochs: 5, secondsPerExampleEpoch: 0.25 } })

    // without the metrics log, the run's example-epochs spread evenly over its steps give the same figure
    const bare = freshDataDir()
    writeRun(bare, { name: 'resumed', metrics: false, trainFinishedAt: '2026-11-05T10:00:00.000Z', train: 64, epochs: 5, steps: 10, seconds: 32, resumedFromStep: 6 })
    expect(estimateTraining({ dataDir: bare, studentPath: STUDENT, examples: 64, epochs: 5 }).seconds).toBe(80)

    // resumed at its very last step: the session trained nothing, so it measured nothing
    const empty = freshDataDir()
    writeRun(empty, { name: 'resumed-at-end', trainFinishedAt: '2026-11-05T10:00:00.000Z', train: 64, epochs: 5, steps: 10, seconds: 3, resumedFromStep: 10 })
    expect(estimateTraining({ dataDir: empty, studentPath: STUDENT, examples: 64, epochs: 5 }).seconds).toBeNull()
  })

  it('refuses sizes that are not whole positive numbers', async () => {
    const dataDir = freshDataDir()
    for (const bad of [{ examples: 0, epochs: 1 }, { examples: 10, epochs: 1.5 }, { examples: 10, epochs: 1, maxSteps: 0 }]) {
      expect(await codeOf(Promise.resolve().then(() => estimateTraining({ dataDir, studentPath: STUDENT, ...bad }))), JSON.stringify(bad)).toBe('BAD_REQUEST')
    }
  })
})
