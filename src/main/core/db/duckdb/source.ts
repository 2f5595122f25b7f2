// What a DuckDB target is before DuckDB sees it: a database file (opened READ_ONLY) or data files (each a view in
// an in-memory database). The checks here give missing, empty and foreign files a clear error of their own;
// DuckDB's messages for them ("IO Error: …") do not say which of those it was.
import { closeSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import { DUCKDB_DATA_EXTENSIONS, DUCKDB_DATABASE_EXTENSIONS, isDuckDbDataFile } from '../../../../shared/engine'
import { SqlstillError } from '../../../../shared/errors'
import { isPermissionDenied } from '../../platform/fileErrors'

export type DataReader = 'read_csv_auto' | 'read_parquet' | 'read_json_auto'

export interface DataFile {
  path: string
  /** The view it becomes: the file name without its extension (made unique within the folder). */
  viewName: string
  reader: DataReader
  /** Extra reader arguments (SQL text), e.g. the delimiter of a .tsv. */
  readerArgs: string
  sizeBytes: number
}

export type DuckDbSource =
  | { kind: 'database'; path: string; name: string; sizeBytes: number }
  | { kind: 'files'; path: string; name: string; sizeBytes: number; files: DataFile[] }

/** DuckDB's file header: 8 bytes of checksum, then the magic "DUCK". */
const DUCKDB_MAGIC = Buffer.from('DUCK', 'latin1')
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

const READERS: Record<string, { reader: DataReader; args: string }> = {
  '.csv': { reader: 'read_csv_auto', args: '' },
  '.tsv': { reader: 'read_csv_auto', args: ", delim = '\\t'" },
  '.parquet': { reader: 'read_parquet', args: '' },
  '.json': { reader: 'read_json_auto', args: '' },
  '.jsonl': { reader: 'read_json_auto', args: ", format = 'newline_delimited'" },
  '.ndjson': { reader: 'read_json_auto', args: ", format = 'newline_delimited'" },
}

function statTarget(abs: string): Stats {
  try {
    return statSync(abs)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SqlstillError('NOT_FOUND', `The database file "${abs}" does not exist.`, { path: abs })
    }
    if (isPermissionDenied(err)) {
      throw new SqlstillError('PERMISSION_DENIED', `You do not have permission to read "${abs}".`, { path: abs })
    }
    throw new SqlstillError('NOT_FOUND', `"${abs}" cannot be read: ${(err as Error).message}`, { path: abs })
  }
}

function readStart(path: string, bytes: number): Buffer {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    if (isPermissionDenied(err)) {
      throw new SqlstillError('PERMISSION_DENIED', `You do not have permission to read "${path}".`, { path })
    }
    throw new SqlstillError('NOT_FOUND', `"${path}" cannot be read: ${(err as Error).message}`, { path })
  }
  try {
    const buf = Buffer.alloc(bytes)
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0))
  } finally {
    closeSync(fd)
  }
}

function isDatabaseFile(path: string): boolean {
  return (DUCKDB_DATABASE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase())
}

/** Refuses a .duckdb file that is empty, is SQLite, or lacks DuckDB's magic bytes. */
function checkDatabaseHeader(path: string, size: number): void {
  const name = basename(path)
  if (size === 0) {
    throw new SqlstillError('NOT_A_DATABASE', `"${name}" is empty (0 bytes), so it is not a DuckDB database.`, { path })
  }
  const head = readStart(path, 16)
  if (head.equals(SQLITE_HEADER)) {
    throw new SqlstillError(
      'NOT_A_DATABASE',
      `"${name}" is a SQLite database, not a DuckDB one; give it a .sqlite (or .db) extension to open it with SQLite.`,
      { path },
    )
  }
  if (head.length < 12 || !head.subarray(8, 12).equals(DUCKDB_MAGIC)) {
    throw new SqlstillError('NOT_A_DATABASE', `"${name}" is not a DuckDB database: it does not have DuckDB's file header.`, {
      path,
    })
  }
}

function dataFile(path: string, sizeBytes: number, taken: Set<string>): DataFile {
  const ext = extname(path).toLowerCase()
  const { reader, args } = READERS[ext]
  const stem = basename(path, extname(path))
  // a.csv and a.parquet in one folder: the second view is a_parquet, so neither file is hidden
  let viewName = taken.has(stem.toLowerCase()) ? `${stem}_${ext.slice(1)}` : stem
  for (let i = 2; taken.has(viewName.toLowerCase()); i++) viewName = `${stem}_${ext.slice(1)}_${i}`
  taken.add(viewName.toLowerCase())
  return { path, viewName, reader, readerArgs: args, sizeBytes }
}

/** Resolves a target to the files DuckDB will read, checking each is there and readable as what it claims. */
export function resolveDuckDbSource(target: string): DuckDbSource {
  if (typeof target !== 'string' || target.trim() === '') {
    throw new SqlstillError('BAD_REQUEST', 'No database path was given.')
  }
  const abs = resolve(target)
  const name = basename(abs)
  const st = statTarget(abs)
  if (st.isDirectory()) {
    let entries: string[]
    try {
      entries = readdirSync(abs).filter((name) => isDuckDbDataFile(name)).sort()
    } catch (err) {
      if (isPermissionDenied(err)) {
        throw new SqlstillError('PERMISSION_DENIED', `You do not have permission to list the folder "${abs}".`, { path: abs })
      }
      throw err
    }
    const taken = new Set<string>()
    const files: DataFile[] = []
    for (const entry of entries) {
      const path = join(abs, entry)
      const fst = statSync(path)
      if (fst.isFile()) files.push(dataFile(path, fst.size, taken))
    }
    if (files.length === 0) {
      throw new SqlstillError(
        'NOT_A_DATABASE',
        `"${name}" is a directory with no data files to open (${DUCKDB_DATA_EXTENSIONS.join(', ')}); a SQLite or DuckDB database is a file.`,
        { path: abs },
      )
    }
    return { kind: 'files', path: abs, name, sizeBytes: files.reduce((n, f) => n + f.sizeBytes, 0), files }
  }
  if (!st.isFile()) throw new SqlstillError('NOT_A_DATABASE', `"${abs}" is not a regular file.`, { path: abs })
  if (isDatabaseFile(abs)) {
    checkDatabaseHeader(abs, st.size)
    return { kind: 'database', path: abs, name, sizeBytes: st.size }
  }
  if (!isDuckDbDataFile(abs)) {
    throw new SqlstillError('NOT_A_DATABASE', `"${name}" is neither a DuckDB database nor a data file DuckDB reads.`, {
      path: abs,
    })
  }
  if (st.size === 0) {
    throw new SqlstillError('NOT_A_DATABASE', `"${name}" is empty (0 bytes): there is no data to open.`, { path: abs })
  }
  return { kind: 'files', path: abs, name, sizeBytes: st.size, files: [dataFile(abs, st.size, new Set())] }
}
