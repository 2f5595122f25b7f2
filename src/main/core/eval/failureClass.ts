// Maps why a statement failed onto the evaluation's failure taxonomy. Inference-time validation uses the same
// classes, so "what went wrong" reads the same in a benchmark report and in the app.
import { isErrorShape, type ApiErrorShape } from '../../../shared/errors'
import type { FailureClass } from './types'

const UNKNOWN_IDENTIFIER = [
  /no such (table|column|function|collation|module)/i,
  /ambiguous column name/i,
  /unknown (table|column|database)/i,
  /no tables specified/i,
  /misuse of aliased aggregate/i,
]
const PARSE = [
  /syntax error/i,
  /incomplete input/i,
  /unrecognized token/i,
  /unterminated/i,
  /more than one statement/i,
  /no statements/i,
  /there is no sql statement/i,
  /only one sql statement/i,
  /near ".*": syntax/i,
]
const TIMEOUT = [/interrupted/i, /timed? ?out/i, /longer than \d+ ?ms/i]

/** Classifies an SQLite (or sqlstill) error message. Anything not recognisably a name or syntax problem is a
 * runtime error: it compiled, or at least was not rejected for its words. */
export function classifySqlErrorMessage(message: string): FailureClass {
  if (UNKNOWN_IDENTIFIER.some((re) => re.test(message))) return 'unknown_identifier'
  if (PARSE.some((re) => re.test(message))) return 'parse'
  if (TIMEOUT.some((re) => re.test(message))) return 'timeout'
  return 'runtime_error'
}

/** Classifies anything a query threw: sqlstill error codes first, SQLite's own text second. */
export function classifyQueryError(err: unknown): FailureClass {
  const shape: ApiErrorShape | undefined = isErrorShape(err) ? err : undefined
  const message = shape
    ? String((shape.details?.sqliteMessage as string | undefined) ?? shape.message)
    : err instanceof Error
      ? err.message
      : String(err)
  switch (shape?.code) {
    case 'TIMEOUT':
    case 'CANCELLED':
      return 'timeout'
    case 'MULTIPLE_STATEMENTS':
      return 'parse'
    case 'READ_ONLY':
      return 'runtime_error'
    default:
      return classifySqlErrorMessage(message)
  }
}

/** True when text has something a database could try to run (models sometimes answer in prose only). A
 * statement that writes is still SQL: running it is what shows it cannot be answered read-only. */
export function looksLikeSql(text: string | null | undefined): boolean {
  if (!text) return false
  return /\b(select|with|values|insert|update|delete|replace|create|drop|alter|pragma)\b/i.test(text)
}
