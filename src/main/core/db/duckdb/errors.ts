// Turns DuckDB's errors into SqlstillErrors with stable codes. DuckDB prefixes every message with its kind
// ("Binder Error: …", "Permission Error: …"); that kind decides the code, and DuckDB's own text is kept (in the
// message and in details.duckdbMessage) because it names the unknown column or the syntax problem.
import { basename } from 'node:path'
import { SqlstillError, isErrorShape } from '../../../../shared/errors'

export interface DuckDbErrorContext {
  /** The statement, to recognise a Spider-style "double-quoted string" that DuckDB reads as a column. */
  sql?: string
  /** The database, named in messages about its files. */
  path?: string
}

const KIND = /^([A-Za-z ]+?) Error: /u
/** DuckDB reads "…" as an identifier, always; SQLite used to fall back to a string (see eval/sqlText.ts). */
const UNKNOWN_COLUMN = /Referenced column "((?:[^"]|"")*)" not found/u

function firstLine(text: string): string {
  return text.split('\n')[0].trim()
}

export function classifyDuckDbError(err: unknown, context: DuckDbErrorContext = {}): SqlstillError {
  if (err instanceof SqlstillError) return err
  if (isErrorShape(err)) return SqlstillError.fromShape(err)
  // extractStatements wraps the parser's error in a prefix of its own
  const text = (err instanceof Error ? err.message : String(err)).replace(/^Failed to extract statements: /u, '')
  const details: Record<string, unknown> = { duckdbMessage: text }
  if (context.path) details.path = context.path
  const kind = KIND.exec(text)?.[1] ?? ''
  switch (kind) {
    case 'Parser':
    case 'Binder':
    case 'Catalog':
    case 'Conversion':
    case 'Constraint':
    case 'Not implemented':
    case 'Out of Range':
    case 'Invalid Input':
    case 'Invalid':
    case 'Mismatch Type':
    case 'Type':
    case 'Syntax':
    case 'Dependency': {
      if (/read-only mode|attached in read-only/u.test(text)) {
        return new SqlstillError('READ_ONLY', `sqlstill opens databases read-only: ${firstLine(text)}`, details)
      }
      if (/configuration has been locked/u.test(text)) {
        return new SqlstillError('READ_ONLY', `The database's settings are locked while it is open: ${firstLine(text)}`, details)
      }
      const column = UNKNOWN_COLUMN.exec(text)?.[1]
      if (column !== undefined && context.sql?.includes(`"${column}"`)) {
        // The hint matches SQLite's (sqlText.ts requotes on it), and it is what a person who wrote "Paris" needs.
        return new SqlstillError(
          'SQL_ERROR',
          `${text}\n(no such column: "${column}" - should this be a string literal in single-quotes?)`,
          details,
        )
      }
      return new SqlstillError('SQL_ERROR', text, details)
    }
    case 'Permission':
      return new SqlstillError(
        'PERMISSION_DENIED',
        `Queries may read only the opened database and its own data files; DuckDB refused: ${firstLine(text).replace(KIND, '')}`,
        details,
      )
    case 'INTERRUPT':
      return new SqlstillError('CANCELLED', 'The query was interrupted.', details)
    case 'Out of Memory':
      return new SqlstillError(
        'TOO_LARGE',
        `The query needed more memory than DuckDB may use here and was stopped; ask for fewer or smaller values. (${firstLine(text)})`,
        details,
      )
    case 'IO':
      if (/Could not set lock on file|Conflicting lock/u.test(text)) {
        const what = context.path ? `"${basename(context.path)}"` : 'The database'
        return new SqlstillError(
          'DATABASE_LOCKED',
          `${what} is open for writing in another program, and DuckDB lets no one read a file beside its writer; close it there and open it again.`,
          details,
        )
      }
      return new SqlstillError('NOT_A_DATABASE', text, details)
    case 'Serialization':
      return new SqlstillError('NOT_A_DATABASE', text, details)
    default:
      return new SqlstillError(kind ? 'SQL_ERROR' : 'INTERNAL', text, details)
  }
}
