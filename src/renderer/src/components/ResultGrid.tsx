import {
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type Column,
  type ColumnDef,
  type ColumnPinningState,
  type FilterFn,
  type Row,
  type SortingState,
} from '@tanstack/react-table'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type MouseEvent } from 'react'
import { cellText, formatBytes, toCsv, toJsonRecords, toTsv } from '../../../shared/format'
import type { QueryResult } from '../../../shared/query'
import type { SqlValue } from '../../../shared/schema'
import { copyText, downloadText } from '../lib/download'
import { compareSqlValues, formatCount, formatMs } from '../lib/format'
import { CellViewer } from './grid/CellViewer'
import { ColumnMenu } from './grid/ColumnMenu'
import { clampPos, rangeCellCount, rangeClipboardText, rangeContains, rangeOf, type CellPos, type CellSelection } from './grid/cellRange'
import { fitWidth, textWidth } from './grid/measureText'
import { useDragSelect } from './grid/useDragSelect'
import { PinIcon } from './Icons'

type DataRow = SqlValue[]

const ROW_HEIGHT = 24
const ROW_NUMBER_WIDTH = 56
const HEADER_HEIGHT = 26

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

/** Keeps a row when any of its cells, as the grid shows it (NULL, "BLOB (n bytes)"), contains the filter text. */
const anyCellContains: FilterFn<DataRow> = (row, columnId, needle: string) =>
  cellText(row.getValue<SqlValue>(columnId)).toLowerCase().includes(needle)

