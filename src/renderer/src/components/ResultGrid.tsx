import {
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type Row,
  type SortingState,
} from '@tanstack/react-table'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react'
import { cellText, formatBytes, toCsv, toJsonRecords, toTsv } from '../../../shared/format'
import type { QueryResult } from '../../../shared/query'
import type { SqlValue } from '../../../shared/schema'
import { copyText, downloadText } from '../lib/download'
import { compareSqlValues, formatCount, formatMs } from '../lib/format'

type DataRow = SqlValue[]

const ROW_HEIGHT = 24
const ROW_NUMBER_WIDTH = 56

interface Props {
  result: QueryResult
}

/** A width that fits the header and typical values; samples the head, the tail and a spread of the middle. */
function initialWidth(name: string, rows: DataRow[], index: number): number {
  let chars = name.length + 2
  const step = Math.max(1, Math.floor(rows.length / 100))
  const measure = (r: number) => (chars = Math.max(chars, cellText(rows[r]![index] ?? null).length))
  for (let r = 0; r < Math.min(rows.length, 50); r++) measure(r)
  for (let r = 0; r < rows.length; r += step) measure(r)
  for (let r = Math.max(0, rows.length - 20); r < rows.length; r++) measure(r)
  return Math.round(Math.min(360, Math.max(64, chars * 7.4 + 22)))
}

function isNumeric(value: SqlValue): boolean {
  return typeof value === 'number' || (typeof value === 'object' && value !== null && '$bigint' in value)
}

/** What a cell shows of a long text (copy and export keep all of it): a 100 KB value in every row made the DOM crawl. */
const MAX_CELL_CHARS = 1000

/** Renders one value: NULL and BLOBs are marked so they cannot be mistaken for text; long text is cut, marked. */
function Cell({ value }: { value: SqlValue }) {
  if (value === null) return <span className="cell-null">NULL</span>
  if (typeof value === 'object') {
    return '$blob' in value ? <span className="cell-blob">{cellText(value)}</span> : <>{value.$bigint}</>
  }
  const text = String(value)
  if (text.length <= MAX_CELL_CHARS) return <>{text}</>
  return (
    <>
      {text.slice(0, MAX_CELL_CHARS)}
      <span className="cell-cut" title={`${text.length.toLocaleString()} characters; copy the cell for all of them`}>
        … (+{(text.length - MAX_CELL_CHARS).toLocaleString()})
      </span>
    </>
  )
}

/**
 * The result grid: virtualized rows (only what is on screen is in the DOM), sticky header, click-to-sort,
 * drag-to-resize, row numbers, cell and row selection with copy as TSV, and CSV/JSON export.
 */
