// Runs an evaluation: for each item, ask the predictor, execute gold and prediction on the item's database with
// the official rules, and append the verdict to the results file. Items run one at a time in input order so a
// run is reproducible and a rerun can pick up where an interrupted one stopped.
import { SqlstillError } from '../../../shared/errors'
import type { SqlValue } from '../../../shared/schema'
import { openDatabase, type DatabaseHandle } from '../db'
import { classifyQueryError, looksLikeSql } from './failureClass'
import { computeHardness } from './hardness'
import type { DbResolver } from './inputs'
import { appendRecord, readRecords } from './resultsFile'
import { resultsMatch } from './resultsMatch'
import { hasOrderBy, joinSplitComparisons, requoteFromDqsError, stripDistinct } from './sqlText'
import type { EvalItem, FailureClass, ItemRecord, Prediction, Verdict } from './types'

/** What a predictor gets to know about the item's database. */
export interface EvalDatabase {
  dbId: string
  path: string
  /** An open read-only handle (schema(), compile(), query()) the predictor may use to build its prompt. */
  handle: DatabaseHandle
}

export type Predictor = (item: EvalItem, db: EvalDatabase) => Promise<Prediction>

export interface EvalProgress {
  done: number
  total: number
  /** Items taken from the results file of an earlier run. */
  resumed: number
  correct: number
  skipped: number
  elapsedMs: number
  /** Estimated time left, from the pace of the items run in this session; null until one has run. */
  etaMs: number | null
  current?: EvalItem
}

export interface RunEvaluationOptions {
  items: EvalItem[]
  predict: Predictor
  dbResolver: DbResolver
  /** The per-item results (JSONL). Records already there are kept and their items not run again. */
  outFile: string
  /** Only the first N items (after dbFilter). */
  limit?: number
  /** Only items of these db_ids. */
  dbFilter?: string | string[]
  /** Per-query time limit; a prediction that passes it scores 0 (default 10 s). */
  timeoutMs?: number
  /** Row cap per query; results cut at the cap are compared as they are. */
  maxRows?: number
  onProgress?: (p: EvalProgress) => void
  /** Stops between items; records already written stay. */
  signal?: AbortSignal
  /** How many databases stay open at once (each is a child process). */
  maxOpenDatabases?: number
}

export interface EvaluationRun {
  /** One record per selected item, in item order. */
  records: ItemRecord[]
  resumed: number
  elapsedMs: number
}

export const DEFAULT_EVAL_TIMEOUT_MS = 10_000
export const DEFAULT_EVAL_MAX_ROWS = 100_000

export function selectItems(items: EvalItem[], dbFilter?: string | string[], limit?: number): EvalItem[] {
  const wanted = dbFilter === undefined ? undefined : new Set(Array.isArray(dbFilter) ? dbFilter : [dbFilter])
  const filtered = wanted ? items.filter((i) => wanted.has(i.dbId)) : items
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new SqlstillError('BAD_REQUEST', `limit must be a non-negative integer (got ${String(limit)}).`)
  }
  return limit === undefined ? filtered : filtered.slice(0, limit)
}

/** Predictions that pass the gold SQL back: the harness's self-test (must score 100% on executable items). */
export const goldAsPrediction: Predictor = async (item) => ({ sql: item.gold })

type Execution = { ok: true; rows: SqlValue[][] } | { ok: false; failure: FailureClass; message: string }

/** Enough for every double-quoted value of one statement; each retry fails at prepare time, so it is cheap. */
const MAX_DQS_RETRIES = 32

async function execute(handle: DatabaseHandle, sql: string, timeoutMs: number, maxRows: number): Promise<Execution> {
  let statement = sql
  let hostRestarts = 0
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await handle.query(statement, { timeoutMs, maxRows })
      return { ok: true, rows: result.rows }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      const requoted = attempt < MAX_DQS_RETRIES ? requoteFromDqsError(statement, message) : null
      if (requoted !== null) {
        statement = requoted
        continue
      }
      // The database host died under the query (e.g. Ctrl-C reached the whole process group). That says nothing
      // about the SQL, so try once more on a fresh host before blaming the statement.
      if (hostRestarts === 0 && isHostCrash(err)) {
        hostRestarts++
        continue
      }
      return { ok: false, failure: classifyQueryError(err), message }
    }
  }
}

function isHostCrash(err: unknown): boolean {
  return err instanceof SqlstillError && err.code === 'INTERNAL' && /stopped unexpectedly/.test(err.message)
}

/** The official preprocessing applied to gold and prediction alike. */
export function prepareForExecution(sql: string): string {
  return stripDistinct(joinSplitComparisons(sql))
}

class DatabasePool {
  private readonly open = new Map<string, Promise<DatabaseHandle>>()
  constructor(private readonly max: number) {}

  async get(path: string): Promise<DatabaseHandle> {
    const existing = this.open.get(path)
    if (existing) {
      // Map order doubles as recency order.
      this.open.delete(path)
      this.open.set(path, existing)
      return existing
    }
    while (this.open.size >= this.max) {
      const [oldest, handle] = this.open.entries().next().value as [string, Promise<DatabaseHandle>]
      this.open.delete(oldest)
      await handle.then((h) => h.close()).catch(() => undefined)
    }
    const handle = openDatabase(path)
    this.open.set(path, handle)
    handle.catch(() => this.open.delete(path))
    return handle
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()]
    this.open.clear()
    await Promise.all(all.map((h) => h.then((x) => x.close()).catch(() => undefined)))
  }
}

function cancelled(): SqlstillError {
  return new SqlstillError('CANCELLED', 'The evaluation was stopped; run it again with resume (--resume) to continue where it stopped.')
}

