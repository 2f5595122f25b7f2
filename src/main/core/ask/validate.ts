// Checking a generated query against the real database: compile first (cheap, names the unknown table or column),
// then run it with the user's limits.
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { QueryOptions, QueryResult } from '../../../shared/query'
import type { DatabaseHandle } from '../db'
import type { ValidationClass } from '../../../shared/ask'
export type { ValidationClass }


export interface Validation {
  class: ValidationClass
  error?: ApiErrorShape
  result?: QueryResult
}

/** Classes that a repair round can try to fix. */
export const REPAIRABLE: ReadonlySet<ValidationClass> = new Set(['no_sql', 'syntax', 'unknown_identifier', 'runtime_error'])

/** Better outcomes rank higher; used to pick between the first attempt and the repair. */
export const CLASS_RANK: Record<ValidationClass, number> = {
  no_sql: 0,
  syntax: 1,
  unknown_identifier: 2,
  runtime_error: 3,
  empty_result: 4,
  ok: 5,
}

const UNKNOWN_IDENTIFIER = /no such (table|column|function)|ambiguous column name|no tables specified/i

export function classifyCompileError(error: ApiErrorShape): ValidationClass {
  const text = `${error.message} ${String(error.details?.sqliteMessage ?? '')}`
  if (UNKNOWN_IDENTIFIER.test(text)) return 'unknown_identifier'
  if (error.code === 'SQL_ERROR' || error.code === 'MULTIPLE_STATEMENTS') return 'syntax'
  return 'runtime_error'
}

export async function validateSql(
  db: Pick<DatabaseHandle, 'compile' | 'query'>,
  sql: string | null,
  options: QueryOptions = {},
): Promise<Validation> {
  if (!sql) return { class: 'no_sql', error: { code: 'SQL_ERROR', message: 'The model did not write a SQL query.' } }
  const compiled = await db.compile(sql)
  if (!compiled.ok) return { class: classifyCompileError(compiled.error), error: compiled.error }
  if (!compiled.readonly) {
    return {
      class: 'runtime_error',
      error: { code: 'READ_ONLY', message: 'The query would change the database; only SELECT queries are run.' },
    }
  }
  try {
    const result = await db.query(sql, options)
    return { class: result.rowCount === 0 ? 'empty_result' : 'ok', result }
  } catch (err) {
    const error = toErrorShape(err)
    if (error.code === 'CANCELLED') throw err
    return { class: UNKNOWN_IDENTIFIER.test(error.message) ? 'unknown_identifier' : 'runtime_error', error }
  }
}
