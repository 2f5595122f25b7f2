// Turns whatever better-sqlite3 (or our own checks) threw into a SqlstillError with a stable code and a message a
// user can act on. SQLite's own text is kept (in the message and in details.sqliteMessage) because it is what
// names the unknown column or the syntax problem.
import { basename } from 'node:path'
import { SqlstillError, isErrorShape, type ErrorCode } from '../../../shared/errors'

export interface ErrorContext {
  /** The database file, named in messages about the file itself (corrupt, locked, not a database). */
  path?: string
}

interface SqliteLikeError {
  code?: unknown
  message?: unknown
}

/** better-sqlite3's RangeError text for `prepare('SELECT 1; SELECT 2')`. */
const MORE_THAN_ONE = /more than one statement/i
const NO_STATEMENTS = /contains no statements/i
const WAL_SIDE_FILES = new Set([
  'SQLITE_READONLY_DIRECTORY',
  'SQLITE_READONLY_CANTINIT',
  'SQLITE_READONLY_CANTLOCK',
  'SQLITE_READONLY_RECOVERY',
])

export function classifySqliteError(err: unknown, context: ErrorContext = {}): SqlstillError {
  if (err instanceof SqlstillError) return err
  if (isErrorShape(err)) return SqlstillError.fromShape(err)

  const { code, message } = (err ?? {}) as SqliteLikeError
  const text = typeof message === 'string' ? message : String(err)
  const sqliteCode = typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
  const file = context.path ? `"${basename(context.path)}"` : 'the database file'
  const details: Record<string, unknown> = { sqliteMessage: text }
  if (sqliteCode) details.sqliteCode = sqliteCode
  if (context.path) details.path = context.path

  if (!sqliteCode) {
    if (MORE_THAN_ONE.test(text)) {
      return new SqlstillError(
        'MULTIPLE_STATEMENTS',
        'Only one SQL statement can run at a time; remove everything after the first statement (a trailing semicolon or comment is fine).',
        details,
      )
    }
    if (NO_STATEMENTS.test(text)) return new SqlstillError('SQL_ERROR', 'There is no SQL statement to run.', details)
    return new SqlstillError('INTERNAL', text, details)
  }

  const primary = primaryCode(sqliteCode)
  const make = (c: ErrorCode, msg: string): SqlstillError => new SqlstillError(c, msg, details)
  if (WAL_SIDE_FILES.has(sqliteCode)) {
    // A WAL-mode database needs its -shm (and -wal) files even to be read; SQLite cannot create them in a
    // read-only folder. better-sqlite3 has no URI filenames, so `immutable=1` is not an option.
    return make(
      'UNSUPPORTED',
      `The database file ${file} uses WAL mode and SQLite cannot create its -wal/-shm files next to it ` +
        `(the folder is read-only). Copy the database to a writable folder and open the copy (SQLite: ${text}).`,
    )
  }
  if (sqliteCode === 'SQLITE_READONLY_ROLLBACK') {
    // a hot journal: a writer crashed mid-transaction, and only a connection that may write can roll it back
    return make(
      'READ_ONLY',
      `The database file ${file} needs recovery: a program that was writing to it stopped mid-transaction and left a ` +
        `hot journal. Open it once with a program that can write (the app that made it, or sqlite3) to recover it; ` +
        `sqlstill only reads (SQLite: ${text}).`,
    )
  }
  switch (primary) {
    case 'SQLITE_CORRUPT':
      return make('CORRUPT_DATABASE', `The database file ${file} is corrupt (SQLite: ${text}).`)
    case 'SQLITE_NOTADB':
      return make(
        'NOT_A_DATABASE',
        `${capitalize(file)} is not a SQLite database, or it is encrypted (e.g. SQLCipher), which sqlstill cannot read (SQLite: ${text}).`,
      )
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return make(
        'DATABASE_LOCKED',
        `The database file ${file} is locked by another program; close whatever is writing to it and try again (SQLite: ${text}).`,
      )
    case 'SQLITE_READONLY':
      return make('READ_ONLY', `sqlstill opens databases read-only, so this statement cannot run (SQLite: ${text}).`)
    case 'SQLITE_CANTOPEN':
      return make('NOT_FOUND', `The database file ${file} cannot be opened (SQLite: ${text}).`)
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return make('READ_ONLY', `This statement is not allowed (SQLite: ${text}).`)
    case 'SQLITE_INTERRUPT':
      return make('CANCELLED', `The query was interrupted (SQLite: ${text}).`)
    case 'SQLITE_IOERR':
      return make('INTERNAL', `Reading the database file ${file} failed (SQLite: ${text}).`)
    case 'SQLITE_NOMEM':
      return make('TOO_LARGE', `The query needs more memory than sqlstill lets one query use; ask for fewer or smaller values (SQLite: ${text}).`)
    case 'SQLITE_FULL':
      return make('INTERNAL', `SQLite ran out of resources (SQLite: ${text}).`)
    default:
      // SQLITE_ERROR (syntax, unknown table/column, "not authorized" for load_extension), SQLITE_RANGE,
      // SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_CONSTRAINT…: all caused by the statement itself.
      return make('SQL_ERROR', text)
  }
}

/** 'SQLITE_CORRUPT_INDEX' → 'SQLITE_CORRUPT'; better-sqlite3 reports extended codes by name. */
function primaryCode(code: string): string {
  const parts = code.split('_')
  return parts.length > 2 ? `${parts[0]}_${parts[1]}` : code
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
