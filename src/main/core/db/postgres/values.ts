// PostgreSQL values as the shared, JSON-safe SqlValue. Every column arrives as PostgreSQL's own text form (the
// client's type parsers are switched off), so nothing is rounded or shifted by a time zone on the way; the
// conversion here goes by type OID.
import { BLOB_HEAD_BYTES } from '../../../../shared/query'
import type { SqlValue } from '../../../../shared/schema'

export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  timetz: 1266,
  numeric: 1700,
  jsonb: 3802,
} as const

const INTEGER_OIDS = new Set<number>([OID.int8, OID.int2, OID.int4, OID.oid])
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)

/** What the converter needs to know about a type: array types name their element type. */
export interface TypeInfo {
  name: string
  /** The element type's OID for an array type, else 0. */
  elem: number
}

export type TypeLookup = (oid: number) => TypeInfo | undefined

function integer(text: string): SqlValue {
  const big = BigInt(text)
  return big > MAX_SAFE || big < MIN_SAFE ? { $bigint: big.toString() } : Number(big)
}

/** A numeric becomes a number when the number prints back as the same decimal (15 significant digits or fewer). */
function numeric(text: string): SqlValue {
  if (/^-?\d+$/u.test(text)) return integer(text)
  if (!/^-?\d*\.\d+$/u.test(text)) return text // NaN, Infinity
  const digits = text.replace(/^-?0*\.?0*/u, '').replace(/\./u, '').replace(/0+$/u, '')
  return digits.length <= 15 ? Number(text) : text
}

function float(text: string): SqlValue {
  const n = Number(text)
  // NaN and ±Infinity have no JSON form: keep PostgreSQL's spelling.
  return Number.isFinite(n) ? n : text
}

/** DateStyle ISO prints `2020-01-02 03:04:05+01`; ISO 8601 wants the T and a full offset. */
function timestamp(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d(?::\d\d)?)?)?$/u.exec(text)
  if (!m) return text // infinity, BC dates
  let offset = m[3] ?? ''
  if (/^[+-]\d\d$/u.test(offset)) offset += ':00'
  if (offset === '+00:00') offset = 'Z'
  return `${m[1]}T${m[2]}${offset}`
}

/** bytea's hex form `\x0a1b…`: its length is known without decoding, and only the head is decoded. */
export function byteaLength(text: string): number {
  return text.startsWith('\\x') ? (text.length - 2) / 2 : Buffer.byteLength(text)
}

export function byteaHead(text: string): string {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2, 2 + 2 * BLOB_HEAD_BYTES), 'hex').toString('base64')
  return Buffer.from(text).subarray(0, BLOB_HEAD_BYTES).toString('base64')
}

/** Converts one value from its text form; arrays become JSON text of their converted elements. */
export function convertValue(text: string | null, oid: number, types: TypeLookup): SqlValue {
  if (text === null || text === undefined) return null
  if (INTEGER_OIDS.has(oid)) return integer(text)
  switch (oid) {
    case OID.bool:
      return text === 't' || text === 'true'
    case OID.numeric:
      return numeric(text)
    case OID.float4:
    case OID.float8:
      return float(text)
    case OID.bytea:
      return { $blob: byteaLength(text) }
    case OID.timestamp:
    case OID.timestamptz:
      return timestamp(text)
    case OID.date:
    case OID.time:
    case OID.timetz:
    case OID.json:
    case OID.jsonb:
      return text
  }
  const info = types(oid)
  if (info && info.elem !== 0 && text.startsWith('{')) {
    try {
      return JSON.stringify(parseArray(text, (el) => jsonElement(convertValue(el, info.elem, types), info.elem)))
    } catch {
      return text
    }
  }
  return text
}

/** Inside an array, a JSON value keeps its structure rather than becoming a string of JSON. */
function jsonElement(value: SqlValue, elemOid: number): unknown {
  if ((elemOid === OID.json || elemOid === OID.jsonb) && typeof value === 'string') {
    try {
      return JSON.parse(value)
    } catch {
      return value
    }
  }
  return value
}

type Nested = unknown[]

/** Parses PostgreSQL's array literal: `{1,2,NULL}`, `{{"a b","c\"d"},{e,f}}`, optionally `[1:2]={…}`. */
export function parseArray(text: string, element: (text: string | null) => unknown): Nested {
  let i = text.indexOf('{')
  if (i < 0) throw new Error('not an array literal')
  const parseLevel = (): Nested => {
    const out: Nested = []
    i++ // past {
    while (i < text.length) {
      const c = text[i]
      if (c === '}') {
        i++
        return out
      }
      if (c === ',') {
        i++
        continue
      }
      if (c === '{') {
        out.push(parseLevel())
        continue
      }
      if (c === '"') {
        let value = ''
        i++
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++
          value += text[i]
          i++
        }
        i++ // past closing quote
        out.push(element(value))
        continue
      }
      let j = i
      while (j < text.length && text[j] !== ',' && text[j] !== '}') j++
      const raw = text.slice(i, j).trim()
      out.push(element(raw.toUpperCase() === 'NULL' ? null : raw))
      i = j
    }
    throw new Error('unterminated array literal')
  }
  return parseLevel()
}
