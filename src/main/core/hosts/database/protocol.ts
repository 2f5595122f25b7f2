// Messages between a DatabaseHandle (parent) and its db host (child process). Plain data, sent with
// serialization: 'advanced'. Every request gets exactly one response with the same id, in order.
import type { ApiErrorShape } from '../../../../shared/errors'

export type HostRequest =
  | { id: number; op: 'open'; path: string; sampleValues?: number }
  | { id: number; op: 'schema' }
  | { id: number; op: 'query'; sql: string; maxRows?: number }
  | { id: number; op: 'compile'; sql: string }
  | { id: number; op: 'close' }

export type HostOp = HostRequest['op']

export type HostResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ApiErrorShape }

/** The most a database host may hold resident (its connection, one query's values); past it the query is stopped. */
export const QUERY_PROCESS_MEMORY_CAP_BYTES = 1.5 * 1024 ** 3
/** The signal a database host ends itself with when past the cap (POSIX; on Windows it is killed plainly). */
export const MEMORY_CAP_SIGNAL = 'SIGUSR2'
