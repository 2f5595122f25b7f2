import type { QueryResult } from '../../../shared/query'
import type { SqlValue } from '../../../shared/schema'

export interface ChartPlan {
  labelColumn: number
  valueColumns: number[]
  /** Dates on the label axis read best as a line. */
  suggested: 'bar' | 'line'
}

const DATE = /^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?/

export function numericValue(v: SqlValue): number | null {
  if (typeof v === 'number') return v
  if (typeof v === 'object' && v !== null && '$bigint' in v) return Number(v.$bigint)
  return null
}

/**
 * Whether a result can be drawn: a category or date column (text) and at least one numeric column. Decided from
 * the values (SQLite columns have no reliable types); NULLs do not count either way.
 */
export function planChart(result: QueryResult): ChartPlan | null {
  if (result.rows.length < 1 || result.columns.length < 2) return null
  const sample = result.rows.slice(0, 200)
  const kinds = result.columns.map((_, i) => {
    let text = 0
    let num = 0
    let date = 0
    for (const row of sample) {
      const v = row[i] ?? null
      if (v === null) continue
      if (numericValue(v) !== null) num++
      else if (typeof v === 'string') {
        text++
        if (DATE.test(v)) date++
      }
    }
    return { text, num, date }
  })
  const labelColumn = kinds.findIndex((k) => k.text > 0 && k.num === 0)
  if (labelColumn < 0) return null
  const valueColumns = kinds.flatMap((k, i) => (i !== labelColumn && k.num > 0 && k.text === 0 ? [i] : []))
  if (valueColumns.length === 0) return null
  const isDate = kinds[labelColumn]!.date === kinds[labelColumn]!.text
  return { labelColumn, valueColumns: valueColumns.slice(0, 4), suggested: isDate ? 'line' : 'bar' }
}
