// Which database engine a path or URL opens. One rule, shared by the app, the CLI and the renderer (the engine
// icon on a tab), so that a `.duckdb` file is a DuckDB database everywhere and a `postgres://` URL a server.

export type DatabaseEngine = 'sqlite' | 'duckdb' | 'postgres'

/** Data files DuckDB reads in place as read-only views (each file, or a folder of them, is one database). */
export const DUCKDB_DATA_EXTENSIONS = ['.csv', '.tsv', '.parquet', '.json', '.jsonl', '.ndjson'] as const
export const DUCKDB_DATABASE_EXTENSIONS = ['.duckdb', '.ddb'] as const

export const ENGINE_LABELS: Record<DatabaseEngine, string> = {
  sqlite: 'SQLite',
  duckdb: 'DuckDB',
  postgres: 'PostgreSQL',
}

/** The SQL dialect name a prompt asks the model to write. */
export const ENGINE_DIALECTS: Record<DatabaseEngine, string> = {
  sqlite: 'SQLite',
  duckdb: 'DuckDB',
  postgres: 'PostgreSQL',
}

export function isPostgresUrl(target: string): boolean {
  return /^postgres(?:ql)?:\/\//iu.test(target.trim())
}

function extensionOf(path: string): string {
  const base = path.replace(/[\\/]+$/u, '').split(/[\\/]/u).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot).toLowerCase() : ''
}

export function isDuckDbDataFile(path: string): boolean {
  return (DUCKDB_DATA_EXTENSIONS as readonly string[]).includes(extensionOf(path))
}

/**
 * The engine for a path or URL, from its form alone: a postgres:// URL, a DuckDB database or data file by its
 * extension, anything else SQLite (whose opener checks the file header and says so when it is not SQLite). A folder
 * is opened by DuckDB when the caller says so (`folderIsData`), since only a directory listing can tell.
 */
export function engineOf(target: string, opts: { folderIsData?: boolean } = {}): DatabaseEngine {
  if (isPostgresUrl(target)) return 'postgres'
  const ext = extensionOf(target)
  if ((DUCKDB_DATABASE_EXTENSIONS as readonly string[]).includes(ext) || isDuckDbDataFile(target)) return 'duckdb'
  if (opts.folderIsData) return 'duckdb'
  return 'sqlite'
}

export interface PostgresTarget {
  host: string
  port: number
  database: string
  user: string
}

export const DEFAULT_POSTGRES_PORT = 5432

/** A postgres:// URL from a connection form's fields (never with a password: that travels on its own). */
export function postgresUrl(t: PostgresTarget): string {
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host
  return `postgres://${encodeURIComponent(t.user)}@${host}:${t.port}/${encodeURIComponent(t.database)}`
}

/**
 * Splits the password off a postgres:// URL (written before the host, or as a `password=` parameter, as libpq
 * takes it): the rest is what is shown, remembered in Recent, written in run files and used as the keychain entry's
 * name, so a password typed into a URL is never written anywhere in clear.
 */
export function splitPostgresPassword(url: string): { url: string; password: string | undefined } {
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    return { url: url.trim(), password: undefined }
  }
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const password = parsed.password ? decode(parsed.password) : (parsed.searchParams.get('password') ?? undefined)
  parsed.password = ''
  parsed.searchParams.delete('password')
  return { url: parsed.toString(), password }
}

/** The fields of a postgres:// URL, for the connection form; null when it is not one. */
export function parsePostgresUrl(url: string): PostgresTarget | null {
  if (!isPostgresUrl(url)) return null
  try {
    const u = new URL(url.trim())
    return {
      host: u.hostname.replace(/^\[|\]$/gu, '') || 'localhost',
      port: u.port ? Number(u.port) : DEFAULT_POSTGRES_PORT,
      database: decodeURIComponent(u.pathname.replace(/^\//u, '')) || decodeURIComponent(u.username),
      user: decodeURIComponent(u.username),
    }
  } catch {
    return null
  }
}
