// Prepares and runs one user statement on a read-only connection. The connection already cannot write; the
// checks here exist so that a refused statement gets a clear READ_ONLY error before it runs, and so that
// statements which only change connection state (ATTACH, SAVEPOINT, PRAGMA setters…) never run at all:
// SQLite's own classification decides (stmt.readonly, stmt.reader), never a keyword list.
import { performance } from 'node:perf_hooks'
import type Database from 'better-sqlite3'
import { SqlstillError, toErrorShape, type ApiErrorShape } from '../../../shared/errors'
import { BLOB_HEAD_BUDGET, BLOB_HEAD_BYTES, DEFAULT_ROW_CAP, type QueryResult } from '../../../shared/query'
import type { SqlValue } from '../../../shared/schema'
import { classifySqliteError } from './classifyError'
import { assertReadingPragma, isReadingPragma } from './pragmas'
import { encodeValue } from './values'

export type CompileResult = { ok: true; readonly: boolean; columnNames: string[] } | { ok: false; error: ApiErrorShape }

/** Drops trailing whitespace and semicolons: `SELECT 1;` runs as `SELECT 1`. */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/u, '')
}

function prepare(db: Database.Database, sql: string, path?: string): Database.Statement {
  if (typeof sql !== 'string') throw new SqlstillError('BAD_REQUEST', 'The SQL must be a string.')
  // SQLite stops reading at a NUL: whatever follows it would be silently dropped
  if (sql.includes('\0')) throw new SqlstillError('BAD_REQUEST', 'The SQL contains a NUL character; SQLite would ignore everything after it, so it was not run.')
  // before prepare: SQLite applies most PRAGMA settings while compiling them (busy_timeout, locking_mode, …)
  assertReadingPragma(sql)
  try {
    return db.prepare(sql)
  } catch (err) {
    throw classifySqliteError(err, { path })
  }
}

/** Throws READ_ONLY for anything but a statement that only reads and returns rows. */
export function assertRunnable(stmt: Database.Statement): void {
  if (!stmt.readonly) {
    throw new SqlstillError(
      'READ_ONLY',
      'sqlstill opens databases read-only: this statement would modify the database, so it was not run.',
    )
  }
  if (!stmt.reader) {
    throw new SqlstillError(
      'READ_ONLY',
      'Only statements that return rows can run (SELECT, WITH … SELECT, VALUES, EXPLAIN, PRAGMAs that read); ' +
        'this statement would change the connection (ATTACH, transactions, PRAGMA settings…), so it was not run.',
    )
  }
}

export interface RunOptions {
  maxRows?: number
  /** The result is cut once its values pass this many bytes (default MAX_RESULT_BYTES). */
  maxBytes?: number
  path?: string
}

/**
 * What one result may hold: the rows travel over IPC as JSON and fill the grid, and 6,000 × 100 KB ran into V8's
 * string limit ("Invalid string length") after 18 s. A result past it is cut like one past the row cap.
 */
export const MAX_RESULT_BYTES = 64 * 1024 ** 2

/** About what a value costs in the JSON result (strings as UTF-16 code units: close enough for a cap). */
function valueBytes(v: SqlValue): number {
  if (typeof v === 'string') return v.length + 2
  if (typeof v === 'object' && v !== null && '$blob' in v && v.head) return v.head.length + 16
  return 8
}

export function runQuery(db: Database.Database, sql: string, opts: RunOptions = {}): QueryResult {
  const start = performance.now()
  const text = trimStatement(sql)
  const rowCap = normalizeCap(opts.maxRows)
  const stmt = prepare(db, sql, opts.path)
  assertRunnable(stmt)
  stmt.safeIntegers(true)
  stmt.raw(true)
  const columns = stmt.columns().map((c) => ({ name: c.name, declaredType: c.type ?? null, table: c.table ?? null }))
  const rows: SqlValue[][] = []
  let truncatedBy: QueryResult['truncatedBy']
  const maxBytes = opts.maxBytes ?? MAX_RESULT_BYTES
  let bytes = 0
  let headBudget = BLOB_HEAD_BUDGET
  try {
    for (const raw of stmt.iterate() as IterableIterator<unknown[]>) {
      if (rows.length >= rowCap) {
        // Leaving the loop calls the iterator's return(), which resets the statement: no more rows are computed.
        truncatedBy = 'rows'
        break
      }
      const row = raw.map(encodeValue)
      if (headBudget > 0) headBudget -= addBlobHeads(raw, row, headBudget)
      for (const v of row) bytes += valueBytes(v)
      if (bytes > maxBytes) {
        truncatedBy = 'bytes'
        break
      }
      rows.push(row)
    }
  } catch (err) {
    throw classifySqliteError(err, { path: opts.path })
  }
  const elapsedMs = Math.max(performance.now() - start, 0.001)
  const truncated = truncatedBy !== undefined
  return { columns, rows, rowCount: rows.length, truncated, ...(truncated ? { truncatedBy, byteCap: maxBytes } : {}), rowCap, elapsedMs: round3(elapsedMs), sql: text }
}

/** Gives each BLOB in the row its first bytes (as base64) while the budget lasts; returns the bytes it spent. */
function addBlobHeads(raw: unknown[], row: SqlValue[], budget: number): number {
  let spent = 0
  raw.forEach((value, i) => {
    if (!(value instanceof Uint8Array) || spent >= budget) return
    const head = Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, BLOB_HEAD_BYTES))
    spent += head.byteLength
    row[i] = { $blob: value.byteLength, head: head.toString('base64') }
  })
  return spent
}

/** Prepares without running: reports syntax errors and unknown tables/columns exactly as SQLite words them. */
export function compileStatement(db: Database.Database, sql: string, path?: string): CompileResult {
  try {
    // a PRAGMA setter is valid SQL that query() refuses; it is not even compiled, since compiling applies it
    if (typeof sql === 'string' && !isReadingPragma(sql)) return { ok: true, readonly: false, columnNames: [] }
    const stmt = prepare(db, sql, path)
    const columnNames = stmt.reader ? stmt.columns().map((c) => c.name) : []
    // `readonly` means "query() would accept it": it reads only and returns rows.
    return { ok: true, readonly: stmt.readonly && stmt.reader, columnNames }
  } catch (err) {
    return { ok: false, error: toErrorShape(classifySqliteError(err, { path })) }
  }
}

function normalizeCap(maxRows: number | undefined): number {
  if (maxRows === undefined || maxRows === null) return DEFAULT_ROW_CAP
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new SqlstillError('BAD_REQUEST', `maxRows must be a non-negative integer (got ${String(maxRows)}).`)
  }
  return maxRows
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}
