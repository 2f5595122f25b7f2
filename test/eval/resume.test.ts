// An interrupted run, resumed, ends with the same results as one that was never interrupted, and no item is
// run or written twice.
import { appendFileSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  buildReport,
  evaluateToFolder,
  loadSpider,
  readRecords,
  runEvaluation,
  type EvalReport,
  type Predictor,
} from '../../src/main/core/eval'
import { SqlstillError } from '../../src/shared/errors'
import { spiderDir, tempDir } from './fixtures'

/** Right on even ids, wrong (a different column) on odd ones: a report with both verdicts. */
const halfRight: Predictor = async (item) => ({
  sql: Number(item.id) % 2 === 0 ? item.gold : 'SELECT 12345',
  totalMs: 10 + (Number(item.id) % 5),
})

function comparable(report: EvalReport): unknown {
  const { createdAt: _c, latency: _l, ...rest } = report
  return rest
}

describe('resumable runs', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
  const set = loadSpider({ dir: spiderDir })
  const dbFilter = ['concert_singer', 'pets_1']
  const limit = 40

  it('an interrupted run plus a rerun equals an uninterrupted run', async () => {
    const full = tempDir('resume-full')
    const parts = tempDir('resume-parts')
    dirs.push(full, parts)

    const reference = await evaluateToFolder({ set, predict: halfRight, predictorName: 'half', outDir: full, dbFilter, limit })
    expect(reference.report.totals.items).toBe(limit)
    expect(reference.report.totals.correct).toBe(limit / 2)

    // Stop during the 15th item (it is dropped: its verdict could be an effect of the interruption), then leave
    // a half-written line as a killed process would.
    const controller = new AbortController()
    let calls = 0
    const stopping: Predictor = async (item, db) => {
      if (++calls === 15) controller.abort()
      return halfRight(item, db)
    }
    await expect(
      evaluateToFolder({ set, predict: stopping, predictorName: 'half', outDir: parts, dbFilter, limit, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' })
    const itemsFile = join(parts, 'items.jsonl')
    expect(readRecords(itemsFile)).toHaveLength(14)
    appendFileSync(itemsFile, '{"id":"99","db_id":"concert_sin')

    // Without --resume an existing run is not overwritten.
    await expect(
      evaluateToFolder({ set, predict: halfRight, predictorName: 'half', outDir: parts, dbFilter, limit }),
    ).rejects.toThrow(/--resume/)

    const predicted: string[] = []
    const counting: Predictor = async (item, db) => {
      predicted.push(item.id)
      return halfRight(item, db)
    }
    const resumed = await evaluateToFolder({ set, predict: counting, predictorName: 'half', outDir: parts, dbFilter, limit, resume: true })
    expect(resumed.resumed).toBe(14)
    expect(predicted).toHaveLength(limit - 14)

    const lines = readFileSync(itemsFile, 'utf8').trim().split('\n')
    const ids = lines.map((l) => (JSON.parse(l) as { id: string }).id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toHaveLength(limit)
    expect(comparable(resumed.report)).toEqual(comparable(reference.report))

    // A third run has nothing left to do and changes nothing.
    const again = await evaluateToFolder({ set, predict: counting, predictorName: 'half', outDir: parts, dbFilter, limit, resume: true })
    expect(again.resumed).toBe(limit)
    expect(predicted).toHaveLength(limit - 14)
    expect(readFileSync(itemsFile, 'utf8').trim().split('\n')).toHaveLength(limit)
  }, 120_000)

  it('keeps a deterministic order, honours --limit and --db-id, and reports progress with an ETA', async () => {
    const dir = tempDir('resume-order')
    dirs.push(dir)
    const seen: { done: number; total: number; eta: number | null }[] = []
    const run = await runEvaluation({
      items: set.items,
      predict: halfRight,
      dbResolver: set.dbResolver,
      outFile: join(dir, 'items.jsonl'),
      dbFilter: 'pets_1',
      limit: 7,
      onProgress: (p) => seen.push({ done: p.done, total: p.total, eta: p.etaMs }),
    })
    const expectedIds = set.items.filter((i) => i.dbId === 'pets_1').slice(0, 7).map((i) => i.id)
    expect(run.records.map((r) => r.id)).toEqual(expectedIds)
    expect(seen.map((s) => s.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(seen.every((s) => s.total === 7)).toBe(true)
    expect(seen[0].eta).toBeNull()
    expect(seen.at(-1)!.eta).toBe(0)
    expect(seen.slice(1, -1).every((s) => typeof s.eta === 'number' && s.eta >= 0)).toBe(true)
  }, 60_000)

  it('refuses a results file from another question set', async () => {
    const dir = tempDir('resume-foreign')
    dirs.push(dir)
    const outFile = join(dir, 'items.jsonl')
    await runEvaluation({ items: set.items, predict: halfRight, dbResolver: set.dbResolver, outFile, limit: 2 })
    const changed = set.items.slice(0, 2).map((i) => ({ ...i, gold: i.gold + ' ' }))
    const err = await runEvaluation({ items: changed, predict: halfRight, dbResolver: set.dbResolver, outFile }).catch((e) => e)
    expect(err).toBeInstanceOf(SqlstillError)
    expect((err as SqlstillError).code).toBe('BAD_REQUEST')
    expect(buildReport(readRecords(outFile), { source: 's', predictor: 'p', timeoutMs: 1, itemsFile: 'x' }).totals.items).toBe(2)
  }, 60_000)
})
