// Reports: the JSON schema, the self-contained HTML page, run comparison, the app's JSONL input, and the CLI.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { register } from '../../src/main/cli/commands/eval'
import {
  REPORT_SCHEMA_VERSION,
  compareRuns,
  computeHardness,
  distribution,
  evaluateToFolder,
  histogram,
  loadJsonl,
  readReport,
  renderComparisonHtml,
  type FolderRun,
  type Predictor,
} from '../../src/main/core/eval'
import { buildPetsDb, tempDir } from './fixtures'

const QUESTIONS = [
  { question: 'Names of all pets', sql: 'SELECT name FROM pet' },
  { question: 'How many dogs?', sql: "SELECT count(*) FROM pet WHERE kind = 'dog'" },
  { question: 'Owners in Oslo', sql: "SELECT name FROM owner WHERE city = 'Oslo'" },
  { question: 'Pets by age', sql: 'SELECT name FROM pet ORDER BY age' },
  {
    question: 'Owner of each pet',
    sql: 'SELECT p.name, o.name FROM pet p LEFT JOIN owner o ON p.owner_id = o.id WHERE p.age > 1 AND o.city = "Oslo"',
  },
]

/** A weak "model": right on the first two questions, then wrong in different ways. */
const weak: Predictor = async (item) => {
  const sql = ['SELECT name FROM pet', "SELECT count(*) FROM pet WHERE kind = 'dog'", 'SELECT nme FROM owner', 'SELECT name FROM pet ORDER BY age DESC', 'SELECT name FORM pet'][
    Number(item.id) - 1
  ]
  return { sql, ttftMs: 20 + Number(item.id), totalMs: 100 * Number(item.id), tokensPerSecond: 50 - Number(item.id), promptTokens: 300 }
}
/** A better one: fixes 3 and 4, breaks 2. */
const better: Predictor = async (item) => {
  if (item.id === '2') return { sql: 'SELECT count(*) FROM pet', totalMs: 90 }
  if (item.id === '5') return { sql: 'nothing', totalMs: 90 }
  return { sql: item.gold, totalMs: 80 }
}

