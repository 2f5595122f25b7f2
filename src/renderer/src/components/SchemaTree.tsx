import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useEffect, useMemo, useRef, useState } from 'react'
import type { Column, ForeignKey, Schema, Table } from '../../../shared/schema'
import { cellText } from '../../../shared/format'
import { formatCount } from '../lib/format'
import { Chevron, TableIcon, ViewIcon, VirtualIcon } from './Icons'

const ROW_HEIGHT = 24

// Which tables were expanded, per schema, so switching database tabs comes back to the same tree.
const expandedBySchema = new Map<string, Set<string>>()

type Item =
  | { kind: 'table'; table: Table; expanded: boolean }
  | { kind: 'column'; table: Table; column: Column; fk: ForeignKey | undefined }

interface Props {
  schema: Schema
  onSelectTable(table: Table): void
}

/**
 * The schema browser. Tables render collapsed and the list is virtualized, so a 500-table schema costs
 * about as many DOM nodes as a 10-table one.
 */
export function SchemaTree({ schema, onSelectTable }: Props) {
  const [filter, setFilter] = useState('')
  const [expanded, setExpandedState] = useState<Set<string>>(() => expandedBySchema.get(schema.fingerprint) ?? new Set())
  const setExpanded = (update: (set: Set<string>) => Set<string>) =>
    setExpandedState((set) => {
      const next = update(set)
      expandedBySchema.set(schema.fingerprint, next)
      return next
    })
  const [highlight, setHighlight] = useState<string | null>(null)
  const scroller = useRef<HTMLDivElement>(null)

  // Another database's schema arrived: show its own tree state.
  useEffect(() => {
    setExpandedState(expandedBySchema.get(schema.fingerprint) ?? new Set())
    setFilter('')
    setHighlight(null)
  }, [schema.fingerprint])

  const tables = useMemo(() => [...schema.tables].sort((a, b) => a.name.localeCompare(b.name)), [schema])

  const items = useMemo(() => {
    const needle = filter.trim().toLowerCase()
    const out: Item[] = []
    for (const table of tables) {
      const tableMatches = !needle || table.name.toLowerCase().includes(needle)
      const columnMatches = needle && !tableMatches ? table.columns.filter((c) => c.name.toLowerCase().includes(needle)) : []
      if (!tableMatches && columnMatches.length === 0) continue
      // A table found by one of its columns opens to show which.
      const open = expanded.has(table.name) || columnMatches.length > 0
      out.push({ kind: 'table', table, expanded: open })
      if (!open) continue
      const shown = columnMatches.length > 0 ? columnMatches : table.columns
      for (const column of shown) {
        if (column.hidden) continue
        out.push({ kind: 'column', table, column, fk: table.foreignKeys.find((fk) => fk.columns.includes(column.name)) })
      }
    }
    return out
  }, [tables, expanded, filter])

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })

  const toggle = (name: string) =>
    setExpanded((set) => {
      const next = new Set(set)
      if (next.has(name)) next.delete(name)
      else next.add(name)
      return next
    })

  // Jumping along a foreign key: make the target visible, scroll to it, flash it.
  const [pendingJump, setPendingJump] = useState<string | null>(null)
  const jumpTo = (refTable: string) => {
    const target = tables.find((t) => t.name.toLowerCase() === refTable.toLowerCase())
    if (!target) return
    setFilter('')
    setExpanded((set) => new Set(set).add(target.name))
    setHighlight(target.name)
    setPendingJump(target.name)
  }
  useEffect(() => {
    if (!pendingJump) return
    const index = items.findIndex((i) => i.kind === 'table' && i.table.name === pendingJump)
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'start' })
    setPendingJump(null)
  }, [pendingJump, items, virtualizer])
  useEffect(() => {
    if (!highlight) return
    const timer = setTimeout(() => setHighlight(null), 1600)
    return () => clearTimeout(timer)
  }, [highlight])

  const tableCount = schema.tables.filter((t) => t.kind !== 'view').length
  const viewCount = schema.tables.length - tableCount

  return (
    <div className="schema-tree" data-testid="schema-tree">
      <div className="schema-tree__header">
        <input
          className="input schema-tree__filter"
          type="search"
          placeholder="Filter tables and columns"
          aria-label="Filter tables and columns"
          data-testid="schema-filter"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <div className="schema-tree__summary">
          {tableCount} {tableCount === 1 ? 'table' : 'tables'}
          {viewCount > 0 && ` · ${viewCount} ${viewCount === 1 ? 'view' : 'views'}`}
        </div>
      </div>
      <div className="schema-tree__scroll" ref={scroller} role="tree" aria-label="Database schema">
        {items.length === 0 && <div className="schema-tree__empty">{filter ? 'Nothing matches the filter.' : 'This database has no tables.'}</div>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const item = items[v.index]!
            return (
              <div key={v.key} className="schema-tree__row-slot" style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}>
                {item.kind === 'table' ? (
                  <TableRow item={item} highlighted={highlight === item.table.name} onToggle={toggle} onSelect={onSelectTable} />
                ) : (
                  <ColumnRow item={item} onJump={jumpTo} />
                )}
              </div>
            )
          })}
        </div>
      </div>
    </div>
  )
}

