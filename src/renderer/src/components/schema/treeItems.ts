// The schema tree as a flat list of visible rows (what the virtualizer renders and the keyboard walks), and the
// moves the arrow keys make through it. Kept apart from the components so the tree's shape is plain data.
import type { Column, ForeignKey, Index, Table, Trigger } from '../../../../shared/schema'

export type GroupKind = 'indexes' | 'triggers'

export type TreeItem =
  | { kind: 'table'; key: string; level: 1; table: Table; expanded: boolean }
  | { kind: 'column'; key: string; level: 2; table: Table; column: Column; fk: ForeignKey | undefined }
  | { kind: 'group'; key: string; level: 2; table: Table; group: GroupKind; count: number; expanded: boolean }
  | { kind: 'index'; key: string; level: 3; table: Table; index: Index }
  | { kind: 'trigger'; key: string; level: 3; table: Table; trigger: Trigger }

/** Keys join parts with U+001F: a character no real name holds, and one CSS selectors can carry (NUL cannot). Expanded-state key of a table's Indexes / Triggers group (a table's own key is its name). */
export const groupKey = (table: string, group: GroupKind) => `${table}\u001f${group}`

export function isExpandable(item: TreeItem): item is Extract<TreeItem, { expanded: boolean }> {
  return item.kind === 'table' || item.kind === 'group'
}

/** Tables whose name contains the filter, or that have a column whose name does (those open to show which). */
export function buildTreeItems(tables: Table[], expanded: Set<string>, filter: string): { items: TreeItem[]; matching: Table[] } {
  const needle = filter.trim().toLowerCase()
  const items: TreeItem[] = []
  const matching: Table[] = []
  for (const table of tables) {
    const tableMatches = !needle || table.name.toLowerCase().includes(needle)
    const columnMatches = needle && !tableMatches ? table.columns.filter((c) => c.name.toLowerCase().includes(needle)) : []
    if (!tableMatches && columnMatches.length === 0) continue
    matching.push(table)
    const open = expanded.has(table.name) || columnMatches.length > 0
    items.push({ kind: 'table', key: table.name, level: 1, table, expanded: open })
    if (!open) continue
    const shown = columnMatches.length > 0 ? columnMatches : table.columns
    for (const column of shown) {
      if (column.hidden) continue
      const fk = table.foreignKeys.find((f) => f.columns.includes(column.name))
      items.push({ kind: 'column', key: `${table.name}\u001fc\u001f${column.name}`, level: 2, table, column, fk })
    }
    // Narrowed to matching columns, the table shows just those; indexes and triggers belong to the full view.
    if (columnMatches.length > 0) continue
    const groups: [GroupKind, number][] = [
      ['indexes', table.indexes.length],
      ['triggers', table.triggers?.length ?? 0],
    ]
    for (const [group, count] of groups) {
      if (count === 0) continue
      const key = groupKey(table.name, group)
      const groupOpen = expanded.has(key)
      items.push({ kind: 'group', key, level: 2, table, group, count, expanded: groupOpen })
      if (!groupOpen) continue
      if (group === 'indexes') {
        for (const index of table.indexes) items.push({ kind: 'index', key: `${key}\u001f${index.name}`, level: 3, table, index })
      } else {
        for (const trigger of table.triggers ?? []) items.push({ kind: 'trigger', key: `${key}\u001f${trigger.name}`, level: 3, table, trigger })
      }
    }
  }
  return { items, matching }
}

/** The nearest row above `index` one level up, or -1 at the top level. */
export function parentIndex(items: TreeItem[], index: number): number {
  const level = items[index]?.level ?? 1
  for (let i = index - 1; i >= 0; i--) if (items[i]!.level < level) return i
  return -1
}
