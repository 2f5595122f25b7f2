// Starts an in-process DuckDB for one source, locked down before any user SQL can reach it: no extension is
// installed or loaded on demand, no file outside the source can be read or written (enable_external_access off,
// with allowed_paths naming just the data files the views read), nothing spills to a temp folder, and
// lock_configuration keeps a query from turning any of it back on.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { basename } from 'node:path'
import { SqlstillError } from '../../../../shared/errors'
import { SMALL_FILE_BYTES } from '../introspect'
import { QUERY_PROCESS_MEMORY_CAP_BYTES } from '../../hosts/database/protocol'
import { classifyDuckDbError } from './errors'
import type { DataFile, DuckDbSource } from './source'

export interface DuckDbSession {
  instance: DuckDBInstance
  connection: DuckDBConnection
  /** The views over data files, for introspection (sampled like tables; counted when that is cheap). */
  dataViews: Map<string, { countable: boolean }>
}

/** Settings every instance starts with. temp_directory must come first: DuckDB refuses to change it once
 * external access is off. An empty temp_directory means a query that outgrows memory fails instead of writing
 * a `.tmp` folder beside the user's file. */
function baseConfig(sizeBytes: number): Record<string, string> {
  return {
    // A small database gains nothing from parallel execution, and one thread makes results with ties (GROUP BY …
    // ORDER BY count(*) LIMIT 1) the same on every run, which evaluations need to be reproducible.
    ...(sizeBytes <= SMALL_FILE_BYTES ? { threads: '1' } : {}),
    temp_directory: '',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    // DuckDB runs inside the app's process: one query may not take more than a database host may (protocol.ts).
    memory_limit: `${Math.floor(QUERY_PROCESS_MEMORY_CAP_BYTES / 1024 ** 2)}MiB`,
  }
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

function closeQuietly(instance: DuckDBInstance | undefined, connection: DuckDBConnection | undefined): void {
  try {
    connection?.closeSync()
  } catch {
    // The open already failed; a close error would only hide the real one.
  }
  try {
    instance?.closeSync()
  } catch {
    // As above.
  }
}

async function openDatabaseFile(path: string, sizeBytes: number): Promise<DuckDbSession> {
  let instance: DuckDBInstance | undefined
  let connection: DuckDBConnection | undefined
  try {
    instance = await DuckDBInstance.create(path, {
      ...baseConfig(sizeBytes),
      access_mode: 'READ_ONLY',
      enable_external_access: 'false',
      lock_configuration: 'true',
    })
    connection = await instance.connect()
    // Prove it is readable now (catalog and storage version), not on the first query.
    await connection.runAndReadAll('SELECT count(*) FROM duckdb_tables()')
    return { instance, connection, dataViews: new Map() }
  } catch (err) {
    closeQuietly(instance, connection)
    const e = classifyDuckDbError(err, { path })
    if (e.code !== 'DATABASE_LOCKED') {
      throw new SqlstillError('NOT_A_DATABASE', `"${basename(path)}" cannot be opened as a DuckDB database: ${e.message}`, {
        ...e.details,
        path,
      })
    }
    throw e
  }
}

function viewSql(file: DataFile): string {
  return `CREATE VIEW ${quoteIdent(file.viewName)} AS SELECT * FROM ${file.reader}(${sqlString(file.path)}${file.readerArgs})`
}

async function openDataFiles(files: DataFile[]): Promise<DuckDbSession> {
  let instance: DuckDBInstance | undefined
  let connection: DuckDBConnection | undefined
  try {
    instance = await DuckDBInstance.create(':memory:', baseConfig(files.reduce((n, f) => n + f.sizeBytes, 0)))
    connection = await instance.connect()
    // allowed_paths is a list, which DuckDB's config map cannot carry: it is set here, before access is shut.
    await connection.run(`SET allowed_paths = [${files.map((f) => sqlString(f.path)).join(', ')}]`)
    await connection.run('SET enable_external_access = false')
  } catch (err) {
    closeQuietly(instance, connection)
    throw classifyDuckDbError(err)
  }
  const dataViews = new Map<string, { countable: boolean }>()
  for (const file of files) {
    try {
      // Creating the view reads the file's header (and a sample, for CSV and JSON) to learn its columns.
      await connection.run(viewSql(file))
    } catch (err) {
      closeQuietly(instance, connection)
      const e = classifyDuckDbError(err, { path: file.path })
      throw new SqlstillError(
        'NOT_A_DATABASE',
        `"${basename(file.path)}" could not be read as ${file.reader === 'read_parquet' ? 'Parquet' : file.reader === 'read_json_auto' ? 'JSON' : 'CSV'}: ${e.message}`,
        { ...e.details, path: file.path },
      )
    }
    // Parquet keeps its row count in the footer; a text file must be read in full, so only small ones are.
    dataViews.set(file.viewName, { countable: file.reader === 'read_parquet' || file.sizeBytes <= SMALL_FILE_BYTES })
  }
  try {
    await connection.run('SET lock_configuration = true')
  } catch (err) {
    closeQuietly(instance, connection)
    throw classifyDuckDbError(err)
  }
  return { instance, connection, dataViews }
}

export function connectDuckDb(source: DuckDbSource): Promise<DuckDbSession> {
  return source.kind === 'database' ? openDatabaseFile(source.path, source.sizeBytes) : openDataFiles(source.files)
}
