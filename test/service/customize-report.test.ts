// customize.report reads a run folder back: both eval reports boiled down (by hardness, failure modes, fixed and
// broken items) and the loss curve from train/metrics.jsonl — and refuses folders that are not runs.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { evalLossLabel, STAGES, type RunManifest } from '../../src/shared/customize'
import { writeManifest } from '../../src/main/core/distill/pipeline/runDir'
import { buildReport, type ItemRecord } from '../../src/main/core/eval'
import { readCustomizeReport } from '../../src/main/core/service/customizeReport'
import { tempDir } from '../helpers/paths'

const root = tempDir('sqlstill-customize-report-')
afterAll(() => rmSync(root, { recursive: true, force: true }))

function record(id: string, hardness: ItemRecord['hardness'], verdict: ItemRecord['verdict']): ItemRecord {
  return { id, db_id: 'customize', question: `q${id}`, gold: 'SELECT 1', pred: 'SELECT 1', hardness, verdict }
}

function makeRun(evaluateStatus: 'done' | 'pending'): string {
  const outDir = join(root, `run-${evaluateStatus}`)
  mkdirSync(outDir, { recursive: true })
  const manifest = {
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    teacherId: 'synth',
    settings: { dbPath: '/x.sqlite', studentModel: '/m.gguf' },
    stages: Object.fromEntries(STAGES.map((s) => [s, { status: s === 'evaluate' ? evaluateStatus : 'done' }])),
  } as unknown as RunManifest
  writeManifest(outDir, manifest)
  const meta = { source: 'customize/x', predictor: 'm', timeoutMs: 1000, itemsFile: 'items.jsonl' }
  const sides = {
    base: [record('1', 'easy', 'ok'), record('2', 'easy', 'no_sql'), record('3', 'hard', 'parse')],
    customized: [record('1', 'easy', 'wrong_result'), record('2', 'easy', 'ok'), record('3', 'hard', 'ok')],
  }
  for (const [side, records] of Object.entries(sides)) {
    mkdirSync(join(outDir, 'evaluate', side), { recursive: true })
    writeFileSync(join(outDir, 'evaluate', side, 'report.json'), JSON.stringify(buildReport(records, { ...meta, predictor: side })))
  }
  mkdirSync(join(outDir, 'train'), { recursive: true })
  writeFileSync(
    join(outDir, 'train', 'metrics.jsonl'),
    '{"step":1,"epoch":0,"loss":2.5}\n{"step":2,"epoch":0,"loss":2.1,"evalLoss":2.3}\n{"step":3,"epo', // the last line cut by a kill
  )
  return outDir
}

describe('readCustomizeReport', () => {
  it('boils down both eval reports and reads the loss curve, skipping a cut-off line', () => {
    const report = readCustomizeReport(makeRun('done'))
    expect(report.base?.overall).toEqual({ correct: 1, total: 3, accuracy: 1 / 3 })
    expect(report.customized?.overall.correct).toBe(2)
    expect(report.base?.byHardness.easy).toEqual({ correct: 1, total: 2, accuracy: 0.5 })
    expect(report.customized?.byHardness.hard.accuracy).toBe(1)
    expect(report.base?.failures).toMatchObject({ no_sql: 1, parse: 1, wrong_result: 0 })
    expect(report.customized?.failures.wrong_result).toBe(1)
    expect(report.fixed).toBe(2)
    expect(report.broken).toBe(1)
    expect(report.loss).toEqual([
      { step: 1, epoch: 0, loss: 2.5 },
      { step: 2, epoch: 0, loss: 2.1, evalLoss: 2.3 },
    ])
  })

  it('leaves out reports that a dataset edit made stale, but keeps the loss curve', () => {
    const report = readCustomizeReport(makeRun('pending'))
    expect(report.base).toBeNull()
    expect(report.customized).toBeNull()
    expect(report.fixed).toBe(0)
    expect(report.loss).toHaveLength(2)
  })

  it('carries the final eval loss of a short run, measured only after its last step (issue 14.8)', () => {
    const outDir = makeRun('done')
    const result = {
      steps: 3, finalEvalLoss: 1.875, seconds: 4, examplesPerSecond: 2, completionTokensPerSecond: 30, peakRssBytes: 1e8,
      tokens: { examples: 100, computed: 90, completion: 40 }, device: { name: 'CPU', description: 'cpu', threads: 2 },
      examples: { train: 10, eval: 3, skippedTooLong: 0, truncated: 0, skippedEmpty: 0, evalSkipped: 0 },
    }
    writeFileSync(join(outDir, 'train', 'result.json'), JSON.stringify(result))
    const report = readCustomizeReport(outDir)
    expect(report.training).toMatchObject({ finalEvalLoss: 1.875, evalExamples: 3, evalSkipped: 0 })
    // the metrics carry no eval point for the last step: the shown figure is the trainer's final one
    expect(evalLossLabel([{ step: 3, epoch: 0, loss: 2 }], report.training, true)).toBe('1.8750')
    writeFileSync(join(outDir, 'train', 'result.json'), JSON.stringify({ ...result, finalEvalLoss: null, examples: { ...result.examples, eval: 0 } }))
    expect(evalLossLabel([], readCustomizeReport(outDir).training, true)).toMatch(/^none: no examples were held out/)
    expect(evalLossLabel([], null, false)).toBe('measured after the last step')
  })

  it('refuses a folder that holds no run', () => {
    expect(() => readCustomizeReport(join(root, 'nothing'))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))
  })
})
