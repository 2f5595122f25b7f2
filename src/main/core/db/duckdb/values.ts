// DuckDB values as the shared SqlValue: what the grid, the evaluator and prompts already read from SQLite.
// Integers stay exact (a { $bigint } when a JavaScript number would round them), DECIMAL becomes a number (as
// SQLite's NUMERIC would), temporal values their ISO-like text, nested values (LIST, STRUCT, MAP…) JSON text.
import {
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api'
import { BLOB_HEAD_BYTES } from '../../../../shared/query'
import type { SqlValue } from '../../../../shared/schema'

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)

/** Types whose values are JSON text in a result: they have no SqlValue of their own. */
const NESTED = new Set<DuckDBTypeId>([
  DuckDBTypeId.LIST,
  DuckDBTypeId.STRUCT,
  DuckDBTypeId.MAP,
  DuckDBTypeId.ARRAY,
  DuckDBTypeId.UNION,
  DuckDBTypeId.VARIANT,
])

export function isNestedType(type: DuckDBType): boolean {
  return NESTED.has(type.typeId)
}

export function encodeBigInt(value: bigint): SqlValue {
  return value > MAX_SAFE || value < MIN_SAFE ? { $bigint: value.toString() } : Number(value)
}

/** One scalar value (BLOBs as their length only: heads are added by the caller, within its budget). */
export function encodeDuckDbValue(value: DuckDBValue): SqlValue {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'bigint':
      return encodeBigInt(value)
    case 'number':
    case 'string':
    case 'boolean':
      return value
    default:
      break
  }
  if (value instanceof DuckDBDecimalValue) return value.toDouble()
  if (value instanceof DuckDBBlobValue) return { $blob: value.bytes.byteLength }
  // DATE, TIME, TIMESTAMP[TZ], INTERVAL, UUID, BIT…: DuckDB's own text for them
  return String(value)
}

/** One column of a chunk as SqlValues; nested columns go through DuckDB's JSON converter, then to text. */
export function encodeColumn(chunk: DuckDBDataChunk, column: number, type: DuckDBType): SqlValue[] {
  if (isNestedType(type)) {
    return chunk.convertColumnValues(column, JsonDuckDBValueConverter).map((v) => (v === null ? null : JSON.stringify(v)))
  }
  return chunk.getColumnValues(column).map(encodeDuckDbValue)
}

/** The raw BLOBs of a column (null elsewhere), for the heads the grid's hex viewer shows. */
export function blobBytes(chunk: DuckDBDataChunk, column: number, type: DuckDBType): (Uint8Array | null)[] | null {
  if (type.typeId !== DuckDBTypeId.BLOB) return null
  return chunk.getColumnValues(column).map((v) => (v instanceof DuckDBBlobValue ? v.bytes : null))
}

/** The first bytes of a BLOB as base64 (what the SQLite layer puts in `head`). */
export function blobHead(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, BLOB_HEAD_BYTES)).toString('base64')
}
