// Opens a SQLite file so that nothing can change it: the connection itself is read-only (SQLITE_OPEN_READONLY)
// and query_only is on. Files that are not SQLite are refused before SQLite sees them, because SQLite would
// happily treat an empty file as an empty database and report other non-databases only on first read.
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { SqlstillError } from '../../../shared/errors'
import { isPermissionDenied } from '../platform/fileErrors'
import { betterSqliteBinding } from '../platform/nativeBindings'
import { classifySqliteError } from './classifyError'

function permissionDenied(path: string): SqlstillError {
  return new SqlstillError('PERMISSION_DENIED', `You do not have permission to read "${path}".`, { path })
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

/** How long a read waits for another program's write lock before giving up with DATABASE_LOCKED. */
export const BUSY_TIMEOUT_MS = 1_000

export interface CheckedFile {
  path: string
  name: string
  sizeBytes: number
}

/**
 * Resolves the path and checks that it names a non-empty regular file. It only stats the file: opening and
 * closing a descriptor here would silently drop every POSIX lock this process holds on it through SQLite.
 */
export function checkDatabaseFile(path: string): CheckedFile {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new SqlstillError('BAD_REQUEST', 'No database path was given.')
  }
  const abs = resolve(path)
  const name = basename(abs)
  let size: number
  try {
    const st = statSync(abs)
    if (st.isDirectory()) {
      throw new SqlstillError('NOT_A_DATABASE', `"${abs}" is a directory, not a SQLite database file.`, { path: abs })
    }
    if (!st.isFile()) {
      throw new SqlstillError('NOT_A_DATABASE', `"${abs}" is not a regular file.`, { path: abs })
    }
    size = st.size
  } catch (err) {
    if (err instanceof SqlstillError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SqlstillError('NOT_FOUND', `The database file "${abs}" does not exist.`, { path: abs })
    }
    if (isPermissionDenied(err)) throw permissionDenied(abs)
    throw new SqlstillError('NOT_FOUND', `The database file "${abs}" cannot be read: ${(err as Error).message}`, {
      path: abs,
    })
  }
  if (size === 0) {
    throw new SqlstillError('NOT_A_DATABASE', `"${name}" is empty (0 bytes), so it is not a SQLite database.`, {
      path: abs,
    })
  }
  return { path: abs, name, sizeBytes: size }
}

/**
 * Refuses a file that does not start with `SQLite format 3\0`, with a clearer message than SQLite's. Only call
 * it in a process that has no SQLite connection to the file (the db host): see checkDatabaseFile.
 */
export function checkSqliteHeader(file: CheckedFile): void {
  const header = readHeader(file.path)
  if (!header.equals(SQLITE_HEADER)) {
    throw new SqlstillError(
      'NOT_A_DATABASE',
      `"${file.name}" is not a SQLite database: it does not start with the SQLite header. ` +
        `If it is a database, it may be encrypted (e.g. SQLCipher), which sqlstill cannot read.`,
      { path: file.path },
    )
  }
}

function readHeader(path: string): Buffer {
  const buf = Buffer.alloc(SQLITE_HEADER.length)
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    if (isPermissionDenied(err)) throw permissionDenied(path)
    throw new SqlstillError('NOT_FOUND', `The database file "${path}" cannot be read: ${(err as Error).message}`, {
      path,
    })
  }
  try {
    const n = readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}

/**
 * Opens the file read-only and proves it is readable (header, page 1 and the schema), so a corrupt, encrypted or
 * locked file fails here with a clear code rather than on the first query. `checkHeader` adds our own header
 * check (clearer message for non-SQLite files); leave it off where this process may hold other connections.
 */
export function openReadOnlySync(path: string, opts: { checkHeader?: boolean } = {}): Database.Database {
  const file = checkDatabaseFile(path)
  if (opts.checkHeader) checkSqliteHeader(file)
  let db: Database.Database | undefined
  try {
    db = new Database(file.path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS, nativeBinding: betterSqliteBinding() })
    db.pragma('query_only = ON')
    // Views and triggers in a file we did not write may call functions; only innocuous ones may run from there.
    db.pragma('trusted_schema = OFF')
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get()
    return db
  } catch (err) {
    try {
      db?.close()
    } catch {
      // The open already failed; the close error would only hide the real one.
    }
    throw classifySqliteError(err, { path: file.path })
  }
}