describe('reports', () => {
  let dir: string
  let dbPath: string
  let jsonl: string
  let runA: FolderRun
  let runB: FolderRun

  beforeAll(async () => {
    dir = tempDir('report')
    dbPath = buildPetsDb(dir)
    jsonl = join(dir, 'questions.jsonl')
    writeFileSync(jsonl, QUESTIONS.map((q) => JSON.stringify(q)).join('\n') + '\n\n')
    const set = loadJsonl(jsonl, dbPath)
    runA = await evaluateToFolder({ set, predict: weak, predictorName: 'weak.gguf', outDir: join(dir, 'a') })
    runB = await evaluateToFolder({ set, predict: better, predictorName: 'better.gguf', outDir: join(dir, 'b') })
  }, 60_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the app JSONL format with line-numbered ids and names bad lines', () => {
    const set = loadJsonl(jsonl, dbPath)
    expect(set.items.map((i) => i.id)).toEqual(['1', '2', '3', '4', '5'])
    expect(set.items[0].dbId).toBe('pets')
    expect(set.dbResolver('pets')).toBe(dbPath)
    const bad = join(dir, 'bad.jsonl')
    writeFileSync(bad, '{"question":"q","sql":"SELECT 1"}\n{"question":"q"}\n')
    expect(() => loadJsonl(bad, dbPath)).toThrow(/Line 2/)
  })

  it('writes a JSON report with the stable schema', () => {
    const r = readReport(runA.files.json)
    expect(r.schemaVersion).toBe(REPORT_SCHEMA_VERSION)
    expect(r.totals).toEqual({ items: 5, evaluated: 5, skipped: 0, correct: 2 })
    expect(r.ex.overall).toEqual({ correct: 2, total: 5, accuracy: 0.4 })
    expect(r.failures).toMatchObject({ unknown_identifier: 1, wrong_result: 1, parse: 1, no_sql: 0, timeout: 0 })
    expect(r.latency.ttftMs).toMatchObject({ n: 5, p50: 23, p90: 25 })
    expect(r.latency.totalMs).toMatchObject({ n: 5, p50: 300, p90: 500, min: 100, max: 500 })
    expect(r.latency.tokensPerSecond.p50).toBe(47)
    expect(r.latency.histogram.metric).toBe('totalMs')
    expect(r.latency.histogram.counts.reduce((a, b) => a + b, 0)).toBe(5)
    expect(r.itemsFile).toBe('items.jsonl')
    expect(r.items.map((i) => i.verdict)).toEqual(['ok', 'ok', 'unknown_identifier', 'wrong_result', 'parse'])
    const levels = Object.values(r.ex.byHardness).reduce((n, a) => n + a.total, 0)
    expect(levels).toBe(5)
  })

  it('summarises latencies with nearest-rank percentiles and readable histogram bins', () => {
    expect(distribution([5, 1, 4, 2, 3])).toEqual({ n: 5, p50: 3, p90: 5, mean: 3, min: 1, max: 5 })
    expect(distribution([])).toMatchObject({ n: 0, p50: null, p90: null })
    const h = histogram([100, 450, 1100], 'totalMs')
    expect(h.edges).toEqual([0, 120, 240, 360, 480, 600, 720, 840, 960, 1080, 1200])
    expect(h.counts).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
  })

  it('gives app-style SQL (aliases without AS, LEFT JOIN) a hardness level', () => {
    expect(computeHardness(QUESTIONS[4].sql)).not.toBe('unknown')
    expect(computeHardness('SELECT name FROM pet')).toBe('easy')
    expect(computeHardness('this is not sql')).toBe('unknown')
  })

  it('writes a self-contained HTML page with the charts and their data', () => {
    const html = readFileSync(runA.files.html, 'utf8')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    // Nothing is fetched: no external script, stylesheet or image.
    expect(html).not.toMatch(/<script[^>]+src=/i)
    expect(html).not.toMatch(/<link[^>]+href=["']?https?:/i)
    expect(html).not.toMatch(/<img[^>]+src=["']?https?:/i)
    for (const id of ['chart-hardness', 'chart-failures', 'chart-latency']) expect(html).toContain(`<canvas id="${id}"`)
    expect(html).toMatch(/<style>[\s\S]+<\/style>/)
    // chart.js is inlined (its UMD banner names it) and the data block parses back.
    expect(html).toMatch(/Chart\.js v4/)
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1])
    expect(data.ex.overall.accuracy).toBe(0.4)
    expect(data.failures.unknown_identifier).toBe(1)
    expect(data.latency.histogram.counts).toHaveLength(10)
    // Failing items are listed with their SQL, escaped.
    expect(html).toContain('SELECT nme FROM owner')
    expect(html).toContain('o.city = &quot;Oslo&quot;')
  })

  it('compares two runs: deltas, fixed and broken items', () => {
    const cmp = compareRuns(runA.report, runB.report)
    expect(cmp.overall.a.accuracy).toBe(0.4)
    expect(cmp.overall.b.accuracy).toBe(0.6)
    expect(cmp.overall.delta).toBeCloseTo(0.2)
    expect(cmp.fixed.map((i) => i.id)).toEqual(['3', '4'])
    expect(cmp.broken.map((i) => [i.id, i.verdictB])).toEqual([['2', 'wrong_result']])
    expect(cmp.common).toBe(5)
    const html = renderComparisonHtml(cmp)
    expect(html).not.toMatch(/<script[^>]+src=/i)
    expect(html).toContain('<canvas id="chart-compare"')
    expect(html).toContain('+20.0 pts')
  })

  it('runs from the command line: eval --jsonl --db --gold-as-pred, and eval compare', async () => {
    const out = join(dir, 'cli')
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      const program = new Command().exitOverride()
      register(program)
      await program.parseAsync(['node', 'sqlstill', 'eval', '--jsonl', jsonl, '--db', dbPath, '--gold-as-pred', '--out', out, '--no-progress'])
      expect(readReport(join(out, 'report.json')).ex.overall.accuracy).toBe(1)
      expect(existsSync(join(out, 'report.html'))).toBe(true)

      const cmpOut = join(dir, 'cmp.html')
      const program2 = new Command().exitOverride()
      register(program2)
      await program2.parseAsync(['node', 'sqlstill', 'eval', 'compare', runA.files.json, join(out, 'report.json'), '--out', cmpOut])
      expect(readFileSync(cmpOut, 'utf8')).toContain('Evaluation comparison')
      expect(JSON.parse(readFileSync(join(dir, 'cmp.json'), 'utf8')).fixed).toHaveLength(3)
      const printed = stdout.mock.calls.map((c) => String(c[0])).join('')
      expect(printed).toMatch(/EX 100\.0% — 5\/5 correct/)
      expect(printed).toMatch(/EX 40\.0% → 100\.0% \(\+60\.0 pts\); 3 fixed, 0 broken/)

      const program3 = new Command().exitOverride()
      register(program3)
      await expect(
        program3.parseAsync(['node', 'sqlstill', 'eval', '--jsonl', jsonl, '--db', dbPath, '--model', 'x.gguf', '--out', join(dir, 'm')]),
      ).rejects.toMatchObject({ code: 'UNSUPPORTED' })
    } finally {
      stdout.mockRestore()
    }
  })
})
