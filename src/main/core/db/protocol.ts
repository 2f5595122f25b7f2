// Messages between a DatabaseHandle (parent) and its db host (child process). Plain data, sent with
// serialization: 'advanced'. Every request gets exactly one response with the same id, in order.
import type { ApiErrorShape } from '../../../shared/errors'

export type HostRequest =
  | { id: number; op: 'open'; path: string; sampleValues?: number }
  | { id: number; op: 'schema' }
  | { id: number; op: 'query'; sql: string; maxRows?: number }
  | { id: number; op: 'compile'; sql: string }
  | { id: number; op: 'close' }

export type HostOp = HostRequest['op']

export type HostResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ApiErrorShape }
