// One error shape for every transport (IPC, HTTP, CLI, workers). Codes are stable: the UI and the CLI branch on them.

export const ERROR_CODES = [
  'BAD_REQUEST', // arguments failed validation
  'NOT_FOUND', // a file, database handle, model or job that does not exist
  'PERMISSION_DENIED', // the file exists but this user may not read it
  'NOT_A_DATABASE', // the file is not SQLite, is empty, a directory, or encrypted
  'CORRUPT_DATABASE', // SQLite says the file is malformed
  'DATABASE_LOCKED', // another process holds a lock we cannot wait out
  'READ_ONLY', // the statement tried to write
  'MULTIPLE_STATEMENTS',
  'SQL_ERROR', // syntax errors, unknown tables/columns, runtime errors
  'TIMEOUT',
  'CANCELLED',
  'NOT_A_MODEL', // a GGUF that is not a usable model, or not a GGUF at all
  'UNSUPPORTED', // an architecture, operation or platform we do not handle
  'UNAUTHORIZED',
  'FORBIDDEN', // a request from somewhere that may not drive the app (another site's page)
  'TOO_LARGE', // a result, body or file beyond the caps
  'UNREACHABLE', // a server could not be reached: this machine is offline, or the host is down or unknown
  'INTERNAL',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ApiErrorShape {
  code: ErrorCode
  message: string
  /** Extra facts for the UI (e.g. the SQLite error code, the offending path). */
  details?: Record<string, unknown>
}

export class SqlstillError extends Error implements ApiErrorShape {
  override readonly name = 'SqlstillError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
  }

  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) }
  }

  static fromShape(shape: ApiErrorShape): SqlstillError {
    return new SqlstillError(shape.code, shape.message, shape.details)
  }
}

export function isErrorShape(value: unknown): value is ApiErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorShape).message === 'string' &&
    (ERROR_CODES as readonly string[]).includes((value as ApiErrorShape).code)
  )
}

/** Normalizes anything thrown into the shared shape; unknown errors become INTERNAL with their message kept. */
export function toErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof SqlstillError) return err.toJSON()
  if (isErrorShape(err)) return { code: err.code, message: err.message, details: err.details }
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message }
  return { code: 'INTERNAL', message: String(err) }
}

/** The envelope both transports use, so error codes survive IPC (which would otherwise flatten them). */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorShape }
