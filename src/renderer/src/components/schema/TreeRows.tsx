// One component per kind of schema-tree row. Each is a treeitem; the tree (SchemaTree) owns which one is active
// (the roving tabindex) and what the keyboard does, the rows only render and report clicks.
import { memo, type ReactNode } from 'react'
import type { Column, ForeignKey } from '../../../../shared/schema'
import { cellText } from '../../../../shared/format'
import { formatCount } from '../../lib/format'
import { Chevron, IndexIcon, TableIcon, TriggerIcon, ViewIcon, VirtualIcon } from '../Icons'
import type { TreeItem } from './treeItems'

export interface RowProps<K extends TreeItem['kind']> {
  item: Extract<TreeItem, { kind: K }>
  active: boolean
  highlighted?: boolean
}

/** The treeitem element every row shares: ARIA state, the roving tabindex and the key the focus logic looks up. */
function TreeItemShell({ item, active, highlighted, className, title, testId, data, children }: {
  item: TreeItem
  active: boolean
  highlighted?: boolean
  className: string
  title?: string
  testId: string
  data?: Record<string, string>
  children: ReactNode
}) {
  return (
    <div
      className={`tree-row ${className}${highlighted ? ' tree-row--highlight' : ''}${active ? ' tree-row--active' : ''}`}
      role="treeitem"
      aria-level={item.level}
      aria-expanded={'expanded' in item ? item.expanded : undefined}
      aria-selected={active}
      tabIndex={active ? 0 : -1}
      data-key={item.key}
      data-testid={testId}
      title={title}
      {...data}
    >
      {children}
    </div>
  )
}

