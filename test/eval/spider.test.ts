// Acceptance checks on Spider dev: the harness scores the gold SQL as 100% on every executable question, and
// the hardness counter agrees with the official levels.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildReport, computeHardness, goldAsPrediction, loadSpider, runEvaluation } from '../../src/main/core/eval'
import { spiderDir, tempDir } from './fixtures'

describe('Spider dev', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  it('loads 1034 questions with the shipped hardness, and wta_1 has no database', () => {
    const set = loadSpider({ dir: spiderDir })
    expect(set.items).toHaveLength(1034)
    expect(set.items.every((i) => i.hardness)).toBe(true)
    expect(set.dbResolver('wta_1')).toBeNull()
    expect(set.dbResolver('concert_singer')).toMatch(/concert_singer\.sqlite$/)
  })

  it('computed hardness agrees with dev_hardness.json on at least 90% of questions', () => {
    const dev = JSON.parse(readFileSync(join(spiderDir, 'dev.json'), 'utf8')) as { query: string }[]
    const official = JSON.parse(readFileSync(join(spiderDir, 'dev_hardness.json'), 'utf8')) as { hardness: string }[]
    let agree = 0
    let unknown = 0
    dev.forEach((d, i) => {
      const h = computeHardness(d.query)
      if (h === official[i].hardness) agree++
      if (h === 'unknown') unknown++
    })
    const rate = agree / dev.length
    console.log(`hardness agreement with dev_hardness.json: ${agree}/${dev.length} = ${(rate * 100).toFixed(1)}% (${unknown} unparsed)`)
    expect(rate).toBeGreaterThanOrEqual(0.9)
  })

  it('gold as prediction scores 100% on all executable questions (wta_1 skipped)', async () => {
    const set = loadSpider({ dir: spiderDir })
    const dir = tempDir('spider-gold')
    dirs.push(dir)
    const t0 = Date.now()
    const run = await runEvaluation({
      items: set.items,
      predict: goldAsPrediction,
      dbResolver: set.dbResolver,
      outFile: join(dir, 'items.jsonl'),
      timeoutMs: 20_000,
    })
    const seconds = (Date.now() - t0) / 1000
    const report = buildReport(run.records, { source: set.name, predictor: 'gold', timeoutMs: 20_000, itemsFile: 'items.jsonl' })
    const notOk = run.records.filter((r) => r.verdict !== 'ok' && r.verdict !== 'skipped')
    console.log(
      `gold vs gold: ${report.totals.correct}/${report.totals.evaluated} correct, ${report.totals.skipped} skipped ` +
        `(of ${report.totals.items}) in ${seconds.toFixed(1)} s`,
    )
    expect(notOk.map((r) => `${r.id} ${r.verdict} ${r.detail ?? ''}`)).toEqual([])
    expect(report.totals.items).toBe(1034)
    expect(report.totals.evaluated).toBe(972)
    expect(report.totals.correct).toBe(972)
    expect(report.totals.skipped).toBe(62)
    expect(run.records.filter((r) => r.verdict === 'skipped').every((r) => r.db_id === 'wta_1')).toBe(true)
    expect(report.ex.overall.accuracy).toBe(1)
    expect(report.skipReasons).toEqual({ 'database missing': 62 })
    // The official distribution over the executable questions (1034 minus wta_1's).
    const byLevel = Object.fromEntries(Object.entries(report.ex.byHardness).map(([h, a]) => [h, a.total]))
    expect(byLevel.easy + byLevel.medium + byLevel.hard + byLevel.extra).toBe(972)
  }, 180_000)
})
