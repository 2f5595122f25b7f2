// SQLite values as plain, JSON-safe data. Statements run with safeIntegers so every integer arrives as a bigint
// and the ones JavaScript numbers cannot hold exactly are visible (and kept as text) instead of silently rounded.
import type { SqlValue } from '../../../shared/schema'

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)

export function encodeValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') {
    return value > MAX_SAFE || value < MIN_SAFE ? { $bigint: value.toString() } : Number(value)
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { $blob: value.byteLength }
  return String(value)
}

/** Sample values are for prompts and tooltips: long text is cut so one essay column cannot bloat a schema. */
export function truncateSample(value: SqlValue, maxChars: number): SqlValue {
  if (typeof value === 'string' && value.length > maxChars) return `${value.slice(0, maxChars)}…`
  return value
}