const TableRow = memo(function TableRow({
  item,
  highlighted,
  onToggle,
  onSelect,
}: {
  item: Extract<Item, { kind: 'table' }>
  highlighted: boolean
  onToggle(name: string): void
  onSelect(table: Table): void
}) {
  const { table, expanded } = item
  const Icon = table.kind === 'view' ? ViewIcon : table.kind === 'virtual' ? VirtualIcon : TableIcon
  const count = table.rowCount === null ? '' : `${table.rowCountExact ? '' : '≈'}${formatCount(table.rowCount)}`
  return (
    <div
      className={`tree-row tree-row--table${highlighted ? ' tree-row--highlight' : ''}`}
      role="treeitem"
      aria-expanded={expanded}
      data-testid="schema-table"
      data-table={table.name}
    >
      <button
        className="tree-row__toggle"
        aria-label={`${expanded ? 'Collapse' : 'Expand'} ${table.name}`}
        data-testid="schema-table-toggle"
        onClick={() => onToggle(table.name)}
      >
        <Chevron open={expanded} />
      </button>
      <button
        className="tree-row__main"
        title={`${table.kind === 'view' ? 'View' : 'Table'} ${table.name} — click to query it`}
        aria-label={`Query ${table.name}`}
        onClick={() => onSelect(table)}
        onDoubleClick={() => onToggle(table.name)}
      >
        <Icon className={`tree-icon tree-icon--${table.kind}`} />
        <span className="tree-row__name">{table.name}</span>
        <span className="tree-row__count" title={table.rowCountExact ? 'rows' : 'estimated rows'}>
          {count}
        </span>
      </button>
    </div>
  )
})

function columnTitle(column: Column, fk: ForeignKey | undefined): string {
  const parts = [`${column.name} ${column.type || '(untyped)'}`]
  if (column.primaryKey) parts.push('primary key')
  if (column.notNull) parts.push('NOT NULL')
  if (column.defaultValue !== null) parts.push(`DEFAULT ${column.defaultValue}`)
  if (fk) parts.push(`references ${fk.refTable}(${fk.refColumns.join(', ') || 'primary key'})`)
  if (column.samples.length > 0) parts.push(`samples: ${column.samples.map((s) => cellText(s)).join(', ')}`)
  return parts.join('\n')
}

const ColumnRow = memo(function ColumnRow({ item, onJump }: { item: Extract<Item, { kind: 'column' }>; onJump(table: string): void }) {
  const { column, fk } = item
  return (
    <div className="tree-row tree-row--column" role="treeitem" data-testid="schema-column" data-column={column.name} title={columnTitle(column, fk)}>
      <span className="tree-row__keys">
        {column.primaryKey > 0 && (
          <span className="key-badge key-badge--pk" aria-label="primary key">
            PK
          </span>
        )}
        {fk && (
          <span className="key-badge key-badge--fk" aria-label="foreign key">
            FK
          </span>
        )}
      </span>
      <span className="tree-row__name">{column.name}</span>
      <span className="tree-row__type">{column.type}</span>
      {fk && (
        <button
          className="tree-row__fk"
          aria-label={`Go to referenced table ${fk.refTable}`}
          data-testid="schema-fk-link"
          onClick={() => onJump(fk.refTable)}
        >
          → {fk.refTable}
        </button>
      )}
    </div>
  )
})