export const TableRow = memo(function TableRow({
  item,
  active,
  highlighted,
  onToggle,
  onSelect,
  onShowDdl,
  onCopyDdl,
}: RowProps<'table'> & { onToggle(key: string): void; onSelect(item: TreeItem): void; onShowDdl(item: TreeItem): void; onCopyDdl(item: TreeItem): void }) {
  const { table, expanded } = item
  const Icon = table.kind === 'view' ? ViewIcon : table.kind === 'virtual' ? VirtualIcon : TableIcon
  const count = table.rowCount === null ? '' : `${table.rowCountExact ? '' : '≈'}${formatCount(table.rowCount)}`
  return (
    <TreeItemShell item={item} active={active} highlighted={highlighted} className="tree-row--table" testId="schema-table" data={{ 'data-table': table.name }}>
      {/* Buttons inside a treeitem stay out of the tab order: the tree is one tab stop, the arrow keys do the rest. */}
      <button
        tabIndex={-1}
        className="tree-row__toggle"
        aria-label={`${expanded ? 'Collapse' : 'Expand'} ${table.name}`}
        data-testid="schema-table-toggle"
        onClick={() => onToggle(item.key)}
      >
        <Chevron open={expanded} />
      </button>
      <button
        tabIndex={-1}
        className="tree-row__main"
        title={`${table.kind === 'view' ? 'View' : 'Table'} ${table.name} — click (or Enter) to query it`}
        aria-label={`Query ${table.name}`}
        onClick={() => onSelect(item)}
        onDoubleClick={() => onToggle(item.key)}
      >
        <Icon className={`tree-icon tree-icon--${table.kind}`} />
        <span className="tree-row__name">{table.name}</span>
        <span className="tree-row__count" title={table.rowCountExact ? 'rows' : 'estimated rows'}>
          {count}
        </span>
      </button>
      <span className="tree-row__actions">
        <button tabIndex={-1} className="tree-row__action" title="Show DDL (Alt+Enter)" aria-label={`Show DDL of ${table.name}`} data-testid="schema-show-ddl" onClick={() => onShowDdl(item)}>
          DDL
        </button>
        <button tabIndex={-1} className="tree-row__action" title="Copy DDL" aria-label={`Copy DDL of ${table.name}`} data-testid="schema-copy-ddl" onClick={() => onCopyDdl(item)}>
          Copy
        </button>
      </span>
    </TreeItemShell>
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

export const ColumnRow = memo(function ColumnRow({ item, active, onJump }: RowProps<'column'> & { onJump(table: string): void }) {
  const { column, fk } = item
  return (
    <TreeItemShell item={item} active={active} className="tree-row--column" testId="schema-column" data={{ 'data-column': column.name }} title={columnTitle(column, fk)}>
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
        <button tabIndex={-1} className="tree-row__fk" aria-label={`Go to referenced table ${fk.refTable}`} data-testid="schema-fk-link" onClick={() => onJump(fk.refTable)}>
          → {fk.refTable}
        </button>
      )}
    </TreeItemShell>
  )
})

export const GroupRow = memo(function GroupRow({ item, active, onToggle }: RowProps<'group'> & { onToggle(key: string): void }) {
  const Icon = item.group === 'indexes' ? IndexIcon : TriggerIcon
  return (
    <TreeItemShell item={item} active={active} className="tree-row--group" testId="schema-group" data={{ 'data-group': item.group }}>
      <button tabIndex={-1} className="tree-row__main" aria-label={`${item.expanded ? 'Collapse' : 'Expand'} ${item.group} of ${item.table.name}`} onClick={() => onToggle(item.key)}>
        <Chevron open={item.expanded} className="tree-row__chevron" />
        <Icon className={`tree-icon tree-icon--${item.group}`} />
        <span className="tree-row__name">{item.group === 'indexes' ? 'Indexes' : 'Triggers'}</span>
        <span className="tree-row__count">{item.count}</span>
      </button>
    </TreeItemShell>
  )
})

export const IndexRow = memo(function IndexRow({ item, active, onShowDdl }: RowProps<'index'> & { onShowDdl(item: TreeItem): void }) {
  const { index } = item
  const title = [
    `${index.unique ? 'Unique index' : 'Index'} ${index.name} on (${index.columns.join(', ')})`,
    index.where ? `WHERE ${index.where}` : '',
    index.origin === 'pk' ? 'from the PRIMARY KEY' : index.origin === 'u' ? 'from a UNIQUE constraint' : '',
    'Enter or double-click: show its DDL',
  ]
    .filter(Boolean)
    .join('\n')
  return (
    <TreeItemShell item={item} active={active} className="tree-row--leaf" testId="schema-index" data={{ 'data-index': index.name }} title={title}>
      <span className="tree-row__leaf" onDoubleClick={() => onShowDdl(item)}>
        <IndexIcon className="tree-icon tree-icon--indexes" />
        <span className="tree-row__name">{index.name}</span>
        {index.unique && <span className="key-badge key-badge--unique">UNIQUE</span>}
        {index.partial && <span className="key-badge key-badge--partial">PARTIAL</span>}
        <span className="tree-row__type tree-row__type--wide">{index.columns.join(', ')}</span>
      </span>
    </TreeItemShell>
  )
})

export const TriggerRow = memo(function TriggerRow({ item, active, onShowDdl }: RowProps<'trigger'> & { onShowDdl(item: TreeItem): void }) {
  const { trigger } = item
  return (
    <TreeItemShell
      item={item}
      active={active}
      className="tree-row--leaf"
      testId="schema-trigger"
      data={{ 'data-trigger': trigger.name }}
      title={`Trigger ${trigger.name}: ${trigger.timing} ${trigger.event}\nEnter or double-click: show its DDL`}
    >
      <span className="tree-row__leaf" onDoubleClick={() => onShowDdl(item)}>
        <TriggerIcon className="tree-icon tree-icon--triggers" />
        <span className="tree-row__name">{trigger.name}</span>
        <span className="tree-row__type tree-row__type--wide">
          {trigger.timing} {trigger.event}
        </span>
      </span>
    </TreeItemShell>
  )
})
