// A postgres:// URL as a connection: what the client connects with, and the redacted form the app shows and
// stores (the password never leaves this module: not in `path`, not in error messages).
import { splitPostgresPassword } from '../../../../shared/engine'
import { SqlstillError } from '../../../../shared/errors'

export interface PostgresTarget {
  user: string
  password: string | undefined
  host: string
  port: number
  database: string
  /** Extra URL parameters kept as given (sslmode and the like), minus the password. */
  params: URLSearchParams
  /** The URL without its password: the handle's `path`. */
  redacted: string
  /** `db @ host`, the handle's `name`. */
  name: string
}

export const DEFAULT_PORT = 5432

export function parsePostgresUrl(target: string, opts: { password?: string } = {}): PostgresTarget {
  let url: URL
  try {
    url = new URL(target.trim())
  } catch {
    throw new SqlstillError('BAD_REQUEST', 'The PostgreSQL address must look like postgres://user[:password]@host:port/database.')
  }
  if (!/^postgres(?:ql)?:$/iu.test(url.protocol)) {
    throw new SqlstillError('BAD_REQUEST', `"${url.protocol}" is not a PostgreSQL address; use postgres://user@host:port/database.`)
  }
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const params = new URLSearchParams(url.search)
  const user = decode(url.username) || params.get('user') || process.env.PGUSER || 'postgres'
  const password = (url.password ? decode(url.password) : undefined) ?? opts.password ?? params.get('password') ?? process.env.PGPASSWORD
  params.delete('password')
  // A bracketed IPv6 host keeps its brackets in URL.hostname.
  const host = decode(url.hostname.replace(/^\[(.*)\]$/u, '$1')) || params.get('host') || 'localhost'
  const port = url.port ? Number(url.port) : DEFAULT_PORT
  const database = decode(url.pathname.replace(/^\//u, '')) || params.get('dbname') || user
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new SqlstillError('BAD_REQUEST', `The port in the PostgreSQL address must be a number from 1 to 65535 (got ${url.port}).`)
  }
  return { user, password, host, port, database, params, redacted: splitPostgresPassword(url.href).url, name: `${database} @ ${host}` }
}
