// Every filter answers with a verdict so the pipeline can count and report why items were dropped.
import type { CompileResult } from '../../db'
import { compileStatement } from '../../db'
import type Database from 'better-sqlite3'
import type { QueryOptions, QueryResult } from '../../../../shared/query'
import { inProcessExecutor } from '../../teacher/synthesizer/profile'

export interface Verdict {
  pass: boolean
  reason?: string
}

export const PASS: Verdict = { pass: true }

export function fail(reason: string): Verdict {
  return { pass: false, reason }
}

/** What the database-backed filters need: a DatabaseHandle satisfies it, and so does inProcessFilterDb(db). */
export interface FilterDb {
  compile(sql: string): CompileResult | Promise<CompileResult>
  query(sql: string, opts?: QueryOptions): QueryResult | Promise<QueryResult>
}

/** In-process and fast, but a slow statement is only found out once it finishes (see inProcessExecutor). */
export function inProcessFilterDb(db: Database.Database): FilterDb {
  const exec = inProcessExecutor(db)
  return { compile: (sql) => compileStatement(db, sql), query: (sql, opts) => exec.query(sql, opts) }
}