export async function runEvaluation(opts: RunEvaluationOptions): Promise<EvaluationRun> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS
  const maxRows = opts.maxRows ?? DEFAULT_EVAL_MAX_ROWS
  const selected = selectItems(opts.items, opts.dbFilter, opts.limit)
  const ids = new Set<string>()
  for (const item of selected) {
    if (ids.has(item.id)) throw new SqlstillError('BAD_REQUEST', `Two evaluation items share the id "${item.id}".`)
    ids.add(item.id)
  }

  const previous = new Map<string, ItemRecord>()
  for (const record of readRecords(opts.outFile)) previous.set(record.id, record)
  for (const item of selected) {
    const rec = previous.get(item.id)
    if (rec && (rec.gold !== item.gold || rec.db_id !== item.dbId)) {
      throw new SqlstillError(
        'BAD_REQUEST',
        `The results file ${opts.outFile} belongs to another question set (item ${item.id} differs); use another output folder.`,
        { path: opts.outFile },
      )
    }
  }

  const started = Date.now()
  const pool = new DatabasePool(opts.maxOpenDatabases ?? 4)
  const records: ItemRecord[] = []
  let resumed = 0
  let ranHere = 0
  let ranMs = 0
  const tally = { correct: 0, skipped: 0 }
  const count = (r: ItemRecord): void => {
    if (r.verdict === 'ok') tally.correct++
    if (r.verdict === 'skipped') tally.skipped++
  }
  const report = (current?: EvalItem): void => {
    if (!opts.onProgress) return
    const done = records.length
    const left = selected.length - done
    opts.onProgress({
      done,
      total: selected.length,
      resumed,
      correct: tally.correct,
      skipped: tally.skipped,
      elapsedMs: Date.now() - started,
      etaMs: ranHere > 0 ? (ranMs / ranHere) * left : left === 0 ? 0 : null,
      current,
    })
  }

  try {
    for (const item of selected) {
      const earlier = previous.get(item.id)
      if (earlier) {
        records.push(earlier)
        resumed++
        count(earlier)
        continue
      }
      if (opts.signal?.aborted) throw cancelled()
      report(item)
      const t0 = Date.now()
      const record = await evaluateItem(item, opts.predict, opts.dbResolver, pool, timeoutMs, maxRows)
      // Stopped while this item ran: its verdict may come from the interruption itself, so it is not kept and
      // a resumed run does it again.
      if (opts.signal?.aborted) throw cancelled()
      appendRecord(opts.outFile, record)
      records.push(record)
      count(record)
      ranHere++
      ranMs += Date.now() - t0
    }
    report()
  } finally {
    await pool.closeAll()
  }
  return { records, resumed, elapsedMs: Date.now() - started }
}

async function evaluateItem(
  item: EvalItem,
  predict: Predictor,
  dbResolver: DbResolver,
  pool: DatabasePool,
  timeoutMs: number,
  maxRows: number,
): Promise<ItemRecord> {
  const base = {
    id: item.id,
    db_id: item.dbId,
    question: item.question,
    gold: item.gold,
    hardness: item.hardness ?? computeHardness(item.gold),
  }
  const finish = (verdict: Verdict, pred: Prediction | null, extra: Partial<ItemRecord> = {}): ItemRecord => ({
    ...base,
    pred: pred?.sql ?? null,
    verdict,
    ...latencyOf(pred),
    ...extra,
  })

  const path = dbResolver(item.dbId)
  if (!path) return finish('skipped', null, { detail: `database file for "${item.dbId}" not found` })
  let handle: DatabaseHandle
  try {
    handle = await pool.get(path)
  } catch (err) {
    return finish('skipped', null, { detail: `database "${item.dbId}" cannot be opened: ${(err as Error).message}` })
  }

  let prediction: Prediction
  try {
    prediction = await predict(item, { dbId: item.dbId, path, handle })
  } catch (err) {
    // Stopping is the caller's choice, not a wrong answer: let it end the run.
    if (err instanceof SqlstillError && err.code === 'CANCELLED') throw err
    return finish('no_sql', null, { detail: `the predictor failed: ${(err as Error)?.message ?? String(err)}` })
  }
  if (!looksLikeSql(prediction.sql)) return finish('no_sql', prediction)

  const t0 = performance.now()
  const gold = await execute(handle, prepareForExecution(item.gold), timeoutMs, maxRows)
  if (!gold.ok) {
    return finish('skipped', prediction, { detail: `the gold query fails (${gold.failure}): ${gold.message}` })
  }
  const pred = await execute(handle, prepareForExecution(prediction.sql), timeoutMs, maxRows)
  const execMs = Math.round((performance.now() - t0) * 10) / 10
  if (!pred.ok) return finish(pred.failure, prediction, { detail: pred.message, execMs })
  if (resultsMatch(gold.rows, pred.rows, hasOrderBy(item.gold))) return finish('ok', prediction, { execMs })
  const verdict = pred.rows.length === 0 ? 'empty' : 'wrong_result'
  return finish(verdict, prediction, { execMs })
}

function latencyOf(pred: Prediction | null): Partial<ItemRecord> {
  if (!pred) return {}
  const out: Partial<ItemRecord> = {}
  if (typeof pred.ttftMs === 'number') out.ttftMs = pred.ttftMs
  if (typeof pred.totalMs === 'number') out.totalMs = pred.totalMs
  if (typeof pred.tokensPerSecond === 'number') out.tokensPerSecond = pred.tokensPerSecond
  if (typeof pred.promptTokens === 'number') out.promptTokens = pred.promptTokens
  return out
}
