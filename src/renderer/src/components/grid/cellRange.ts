// The grid's rectangular selection: an anchor (where the click or the first arrow started) and a focus (where
// shift+click, a drag or shift+arrow got to). Positions are on screen: rows after sorting and filtering,
// columns in the order they are drawn (pinned ones first).
import { cellText, toTsv } from '../../../../shared/format'
import type { SqlValue } from '../../../../shared/schema'

export interface CellPos {
  row: number
  col: number
}

export interface CellSelection {
  anchor: CellPos
  focus: CellPos
}

export interface CellRange {
  top: number
  bottom: number
  left: number
  right: number
}

export function rangeOf({ anchor, focus }: CellSelection): CellRange {
  return {
    top: Math.min(anchor.row, focus.row),
    bottom: Math.max(anchor.row, focus.row),
    left: Math.min(anchor.col, focus.col),
    right: Math.max(anchor.col, focus.col),
  }
}

export function rangeContains(range: CellRange, row: number, col: number): boolean {
  return row >= range.top && row <= range.bottom && col >= range.left && col <= range.right
}

export function rangeCellCount(range: CellRange): number {
  return (range.bottom - range.top + 1) * (range.right - range.left + 1)
}

export function clampPos(pos: CellPos, rowCount: number, colCount: number): CellPos {
  return { row: Math.min(rowCount - 1, Math.max(0, pos.row)), col: Math.min(colCount - 1, Math.max(0, pos.col)) }
}

/**
 * The clipboard text of a range: one cell is its bare value (what a user pastes into a WHERE clause); more cells
 * are TSV under a header row of their column names, so a paste into a spreadsheet keeps its meaning.
 * `columns` are the drawn columns: their names and where their values sit in a data row.
 */
export function rangeClipboardText(range: CellRange, rows: SqlValue[][], columns: { name: string; dataIndex: number }[]): string {
  const picked = columns.slice(range.left, range.right + 1)
  const values = rows.slice(range.top, range.bottom + 1).map((row) => picked.map((c) => row[c.dataIndex] ?? null))
  if (rangeCellCount(range) === 1) {
    const value = values[0]?.[0] ?? null
    return value === null ? '' : cellText(value)
  }
  return toTsv(picked, values)
}
