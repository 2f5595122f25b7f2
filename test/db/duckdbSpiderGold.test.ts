// Spider dev's gold queries on Spider's databases ported to DuckDB. Through the evaluation runner (which opens
// every database with openDatabase, so a .duckdb path is all it takes), gold-as-prediction must score 100% on
// every item whose gold query DuckDB can run. Separately, each gold query's DuckDB result is compared with its
// SQLite result: the dialects differ (integer division, GROUP BY rules, LIKE's case, string functions…), so that
// figure is measured, printed with the differing queries, and held to a floor.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SqlValue } from '../../src/shared/schema'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { loadSpider } from '../../src/main/core/eval/inputs'
import { resultsMatch } from '../../src/main/core/eval/resultsMatch'
import { goldAsPrediction, prepareForExecution, runEvaluation } from '../../src/main/core/eval/runner'
import { hasOrderBy, requoteFromDqsError } from '../../src/main/core/eval/sqlText'
import type { EvalItem } from '../../src/main/core/eval/types'
import { spiderDb, spiderDir, tempDir } from '../helpers/paths'
import { portSpiderDb } from '../helpers/spiderToDuckDb'

/**
 * Measured 2026-12-02 on the 19 dev databases that have data (972 gold queries; wta_1 ships empty): DuckDB runs 840
 * (86.4%; the rest use SQLite's loose GROUP BY or compare a text column with a number), all 840 score as their
 * own prediction, and 817 (84.1%) give SQLite's result. The floors sit a little under that.
 */
const MIN_DUCKDB_RUNNABLE = 0.84
const MIN_SAME_AS_SQLITE = 0.8

let dir: string
let items: EvalItem[]
const ported = new Map<string, string>()

beforeAll(async () => {
  dir = tempDir('sqlstill-duck-spider-')
  const set = loadSpider({ dir: spiderDir })
  const ids = [...new Set(set.items.map((i) => i.dbId))]
  for (const id of ids) {
    const source = spiderDb(id)
    // a database Spider ships without data (an empty file) has nothing to port
    if (!existsSync(source) || statSync(source).size === 0) continue
    ported.set(id, (await portSpiderDb(id, dir)).path)
  }
  items = set.items.filter((i) => ported.has(i.dbId))
}, 120_000)

type Outcome = { ok: true; rows: SqlValue[][] } | { ok: false; message: string }

/** Runs a gold query as the runner does: the official preprocessing, and Spider's "double-quoted strings" requoted. */
async function run(handle: DatabaseHandle, gold: string): Promise<Outcome> {
  let sql = prepareForExecution(gold)
  for (let attempt = 0; attempt < 32; attempt++) {
    try {
      return { ok: true, rows: (await handle.query(sql, { timeoutMs: 10_000, maxRows: 100_000 })).rows }
    } catch (err) {
      const message = (err as Error).message
      const requoted = requoteFromDqsError(sql, message)
      if (requoted === null) return { ok: false, message }
      sql = requoted
    }
  }
  return { ok: false, message: 'too many requotes' }
}

describe('Spider dev gold queries on DuckDB', () => {
  it('ports the dev databases', () => {
    expect(ported.size).toBeGreaterThanOrEqual(19)
    expect(items.length).toBeGreaterThan(950)
  })

  it('gold vs gold through runEvaluation: 100% on every item DuckDB can run', async () => {
    const outFile = join(dir, 'gold-vs-gold.jsonl')
    const result = await runEvaluation({
      items,
      predict: goldAsPrediction,
      dbResolver: (id) => ported.get(id) ?? null,
      outFile,
    })
    const runnable = result.records.filter((r) => r.verdict !== 'skipped')
    const ok = runnable.filter((r) => r.verdict === 'ok')
    const skipped = result.records.filter((r) => r.verdict === 'skipped')
    console.log(
      `DuckDB gold vs gold: ${ok.length}/${runnable.length} correct (${((100 * ok.length) / runnable.length).toFixed(1)}%); ` +
        `${skipped.length}/${result.records.length} gold queries DuckDB cannot run (dialect), e.g.\n` +
        skipped.slice(0, 8).map((r) => `  [${r.db_id}] ${r.gold}\n    → ${r.detail?.split('\n')[0]}`).join('\n'),
    )
    expect(result.records).toHaveLength(items.length)
    expect(runnable.filter((r) => r.verdict !== 'ok').map((r) => `${r.id} ${r.verdict}: ${r.gold}`)).toEqual([])
    expect(runnable.length / result.records.length).toBeGreaterThanOrEqual(MIN_DUCKDB_RUNNABLE)
  }, 300_000)

  it('measures how many gold queries give the same result on DuckDB as on SQLite', async () => {
    const byDb = new Map<string, EvalItem[]>()
    for (const item of items) byDb.set(item.dbId, [...(byDb.get(item.dbId) ?? []), item])
    let same = 0
    const differ: string[] = []
    const duckFails: string[] = []
    for (const [dbId, list] of byDb) {
      const sqlite = await openDatabase(spiderDb(dbId))
      const duck = await openDatabase(ported.get(dbId)!)
      try {
        expect(duck.engine).toBe('duckdb')
        for (const item of list) {
          const [a, b] = [await run(sqlite, item.gold), await run(duck, item.gold)]
          if (!a.ok) continue
          if (!b.ok) duckFails.push(`[${dbId}] ${item.gold}\n    → ${b.message.split('\n')[0]}`)
          else if (resultsMatch(a.rows, b.rows, hasOrderBy(item.gold))) same++
          else differ.push(`[${dbId}] ${item.gold}\n    sqlite ${JSON.stringify(a.rows.slice(0, 3))} duckdb ${JSON.stringify(b.rows.slice(0, 3))}`)
        }
      } finally {
        await sqlite.close()
        await duck.close()
      }
    }
    const total = same + differ.length + duckFails.length
    console.log(
      `Spider dev gold on DuckDB vs SQLite: ${same}/${total} same result (${((100 * same) / total).toFixed(1)}%); ` +
        `${differ.length} differ, ${duckFails.length} fail on DuckDB.\nDiffering (first 15):\n${differ.slice(0, 15).join('\n')}\n` +
        `Failing on DuckDB (first 15):\n${duckFails.slice(0, 15).join('\n')}`,
    )
    expect(same / total).toBeGreaterThanOrEqual(MIN_SAME_AS_SQLITE)
  }, 300_000)
})