export function ResultGrid({ result }: Props) {
  const [sorting, setSorting] = useState<SortingState>([])
  const [cell, setCell] = useState<{ row: number; col: number } | null>(null)
  const [selectedRows, setSelectedRows] = useState<Set<number>>(() => new Set())
  const [anchor, setAnchor] = useState<number | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const scroller = useRef<HTMLDivElement>(null)

  const columns = useMemo<ColumnDef<DataRow, SqlValue>[]>(
    () =>
      result.columns.map((c, i) => ({
        id: String(i),
        accessorFn: (row: DataRow) => row[i] ?? null,
        header: c.name,
        size: initialWidth(c.name, result.rows, i),
        minSize: 40,
        maxSize: 2000,
        sortingFn: (a: Row<DataRow>, b: Row<DataRow>, id: string) => compareSqlValues(a.getValue<SqlValue>(id), b.getValue<SqlValue>(id)),
        sortDescFirst: false,
      })),
    [result],
  )

  const table = useReactTable({
    data: result.rows,
    columns,
    state: { sorting },
    onSortingChange: (updater) => {
      setSorting(updater)
      setCell(null) // the selected position would point at a different value after re-sorting
    },
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    columnResizeMode: 'onChange',
    enableSortingRemoval: true,
  })

  const rows = table.getRowModel().rows
  const leafColumns = table.getVisibleLeafColumns()
  const totalWidth = ROW_NUMBER_WIDTH + table.getTotalSize()

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 16,
  })

  const flash = useCallback((message: string) => {
    setNotice(message)
    window.setTimeout(() => setNotice((current) => (current === message ? null : current)), 1800)
  }, [])

  const displayedRows = useCallback(() => rows.map((r) => r.original), [rows])

  const copySelection = async () => {
    if (selectedRows.size > 0) {
      const picked = rows.filter((r) => selectedRows.has(r.index)).map((r) => r.original)
      await copyText(toTsv(null, picked))
      flash(`Copied ${formatCount(picked.length)} ${picked.length === 1 ? 'row' : 'rows'}`)
    } else if (cell) {
      const value = rows[cell.row]?.original[cell.col] ?? null
      await copyText(value === null ? '' : cellText(value))
      flash('Copied cell')
    }
  }

  const copyAll = async () => {
    await copyText(toTsv(result.columns, displayedRows()))
    flash(`Copied ${formatCount(rows.length)} rows as TSV`)
  }

  const exportCsv = () => downloadText('query-result.csv', toCsv(result.columns, displayedRows()), 'text/csv;charset=utf-8')
  const exportJson = () =>
    downloadText('query-result.json', JSON.stringify(toJsonRecords(result.columns, displayedRows()), null, 2) + '\n', 'application/json')

  const selectCell = (row: number, col: number) => {
    setCell({ row, col })
    setSelectedRows(new Set())
    scroller.current?.focus({ preventScroll: true })
  }

  const selectRow = (position: number, event: MouseEvent) => {
    const index = rows[position]!.index
    if (event.shiftKey && anchor !== null) {
      const [from, to] = anchor < position ? [anchor, position] : [position, anchor]
      setSelectedRows(new Set(rows.slice(from, to + 1).map((r) => r.index)))
    } else if (event.ctrlKey || event.metaKey) {
      setSelectedRows((set) => {
        const next = new Set(set)
        if (next.has(index)) next.delete(index)
        else next.add(index)
        return next
      })
      setAnchor(position)
    } else {
      setSelectedRows(new Set([index]))
      setAnchor(position)
    }
    setCell(null)
    scroller.current?.focus({ preventScroll: true })
  }

  const onKeyDown = (event: KeyboardEvent) => {
    const mod = event.ctrlKey || event.metaKey
    if (mod && event.key.toLowerCase() === 'c') {
      event.preventDefault()
      void copySelection()
      return
    }
    if (mod && event.key.toLowerCase() === 'a') {
      event.preventDefault()
      setSelectedRows(new Set(rows.map((r) => r.index)))
      setCell(null)
      return
    }
    if (!cell) return
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }
    const move = moves[event.key]
    if (!move) return
    event.preventDefault()
    const row = Math.min(rows.length - 1, Math.max(0, cell.row + move[0]))
    const col = Math.min(leafColumns.length - 1, Math.max(0, cell.col + move[1]))
    setCell({ row, col })
    virtualizer.scrollToIndex(row)
  }

  const hasColumns = result.columns.length > 0

  return (
    <div className="result-grid" data-testid="result-grid">
      <div className="result-toolbar">
        <span className="result-status" data-testid="result-status">
          {formatCount(result.rowCount)} {result.rowCount === 1 ? 'row' : 'rows'} · {formatMs(result.elapsedMs)}
        </span>
        {result.truncated && (
          <span className="result-truncated" data-testid="result-truncated" role="status">
            {result.truncatedBy === 'bytes'
              ? `cut at ${formatBytes(result.byteCap ?? 0)} of values (${formatCount(result.rowCount)} rows shown)`
              : `truncated at ${formatCount(result.rowCap)} rows`}
          </span>
        )}
        {notice && (
          <span className="result-notice" role="status" data-testid="result-notice">
            {notice}
          </span>
        )}
        <span className="toolbar-spacer" />
        <button className="btn btn--small" onClick={() => void copySelection()} disabled={!cell && selectedRows.size === 0} aria-label="Copy selection as TSV">
          Copy selection
        </button>
        <button className="btn btn--small" onClick={() => void copyAll()} disabled={!hasColumns} aria-label="Copy all rows as TSV">
          Copy all
        </button>
        <button className="btn btn--small" onClick={exportCsv} disabled={!hasColumns} aria-label="Export as CSV" data-testid="export-csv">
          CSV
        </button>
        <button className="btn btn--small" onClick={exportJson} disabled={!hasColumns} aria-label="Export as JSON" data-testid="export-json">
          JSON
        </button>
      </div>
      {!hasColumns ? (
        <div className="result-empty">The statement returned no columns.</div>
      ) : (
        <div
          className="grid-scroll"
          ref={scroller}
          tabIndex={0}
          onKeyDown={onKeyDown}
          role="grid"
          aria-label="Query results"
          aria-rowcount={rows.length + 1}
          aria-colcount={leafColumns.length + 1}
          data-testid="grid-scroll"
        >
          <div className="grid-inner" style={{ width: totalWidth }}>
            <div className="grid-header" role="row">
              <div className="grid-cell grid-cell--rownum grid-cell--corner" style={{ width: ROW_NUMBER_WIDTH }} role="columnheader">
                #
              </div>
              {table.getHeaderGroups()[0]!.headers.map((header) => {
                const sorted = header.column.getIsSorted()
                return (
                  <div
                    key={header.id}
                    className="grid-cell grid-cell--header"
                    style={{ width: header.getSize() }}
                    role="columnheader"
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                    data-testid="grid-header"
                  >
                    <button
                      className="grid-header__sort"
                      onClick={header.column.getToggleSortingHandler()}
                      title={`${result.columns[header.index]?.name}${result.columns[header.index]?.declaredType ? ` (${result.columns[header.index]!.declaredType})` : ''} — click to sort`}
                    >
                      <span className="grid-header__name">{String(header.column.columnDef.header)}</span>
                      <span className="grid-header__arrow" aria-hidden>
                        {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                      </span>
                    </button>
                    <div
                      className={`grid-resizer${header.column.getIsResizing() ? ' grid-resizer--active' : ''}`}
                      onMouseDown={header.getResizeHandler()}
                      onTouchStart={header.getResizeHandler()}
                      onDoubleClick={() => header.column.resetSize()}
                      role="separator"
                      aria-label={`Resize column ${String(header.column.columnDef.header)}`}
                    />
                  </div>
                )
              })}
            </div>
            {rows.length === 0 && (
              <div className="grid-no-rows" data-testid="grid-no-rows">
                No rows.
              </div>
            )}
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const row = rows[v.index]!
                const rowSelected = selectedRows.has(row.index)
                return (
                  <div
                    key={row.id}
                    className={`grid-row${v.index % 2 ? ' grid-row--odd' : ''}${rowSelected ? ' grid-row--selected' : ''}`}
                    style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
                    role="row"
                    aria-rowindex={v.index + 2}
                    data-testid="grid-row"
                  >
                    <div
                      className="grid-cell grid-cell--rownum"
                      style={{ width: ROW_NUMBER_WIDTH }}
                      onClick={(e) => selectRow(v.index, e)}
                      title="Select row (Shift/Ctrl to extend)"
                    >
                      {v.index + 1}
                    </div>
                    {leafColumns.map((column, c) => {
                      const value = row.original[c] ?? null
                      const active = cell?.row === v.index && cell.col === c
                      const text = typeof value === 'string' && value.length > 40 ? value.slice(0, 2000) : undefined
                      return (
                        <div
                          key={column.id}
                          className={`grid-cell${isNumeric(value) ? ' grid-cell--num' : ''}${active ? ' grid-cell--active' : ''}`}
                          style={{ width: column.getSize() }}
                          role="gridcell"
                          aria-selected={active || rowSelected}
                          title={text}
                          onClick={() => selectCell(v.index, c)}
                        >
                          <Cell value={value} />
                        </div>
                      )
                    })}
                  </div>
                )
              })}
            </div>
          </div>
        </div>
      )}
    </div>
  )
}
