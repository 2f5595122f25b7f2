// PostgreSQL and network errors as SqlstillErrors with the stable codes the UI branches on. The server's own
// message is kept (it names the table, column or role), with its SQLSTATE in details.
import { SqlstillError } from '../../../../shared/errors'

interface PgLikeError {
  code?: unknown
  message?: unknown
  severity?: unknown
  detail?: unknown
  hint?: unknown
  position?: unknown
}

export interface ConnectContext {
  host: string
  port: number
  database: string
  user: string
}

const NETWORK_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET'])

function sqlState(err: unknown): string | undefined {
  const code = (err as PgLikeError | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/u.test(code) ? code : undefined
}

function messageOf(err: unknown): string {
  const m = (err as PgLikeError | null)?.message
  return typeof m === 'string' ? m : String(err)
}

/** Errors while connecting: nothing listening, wrong password, no such database or role. */
export function classifyConnectError(err: unknown, ctx: ConnectContext): SqlstillError {
  if (err instanceof SqlstillError) return err
  const where = `${ctx.host}:${ctx.port}`
  const state = sqlState(err)
  const text = messageOf(err)
  const details = { host: ctx.host, port: ctx.port, database: ctx.database, user: ctx.user, ...(state ? { sqlState: state } : {}), pgMessage: text }
  const sysCode = (err as PgLikeError | null)?.code
  if (typeof sysCode === 'string' && NETWORK_UNREACHABLE.has(sysCode)) {
    return new SqlstillError(
      'UNREACHABLE',
      sysCode === 'ECONNREFUSED'
        ? `No PostgreSQL server is listening at ${where} (connection refused). Is the server running, and is the port right?`
        : `The PostgreSQL server at ${where} could not be reached (${sysCode}).`,
      { ...details, errno: sysCode },
    )
  }
  if (/timeout/iu.test(text) && !state) {
    return new SqlstillError('UNREACHABLE', `The PostgreSQL server at ${where} did not answer in time.`, details)
  }
  if (state === '28P01' || state === '28000') {
    return new SqlstillError(
      'UNAUTHORIZED',
      state === '28P01'
        ? `PostgreSQL at ${where} refused the password for user "${ctx.user}".`
        : `PostgreSQL at ${where} does not let user "${ctx.user}" connect to "${ctx.database}": ${text}`,
      details,
    )
  }
  if (/password must be a string|no password|password authentication/iu.test(text)) {
    return new SqlstillError(
      'UNAUTHORIZED',
      `PostgreSQL at ${where} asks user "${ctx.user}" for a password; give it in the URL, the password option or PGPASSWORD.`,
      details,
    )
  }
  if (state === '3D000') return new SqlstillError('NOT_FOUND', `PostgreSQL at ${where} has no database "${ctx.database}".`, details)
  if (state === '53300') return new SqlstillError('UNREACHABLE', `PostgreSQL at ${where} has too many connections: ${text}`, details)
  if (state === '42501') return new SqlstillError('PERMISSION_DENIED', text, details)
  return new SqlstillError('INTERNAL', `Could not connect to PostgreSQL at ${where}: ${text}`, details)
}

/** Errors from a statement. TIMEOUT and CANCELLED are decided by the caller, which knows who stopped the query. */
export function classifyQueryError(err: unknown): SqlstillError {
  if (err instanceof SqlstillError) return err
  const state = sqlState(err)
  const text = messageOf(err)
  const e = err as PgLikeError
  const details: Record<string, unknown> = { pgMessage: text }
  if (state) details.sqlState = state
  if (typeof e?.detail === 'string') details.detail = e.detail
  if (typeof e?.hint === 'string') details.hint = e.hint
  if (typeof e?.position === 'string') details.position = Number(e.position)
  if (/cannot insert multiple commands into a prepared statement/iu.test(text)) {
    return new SqlstillError(
      'MULTIPLE_STATEMENTS',
      'Only one SQL statement can run at a time; remove everything after the first statement (a trailing semicolon or comment is fine).',
      details,
    )
  }
  if (state === '25006' || /data-modifying statements|read-only transaction|read-write mode/iu.test(text)) {
    return new SqlstillError('READ_ONLY', `sqlstill opens PostgreSQL databases read-only: ${text}`, details)
  }
  if (state === '42501') return new SqlstillError('PERMISSION_DENIED', text, details)
  if (state === '54000' || state === '53200') return new SqlstillError('TOO_LARGE', text, details)
  if (state === '57P01' || state === '57P02' || state === '57P03' || state === '08006' || state === '08003') {
    return new SqlstillError('UNREACHABLE', `The connection to PostgreSQL was lost: ${text}`, details)
  }
  if (!state && /Connection terminated|ECONNRESET|EPIPE|not queryable/iu.test(text)) {
    return new SqlstillError('UNREACHABLE', `The connection to PostgreSQL was lost: ${text}`, details)
  }
  return new SqlstillError('SQL_ERROR', text, details)
}

export const QUERY_CANCELED = '57014'
export function isQueryCanceled(err: unknown): boolean {
  return sqlState(err) === QUERY_CANCELED
}
