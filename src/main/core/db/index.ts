// The read-only SQLite layer. Handles run each database in its own child process (see host.ts) so queries can
// be stopped for real; the *Sync helpers are for bulk in-process work (evaluation, synthesis) that cannot
// afford a process round trip per statement.
//
// What may run (execute.ts): one statement that SQLite itself classifies as read-only (stmt.readonly) AND as
// returning rows (stmt.reader). Everything else is refused with READ_ONLY before it runs — writes, DDL, temp
// tables, and also statements that only change the connection (ATTACH/DETACH, BEGIN/SAVEPOINT, PRAGMA
// setters such as query_only=OFF), so one query can never change what the next one sees. Reading PRAGMAs,
// EXPLAIN of a read and VALUES run normally. The connection is opened read-only with query_only on, so the
// file stays untouched even if a check were wrong.
//
// Other engines (DuckDB, PostgreSQL) implement the same DatabaseHandle; openDatabase picks one from the target's
// form (shared/engine.ts: a postgres:// URL, a .duckdb/.csv/.parquet path, else SQLite).
import { isDirectory } from '../platform/fileErrors'
import { engineOf } from '../../../shared/engine'
import { keepForSession, sessionPassword } from './serverPassword'
import { HostedDatabase, type DatabaseHandle, type OpenOptions } from '../hosts/database/client'

export type { DatabaseHandle, OpenOptions } from '../hosts/database/client'
export type { CompileResult } from './execute'
export { classifySqliteError } from './classifyError'
export { introspectSchema, quoteIdent } from './introspect'
export { openReadOnlySync, checkDatabaseFile } from './openReadOnly'
export { runQuery, compileStatement, trimStatement } from './execute'

/** Opens a database read-only: a SQLite file, a DuckDB database or data file/folder, or a postgres:// URL. */
export async function openDatabase(target: string, opts?: OpenOptions): Promise<DatabaseHandle> {
  // every folder goes to DuckDB, which opens its data files or says that it has none
  const engine = engineOf(target, { folderIsData: isDirectory(target) })
  switch (engine) {
    case 'sqlite':
      return HostedDatabase.open(target, opts)
    case 'duckdb': {
      // Loaded on first use: DuckDB's native library is large, and most sessions only ever open SQLite.
      const { DuckDbDatabase } = await import('./duckdb/handle')
      return DuckDbDatabase.open(target, opts)
    }
    case 'postgres': {
      // Loaded on first use: opening SQLite files (the CLI, the hosts) need not load the pg client.
      const { PostgresDatabase } = await import('./postgres/database')
      // a password typed when the user connected opens the server again (a customization, an evaluation)
      const password = opts?.password ?? sessionPassword(target)
      const handle = await PostgresDatabase.open(target, password === undefined ? opts : { ...opts, password })
      if (password !== undefined) keepForSession(handle.path, password)
      return handle
    }
  }
}
