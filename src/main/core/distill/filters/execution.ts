// Filters that need the database: the statement compiles, runs within a time limit, and returns something worth
// learning from.
import { SqlstillError } from '../../../../shared/errors'
import type { QueryResult } from '../../../../shared/query'
import type { SqlValue } from '../../../../shared/schema'
import { fail, PASS, type FilterDb, type Verdict } from './verdict'

export async function parsesAndCompiles(sql: string, db: FilterDb): Promise<Verdict> {
  const compiled = await db.compile(sql)
  if (!compiled.ok) return fail(`does not compile: ${compiled.error.message}`)
  if (!compiled.readonly) return fail('compiles, but is not a read-only statement that returns rows')
  return PASS
}

export type ExecutionVerdict = Verdict & { result?: QueryResult }

/** Runs the statement with a hard time limit (with a DatabaseHandle the run is really stopped at the limit). */
export function executesWithin(timeoutMs: number, opts: { maxRows?: number } = {}) {
  return async (sql: string, db: FilterDb): Promise<ExecutionVerdict> => {
    try {
      const result = await db.query(sql, { timeoutMs, maxRows: opts.maxRows ?? 10_000 })
      return { pass: true, result }
    } catch (err) {
      if (err instanceof SqlstillError && err.code === 'TIMEOUT') return fail(`timed out after ${timeoutMs} ms`)
      const message = err instanceof Error ? err.message : String(err)
      return fail(`failed to run: ${message}`)
    }
  }
}

export interface NonDegenerateOptions {
  /** The question the SQL answers: a single 0 is fine when it asks "how many". */
  question?: string
  allowEmpty?: boolean
  allowAllNull?: boolean
  allowZeroCount?: boolean
}

function isZero(v: SqlValue): boolean {
  return v === 0 || (typeof v === 'object' && v !== null && '$bigint' in v && v.$bigint === '0')
}

const ASKS_COUNT = /\b(how many|number of|count)\b/i

export function nonDegenerate(result: Pick<QueryResult, 'rows' | 'columns'>, opts: NonDegenerateOptions = {}): Verdict {
  if (result.rows.length === 0) return opts.allowEmpty ? PASS : fail('empty result')
  if (!opts.allowAllNull && result.rows.every((r) => r.every((v) => v === null))) return fail('every value is NULL')
  if (!opts.allowZeroCount && result.rows.length === 1 && result.rows[0].length === 1 && isZero(result.rows[0][0])) {
    const asks = opts.question !== undefined && ASKS_COUNT.test(opts.question)
    if (!asks) return fail('a single 0 (a count that found nothing)')
  }
  return PASS
}