/** A value worth the viewer's button: a BLOB, JSON (it reads better indented), or text the cell cannot show whole. */
function isExpandable(value: SqlValue, width: number, font: string): boolean {
  if (value === null) return false
  if (typeof value === 'object') return '$blob' in value
  if (typeof value !== 'string') return false
  return value.length > MAX_CELL_CHARS || value.includes('\n') || /^\s*[[{]/.test(value) || textWidth(value.slice(0, 400), font) > width - 16
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


/** Where a pinned column sticks: after the row numbers and the pinned columns before it. */
function pinnedStyle(column: Column<DataRow, unknown>): CSSProperties | undefined {
  return column.getIsPinned() === 'left' ? { left: ROW_NUMBER_WIDTH + column.getStart('left') } : undefined
}

function pinnedClass(column: Column<DataRow, unknown>): string {
  if (column.getIsPinned() !== 'left') return ''
  return column.getIsLastColumn('left') ? ' grid-cell--pinned grid-cell--pinned-last' : ' grid-cell--pinned'
}

/**
 * The result grid: virtualized rows (only what is on screen is in the DOM), sticky header, click-to-sort,
 * drag-to-resize and auto-fit, pinned columns, a filter over the displayed text, a rectangular cell selection
 * (click, shift+click, drag, shift+arrows) and row selection with copy as TSV, a viewer for long values and
 * BLOBs, and CSV/JSON export.
 */
export function ResultGrid({ result }: Props) {
  const [sorting, setSorting] = useState<SortingState>([])
  const [columnPinning, setColumnPinning] = useState<ColumnPinningState>({ left: [] })
  const [filterText, setFilterText] = useState('')
  // typing stays responsive while 10,000 rows are filtered behind it
  const filter = useDeferredValue(filterText.trim().toLowerCase())
  const [selection, setSelection] = useState<CellSelection | null>(null)
  const [selectedRows, setSelectedRows] = useState<Set<number>>(() => new Set())
  const [anchor, setAnchor] = useState<number | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [viewing, setViewing] = useState<{ column: string; value: Exclude<SqlValue, null> } | null>(null)
  const [menu, setMenu] = useState<{ columnId: string; x: number; y: number } | null>(null)
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

  // positions on screen change meaning when the rows or the column order do
  const forgetSelection = () => {
    setSelection(null)
    setSelectedRows(new Set())
    setAnchor(null)
  }

  const table = useReactTable({
    data: result.rows,
    columns,
    state: { sorting, columnPinning, globalFilter: filter },
    onSortingChange: (updater) => {
      setSorting(updater)
      forgetSelection()
    },
    onColumnPinningChange: (updater) => {
      setColumnPinning(updater)
      forgetSelection()
    },
    globalFilterFn: anyCellContains,
    // the default only filters columns whose first value is text or a number: NULLs and BLOBs must count too
    getColumnCanGlobalFilter: () => true,
    getCoreRowModel: getCoreRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getSortedRowModel: getSortedRowModel(),
    columnResizeMode: 'onChange',
    enableSortingRemoval: true,
  })

  useEffect(() => forgetSelection(), [filter])

  const rows = table.getRowModel().rows
  // drawn order: pinned columns first, then the rest
  const drawnColumns = [...table.getLeftVisibleLeafColumns(), ...table.getCenterVisibleLeafColumns()]
  const drawnHeaders = [...table.getLeftHeaderGroups()[0]!.headers, ...table.getCenterHeaderGroups()[0]!.headers]
  const clipboardColumns = drawnColumns.map((c) => ({ name: String(c.columnDef.header), dataIndex: Number(c.id) }))
  const totalWidth = ROW_NUMBER_WIDTH + table.getTotalSize()
  const range = selection ? rangeOf(selection) : null
  const filtered = filter !== ''

  const extendTo = useCallback(
    (focus: CellPos) =>
      setSelection((current) => (current && (current.focus.row !== focus.row || current.focus.col !== focus.col) ? { anchor: current.anchor, focus } : current)),
    [],
  )
  const startDrag = useDragSelect(scroller, { top: HEADER_HEIGHT, left: ROW_NUMBER_WIDTH }, extendTo)

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

  const valueAt = (pos: CellPos): SqlValue => rows[pos.row]?.original[Number(drawnColumns[pos.col]?.id)] ?? null

  const copySelection = async () => {
    if (selectedRows.size > 0) {
      const picked = rows.filter((r) => selectedRows.has(r.index)).map((r) => r.original)
      await copyText(toTsv(null, picked))
      flash(`Copied ${formatCount(picked.length)} ${picked.length === 1 ? 'row' : 'rows'}`)
    } else if (range) {
      await copyText(rangeClipboardText(range, displayedRows(), clipboardColumns))
      const cells = rangeCellCount(range)
      flash(cells === 1 ? 'Copied cell' : `Copied ${range.bottom - range.top + 1} × ${range.right - range.left + 1} cells`)
    }
  }

  const copyAll = async () => {
    await copyText(toTsv(result.columns, displayedRows()))
    flash(`Copied ${formatCount(rows.length)} rows as TSV`)
  }

  const exportCsv = () => downloadText('query-result.csv', toCsv(result.columns, displayedRows()), 'text/csv;charset=utf-8')
  const exportJson = () =>
    downloadText('query-result.json', JSON.stringify(toJsonRecords(result.columns, displayedRows()), null, 2) + '\n', 'application/json')

  /** The grid's font as a canvas font string, in the given weight (the computed shorthand may carry its own). */
  const gridFont = (weight = 'normal') => {
    if (!scroller.current) return `${weight} 12px sans-serif`
    const style = getComputedStyle(scroller.current)
    return `${style.fontStyle} ${weight} ${style.fontSize} ${style.fontFamily}`
  }

  /** Fits a column to its header and the rows now rendered (measuring 10,000 rows would stall a double-click). */
  const fitColumn = (column: Column<DataRow, unknown>) => {
    const index = Number(column.id)
    const texts = virtualizer.getVirtualItems().map((v) => cellText(rows[v.index]?.original[index] ?? null))
    // a pinned header also shows the pin (11 px and a gap) beside the name
    const width = fitWidth(String(column.columnDef.header), gridFont('600'), texts, gridFont(), column.getIsPinned() ? 15 : 0)
    table.setColumnSizing((sizes) => ({ ...sizes, [column.id]: width }))
  }

  /** Scrolls so the cell is in view: vertically through the virtualizer, sideways past the pinned columns. */
  const reveal = (pos: CellPos) => {
    virtualizer.scrollToIndex(pos.row)
    const column = drawnColumns[pos.col]
    const pane = scroller.current
    if (!column || !pane || column.getIsPinned()) return
    const pinnedEdge = ROW_NUMBER_WIDTH + table.getLeftTotalSize()
    const x = pinnedEdge + column.getStart('center')
    if (x - pinnedEdge < pane.scrollLeft) pane.scrollLeft = x - pinnedEdge
    else if (x + column.getSize() > pane.scrollLeft + pane.clientWidth) pane.scrollLeft = x + column.getSize() - pane.clientWidth
  }

  const openViewer = (pos: CellPos) => {
    const value = valueAt(pos)
    if (value === null) return
    setViewing({ column: String(drawnColumns[pos.col]?.columnDef.header), value })
  }

  const closeViewer = () => {
    setViewing(null)
    // after the dialog is gone: while it is open the page behind it is inert and cannot take focus
    requestAnimationFrame(() => scroller.current?.focus({ preventScroll: true }))
  }

  const onCellMouseDown = (pos: CellPos, event: MouseEvent) => {
    if (event.button !== 0) return
    // no native text selection while dragging out a rectangle; the grid takes focus itself
    event.preventDefault()
    scroller.current?.focus({ preventScroll: true })
    setSelectedRows(new Set())
    setSelection((current) => (event.shiftKey && current ? { anchor: current.anchor, focus: pos } : { anchor: pos, focus: pos }))
    startDrag(event)
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
    setSelection(null)
    scroller.current?.focus({ preventScroll: true })
  }

  /** Where a navigation key takes the focus cell, as spreadsheets do (unclamped); null for other keys. */
  const keyTarget = (key: string, mod: boolean, { row, col }: CellPos): CellPos | null => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 2)
    const last = { row: rows.length - 1, col: drawnColumns.length - 1 }
    if (mod) {
      if (key === 'Home') return { row: 0, col: 0 }
      if (key === 'End') return last
      return null
    }
    switch (key) {
      case 'ArrowUp':
        return { row: row - 1, col }
      case 'ArrowDown':
        return { row: row + 1, col }
      case 'ArrowLeft':
        return { row, col: col - 1 }
      case 'ArrowRight':
        return { row, col: col + 1 }
      case 'Home':
        return { row, col: 0 }
      case 'End':
        return { row, col: last.col }
      case 'PageUp':
        return { row: row - page, col }
      case 'PageDown':
        return { row: row + page, col }
      default:
        return null
    }
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
      if (rows.length === 0) return
      setSelectedRows(new Set())
      setSelection({ anchor: { row: 0, col: 0 }, focus: { row: rows.length - 1, col: drawnColumns.length - 1 } })
      return
    }
    if (!selection) return
    if (event.key === 'Enter' && !mod && !event.shiftKey && !event.altKey) {
      event.preventDefault()
      openViewer(selection.focus)
      return
    }
    if (event.altKey) return
    const target = keyTarget(event.key, mod, selection.focus)
    if (!target) return
    event.preventDefault()
    const focus = clampPos(target, rows.length, drawnColumns.length)
    setSelection({ anchor: event.shiftKey ? selection.anchor : focus, focus })
    reveal(focus)
  }

  const onFilterKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Escape') return
    // Esc clears the filter; only an empty box lets Esc through (to a dialog around the grid, say)
    if (filterText !== '') {
      event.preventDefault()
      event.stopPropagation()
      setFilterText('')
    }
  }

  const openMenuAt = (columnId: string, x: number, y: number) => setMenu({ columnId, x, y })
  const menuColumn = menu ? table.getColumn(menu.columnId) : undefined
  const closeMenu = useCallback(() => {
    setMenu(null)
    // the menu had the keyboard; without this it would fall to the page body
    scroller.current?.focus({ preventScroll: true })
  }, [])

  const hasColumns = result.columns.length > 0
  const focusPos = selection?.focus

  return (
    <div className="result-grid" data-testid="result-grid">
      <div className="result-toolbar">
        <span className="result-status" data-testid="result-status">
          {filtered ? `${formatCount(rows.length)} of ${formatCount(result.rowCount)}` : formatCount(result.rowCount)}{' '}
          {result.rowCount === 1 ? 'row' : 'rows'} · {formatMs(result.elapsedMs)}
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
        {hasColumns && (
          <span className="result-filter">
            <input
              className="input result-filter__input"
              type="search"
              placeholder="Filter rows…"
              value={filterText}
              onChange={(e) => setFilterText(e.target.value)}
              onKeyDown={onFilterKeyDown}
              aria-label="Filter the rows by any cell's text"
              spellCheck={false}
              data-testid="result-filter"
            />
            {filterText !== '' && (
              <button className="icon-btn result-filter__clear" onClick={() => setFilterText('')} aria-label="Clear the filter" data-testid="result-filter-clear">
                ×
              </button>
            )}
          </span>
        )}
        <button className="btn btn--small" onClick={() => void copySelection()} disabled={!selection && selectedRows.size === 0} aria-label="Copy selection as TSV" data-testid="copy-selection">
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
          aria-colcount={drawnColumns.length + 1}
          aria-multiselectable
          data-testid="grid-scroll"
        >
          <div className="grid-inner" style={{ width: totalWidth }}>
            <div className="grid-header" role="row">
              <div className="grid-cell grid-cell--rownum grid-cell--corner" style={{ width: ROW_NUMBER_WIDTH }} role="columnheader">
                #
              </div>
              {drawnHeaders.map((header) => {
                const column = header.column
                const sorted = column.getIsSorted()
                const name = String(column.columnDef.header)
                const info = result.columns[Number(column.id)]
                return (
                  <div
                    key={header.id}
                    className={`grid-cell grid-cell--header${pinnedClass(column)}`}
                    style={{ width: header.getSize(), ...pinnedStyle(column) }}
                    role="columnheader"
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                    data-testid="grid-header"
                    data-column={name}
                    data-pinned={column.getIsPinned() || undefined}
                    onContextMenu={(e) => {
                      e.preventDefault()
                      openMenuAt(column.id, e.clientX, e.clientY)
                    }}
                  >
                    <button
                      className="grid-header__sort"
                      data-testid="grid-header-sort"
                      onClick={column.getToggleSortingHandler()}
                      title={`${name}${info?.declaredType ? ` (${info.declaredType})` : ''} — click to sort, right-click for more`}
                    >
                      {column.getIsPinned() && <PinIcon className="grid-header__pin" data-testid="grid-header-pin" />}
                      <span className="grid-header__name">{name}</span>
                      <span className="grid-header__arrow" aria-hidden>
                        {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                      </span>
                    </button>
                    <button
                      className={`grid-header__menu${menu?.columnId === column.id ? ' grid-header__menu--open' : ''}`}
                      aria-label={`Column menu for ${name}`}
                      aria-haspopup="menu"
                      data-testid="grid-header-menu"
                      onClick={(e) => {
                        const box = e.currentTarget.getBoundingClientRect()
                        openMenuAt(column.id, box.left, box.bottom + 2)
                      }}
                    >
                    </button>
                    <div
                      className={`grid-resizer${column.getIsResizing() ? ' grid-resizer--active' : ''}`}
                      onMouseDown={header.getResizeHandler()}
                      onTouchStart={header.getResizeHandler()}
                      onDoubleClick={() => fitColumn(column)}
                      role="separator"
                      aria-label={`Resize column ${name} (double-click fits it to its content)`}
                      title="Drag to resize; double-click to fit the content"
                      data-testid="grid-resizer"
                    />
                  </div>
                )
              })}
            </div>
            {rows.length === 0 && (
              <div className="grid-no-rows" data-testid="grid-no-rows">
                {filtered ? 'No rows match the filter.' : 'No rows.'}
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
                    {drawnColumns.map((column, c) => {
                      const value = row.original[Number(column.id)] ?? null
                      const pos = { row: v.index, col: c }
                      const active = focusPos?.row === v.index && focusPos.col === c
                      const inRange = range !== null && rangeContains(range, v.index, c)
                      const text = typeof value === 'string' && value.length > 40 ? value.slice(0, 2000) : undefined
                      return (
                        <div
                          key={column.id}
                          className={`grid-cell${isNumeric(value) ? ' grid-cell--num' : ''}${inRange ? ' grid-cell--in-range' : ''}${active ? ' grid-cell--active' : ''}${pinnedClass(column)}`}
                          style={{ width: column.getSize(), ...pinnedStyle(column) }}
                          role="gridcell"
                          aria-selected={inRange || rowSelected}
                          title={text}
                          onMouseDown={(e) => onCellMouseDown(pos, e)}
                          data-row={v.index}
                          data-col={c}
                          onDoubleClick={() => openViewer(pos)}
                        >
                          <Cell value={value} />
                          {active && isExpandable(value, column.getSize(), gridFont()) && (
                            <button
                              className="cell-expand"
                              aria-label="Show the whole value"
                              title="Show the whole value (Enter)"
                              data-testid="cell-expand"
                              onMouseDown={(e) => e.stopPropagation()}
                              onClick={() => openViewer(pos)}
                            >
                              ⤢
                            </button>
                          )}
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
      {viewing && <CellViewer column={viewing.column} value={viewing.value} onClose={closeViewer} />}
      {menu && menuColumn && (
        <ColumnMenu
          column={String(menuColumn.columnDef.header)}
          x={menu.x}
          y={menu.y}
          pinned={menuColumn.getIsPinned() === 'left'}
          onFit={() => fitColumn(menuColumn)}
          onTogglePin={() => menuColumn.pin(menuColumn.getIsPinned() ? false : 'left')}
          onResetWidth={() => menuColumn.resetSize()}
          onClose={closeMenu}
        />
      )}
    </div>
  )
}
