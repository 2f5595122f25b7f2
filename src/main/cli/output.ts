// Printing for the CLI: result tables, errors with stable exit codes.
import Table from 'cli-table3'
import type { QueryResult } from '../../shared/query'
import { toErrorShape, type ErrorCode } from '../../shared/errors'
import { cellText, toCsv, toJsonRecords } from '../../shared/format'

export type OutputFormat = 'table' | 'csv' | 'json'

export function formatResult(result: QueryResult, format: OutputFormat): string {
  if (format === 'csv') return toCsv(result.columns, result.rows)
  if (format === 'json') return JSON.stringify(toJsonRecords(result.columns, result.rows), null, 2) + '\n'
  const table = new Table({
    head: result.columns.map((c) => c.name),
    style: { head: [], border: [] },
    // No rule between data rows: compact like psql/sqlite3 output.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  })
  for (const row of result.rows) table.push(row.map((v) => truncate(cellText(v), 80)))
  const footer = `${result.rowCount} row${result.rowCount === 1 ? '' : 's'} · ${result.elapsedMs.toFixed(1)} ms${
    result.truncated ? ` · truncated at ${result.rowCap} rows` : ''
  }`
  return (result.columns.length ? table.toString() + '\n' : '') + footer + '\n'
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}

/** Exit codes a shell user can branch on (sysexits-style where one fits). */
const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 64, // EX_USAGE
  NOT_FOUND: 66, // EX_NOINPUT
  PERMISSION_DENIED: 77, // EX_NOPERM
  NOT_A_DATABASE: 65, // EX_DATAERR
  CORRUPT_DATABASE: 65,
  NOT_A_MODEL: 65,
  SQL_ERROR: 65,
  READ_ONLY: 77, // EX_NOPERM
  MULTIPLE_STATEMENTS: 65,
  DATABASE_LOCKED: 75, // EX_TEMPFAIL
  TIMEOUT: 75,
  CANCELLED: 130,
  UNSUPPORTED: 69, // EX_UNAVAILABLE
  TOO_LARGE: 65,
  UNREACHABLE: 69, // EX_UNAVAILABLE
}

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code] ?? 1
}

/** Prints an error the way a shell user expects and returns the exit code to use. */
export function reportError(err: unknown): number {
  const shape = toErrorShape(err)
  process.stderr.write(`sqlstill: ${shape.message}${shape.code === 'INTERNAL' ? '' : ` [${shape.code}]`}\n`)
  return exitCodeFor(shape.code)
}
