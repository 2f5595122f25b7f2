import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import type { Schema, Table } from '../../../shared/schema'
import { copyText } from '../lib/download'
import { indexDdl, tableDdl, triggerDdl } from '../lib/ddl'
import { DiagramIcon } from './Icons'
import { DdlDialog } from './schema/DdlDialog'
import { ErDiagramDialog } from './schema/ErDiagramDialog'
import { ColumnRow, GroupRow, IndexRow, TableRow, TriggerRow } from './schema/TreeRows'
import { buildTreeItems, isExpandable, parentIndex, type TreeItem } from './schema/treeItems'

const ROW_HEIGHT = 24

// Which tables were expanded, per schema, so switching database tabs comes back to the same tree.
const expandedBySchema = new Map<string, Set<string>>()

interface Props {
  schema: Schema
  onSelectTable(table: Table): void
}

function ddlFor(item: TreeItem): { title: string; ddl: string } | null {
  if (item.kind === 'table') return { title: `DDL of ${item.table.kind === 'view' ? 'view' : 'table'} ${item.table.name}`, ddl: tableDdl(item.table) }
  if (item.kind === 'index') return { title: `DDL of index ${item.index.name}`, ddl: indexDdl(item.table, item.index) }
  if (item.kind === 'trigger') return { title: `DDL of trigger ${item.trigger.name}`, ddl: triggerDdl(item.trigger) }
  return null
}

