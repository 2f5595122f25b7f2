// Turning values into text for people, shared by the UI, the CLI and the web host: result cells (copy, CSV/JSON
// export) and byte sizes.
import type { ResultColumn } from './query'
import type { SqlValue } from './schema'

export function cellText(value: SqlValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'object') return '$blob' in value ? `BLOB (${value.$blob} bytes)` : value.$bigint
  return String(value)
}

/** JSON-friendly value: bigints as strings, blobs as a descriptive string. */
export function cellJson(value: SqlValue): string | number | boolean | null {
  if (value === null || typeof value !== 'object') return value
  return '$blob' in value ? `BLOB (${value.$blob} bytes)` : value.$bigint
}

function csvField(value: SqlValue): string {
  if (value === null) return ''
  const text = cellText(value)
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** RFC 4180 CSV with a header row; NULL is an empty field. */
export function toCsv(columns: Pick<ResultColumn, 'name'>[], rows: SqlValue[][]): string {
  const header = columns.map((c) => csvField(c.name)).join(',')
  return [header, ...rows.map((r) => r.map(csvField).join(','))].join('\r\n') + '\r\n'
}

/** Tab-separated text for the clipboard (pastes into spreadsheets). */
export function toTsv(columns: Pick<ResultColumn, 'name'>[] | null, rows: SqlValue[][]): string {
  const clean = (v: SqlValue) => (v === null ? '' : cellText(v).replace(/[\t\r\n]+/g, ' '))
  const lines = rows.map((r) => r.map(clean).join('\t'))
  if (columns) lines.unshift(columns.map((c) => c.name).join('\t'))
  return lines.join('\n')
}

/** Rows as an array of objects keyed by column name (duplicate names get a numeric suffix). */
export function toJsonRecords(columns: Pick<ResultColumn, 'name'>[], rows: SqlValue[][]): Record<string, unknown>[] {
  const seen = new Map<string, number>()
  const keys = columns.map((c) => {
    const n = seen.get(c.name) ?? 0
    seen.set(c.name, n + 1)
    return n === 0 ? c.name : `${c.name}_${n + 1}`
  })
  return rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, cellJson(r[i] ?? null)])))
}

/** A size as people read it (1024-based): "512 B", "3.4 MB", "2.0 GB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