/**
 * The schema browser. Tables render collapsed and the list is virtualized, so a 500-table schema costs
 * about as many DOM nodes as a 10-table one. It is one tab stop (a roving tabindex over the rows): the arrow
 * keys walk and open it, Enter does what a click does.
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
  const [activeKey, setActiveKey] = useState<string | null>(null)
  const [ddl, setDdl] = useState<{ title: string; ddl: string } | null>(null)
  const [diagramOpen, setDiagramOpen] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const scroller = useRef<HTMLDivElement>(null)
  /** Set when the active row changed by keyboard (or a jump) and should take the focus once it is rendered. */
  const focusPending = useRef(false)

  // Another database's schema arrived: show its own tree state.
  useEffect(() => {
    setExpandedState(expandedBySchema.get(schema.fingerprint) ?? new Set())
    setFilter('')
    setHighlight(null)
    setActiveKey(null)
  }, [schema.fingerprint])

  const tables = useMemo(() => [...schema.tables].sort((a, b) => a.name.localeCompare(b.name)), [schema])
  const { items, matching } = useMemo(() => buildTreeItems(tables, expanded, filter), [tables, expanded, filter])
  // The active row; when it is filtered away or collapsed out of sight, the first row takes over.
  const found = items.findIndex((i) => i.key === activeKey)
  const activeIndex = found >= 0 ? found : 0
  const active = items[activeIndex]
  // Memoized: the diagram lays itself out again whenever these change identity.
  const diagramTables = useMemo(() => tables.filter((t) => t.kind !== 'view'), [tables])
  const diagramMatching = useMemo(() => matching.filter((t) => t.kind !== 'view'), [matching])

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })

  const toggle = useCallback(
    (key: string) =>
      setExpanded((set) => {
        const next = new Set(set)
        if (next.has(key)) next.delete(key)
        else next.add(key)
        return next
      }),
    // setExpanded only closes over the fingerprint
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [schema.fingerprint],
  )

  const moveTo = (index: number) => {
    const item = items[Math.max(0, Math.min(items.length - 1, index))]
    if (!item) return
    setActiveKey(item.key)
    focusPending.current = true
    virtualizer.scrollToIndex(items.indexOf(item))
  }

  // The virtualizer renders the row a frame after scrolling to it: keep looking for a few frames.
  useEffect(() => {
    if (!focusPending.current || !active) return
    let frames = 0
    let handle = 0
    const tryFocus = () => {
      const el = scroller.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(active.key)}"]`)
      if (el) {
        focusPending.current = false
        el.focus({ preventScroll: true })
      } else if (frames++ < 10) handle = requestAnimationFrame(tryFocus)
    }
    tryFocus()
    return () => cancelAnimationFrame(handle)
  })

  // Jumping to a table (along a foreign key, or from the diagram): make it visible, scroll to it, flash it.
  const [pendingJump, setPendingJump] = useState<string | null>(null)
  const jumpTo = (refTable: string, opts: { expand: boolean }) => {
    const target = tables.find((t) => t.name.toLowerCase() === refTable.toLowerCase())
    if (!target) return
    if (!items.some((i) => i.kind === 'table' && i.table === target)) setFilter('')
    if (opts.expand) setExpanded((set) => new Set(set).add(target.name))
    setHighlight(target.name)
    setActiveKey(target.name)
    setPendingJump(target.name)
  }
  useEffect(() => {
    if (!pendingJump) return
    const index = items.findIndex((i) => i.kind === 'table' && i.table.name === pendingJump)
    if (index >= 0) {
      virtualizer.scrollToIndex(index, { align: 'start' })
      focusPending.current = true
    }
    setPendingJump(null)
  }, [pendingJump, items, virtualizer])
  useEffect(() => {
    if (!highlight) return
    const timer = setTimeout(() => setHighlight(null), 1600)
    return () => clearTimeout(timer)
  }, [highlight])
  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(() => setNotice(null), 2500)
    return () => clearTimeout(timer)
  }, [notice])

  const showDdl = useCallback((item: TreeItem) => setDdl(ddlFor(item)), [])
  const copyDdl = useCallback((item: TreeItem) => {
    const d = ddlFor(item)
    if (!d) return
    void copyText(d.ddl).then(() => setNotice(`Copied the DDL of ${item.table.name}`))
  }, [])
  const select = useCallback((item: TreeItem) => onSelectTable(item.table), [onSelectTable])
  const onJump = (table: string) => jumpTo(table, { expand: true })

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!active || event.ctrlKey || event.metaKey) return
    const handled = () => {
      event.preventDefault()
      event.stopPropagation()
    }
    switch (event.key) {
      case 'ArrowDown':
        handled()
        return moveTo(activeIndex + 1)
      case 'ArrowUp':
        handled()
        return moveTo(activeIndex - 1)
      case 'Home':
        handled()
        return moveTo(0)
      case 'End':
        handled()
        return moveTo(items.length - 1)
      case 'ArrowRight':
        handled()
        if (isExpandable(active) && !active.expanded) return toggle(active.key)
        if (items[activeIndex + 1] && items[activeIndex + 1]!.level > active.level) return moveTo(activeIndex + 1)
        return
      case 'ArrowLeft': {
        handled()
        if (isExpandable(active) && active.expanded && expanded.has(active.key)) return toggle(active.key)
        const parent = parentIndex(items, activeIndex)
        if (parent >= 0) moveTo(parent)
        return
      }
      case 'Enter':
        handled()
        if (event.altKey) return showDdl(active)
        if (active.kind === 'table') return onSelectTable(active.table)
        if (active.kind === 'group') return toggle(active.key)
        if (active.kind === 'column') return active.fk && jumpTo(active.fk.refTable, { expand: true })
        return showDdl(active)
    }
  }

  const tableCount = schema.tables.filter((t) => t.kind !== 'view').length
  const viewCount = schema.tables.length - tableCount
  const virtualItems = virtualizer.getVirtualItems()
  // With the active row scrolled out of the DOM, the tree itself is the tab stop and hands focus on to that row.
  const activeRendered = virtualItems.some((v) => v.index === activeIndex)

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
          <span className="schema-tree__counts" role="status">
            {notice ?? (
              <>
                {tableCount} {tableCount === 1 ? 'table' : 'tables'}
                {viewCount > 0 && ` · ${viewCount} ${viewCount === 1 ? 'view' : 'views'}`}
              </>
            )}
          </span>
          <button
            type="button"
            className="btn btn--small schema-tree__diagram"
            onClick={() => setDiagramOpen(true)}
            disabled={tableCount === 0}
            title="ER diagram of the tables the filter shows"
            data-testid="schema-diagram"
          >
            <DiagramIcon /> Diagram
          </button>
        </div>
      </div>
      <div
        className="schema-tree__scroll"
        ref={scroller}
        role="tree"
        aria-label="Database schema"
        tabIndex={activeRendered ? -1 : 0}
        onKeyDown={onKeyDown}
        onFocus={(e) => {
          if (e.target === e.currentTarget && active) moveTo(activeIndex)
        }}
        onFocusCapture={(e) => {
          // a click on a row (or a button in it) makes that row the active one
          const key = (e.target as HTMLElement).closest<HTMLElement>('[data-key]')?.dataset.key
          if (key && key !== activeKey) setActiveKey(key)
        }}
      >
        {items.length === 0 && <div className="schema-tree__empty">{filter ? 'Nothing matches the filter.' : 'This database has no tables.'}</div>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualItems.map((v) => {
            const item = items[v.index]!
            const isActive = v.index === activeIndex
            return (
              <div key={item.key} className="schema-tree__row-slot" style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}>
                {item.kind === 'table' ? (
                  <TableRow
                    item={item}
                    active={isActive}
                    highlighted={highlight === item.table.name}
                    onToggle={toggle}
                    onSelect={select}
                    onShowDdl={showDdl}
                    onCopyDdl={copyDdl}
                  />
                ) : item.kind === 'column' ? (
                  <ColumnRow item={item} active={isActive} onJump={onJump} />
                ) : item.kind === 'group' ? (
                  <GroupRow item={item} active={isActive} onToggle={toggle} />
                ) : item.kind === 'index' ? (
                  <IndexRow item={item} active={isActive} onShowDdl={showDdl} />
                ) : (
                  <TriggerRow item={item} active={isActive} onShowDdl={showDdl} />
                )}
              </div>
            )
          })}
        </div>
      </div>
      {ddl && <DdlDialog title={ddl.title} ddl={ddl.ddl} onClose={() => setDdl(null)} />}
      {diagramOpen && (
        <ErDiagramDialog
          tables={diagramTables}
          matching={diagramMatching}
          filtered={filter.trim() !== ''}
          focusTable={active && active.table.kind !== 'view' ? active.table.name : null}
          onClose={() => setDiagramOpen(false)}
          onSelectTable={(name) => {
            setDiagramOpen(false)
            jumpTo(name, { expand: false })
          }}
        />
      )}
    </div>
  )
}
