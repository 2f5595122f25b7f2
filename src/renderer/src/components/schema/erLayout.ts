// Lays out an ER diagram: box sizes from the text they hold, positions from dagre, and each foreign key as an SVG
// path from the FK column's row to the referenced table. Pure data in, pure data out, so drawing stays dumb and
// the geometry can be reasoned about (and tested) apart from React.
import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre'
import type { Column, Table } from '../../../../shared/schema'

export const HEADER_HEIGHT = 26
export const ROW_HEIGHT = 18
/** A box lists at most this many columns; the rest are summed up in a "+N more" row, so one wide table cannot fill the screen. */
export const MAX_COLUMNS_SHOWN = 20
/** The diagram's text is monospace at 12px / 11px: widths can be estimated from character counts without measuring. */
const NAME_CHAR_WIDTH = 7.6
const COLUMN_CHAR_WIDTH = 6.8
const MIN_WIDTH = 150
const MAX_WIDTH = 300
const MAX_NAME_CHARS = Math.floor((MAX_WIDTH - 20) / NAME_CHAR_WIDTH)

export interface ErColumnRow {
  name: string
  type: string
  pk: boolean
  fk: boolean
}

export interface ErBox {
  table: string
  kind: Table['kind']
  /** The table name, shortened with an ellipsis when it would not fit the box. */
  label: string
  x: number
  y: number
  width: number
  height: number
  rows: ErColumnRow[]
  hiddenColumns: number
}

export interface ErEdge {
  id: string
  /** The table holding the foreign key, and its (first) column. */
  from: string
  fromColumn: string
  /** The referenced table. */
  to: string
  path: string
}

export interface ErLayout {
  boxes: ErBox[]
  edges: ErEdge[]
  width: number
  height: number
}

interface Point {
  x: number
  y: number
}

function ellipsize(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`
}

function boxFor(table: Table): Omit<ErBox, 'x' | 'y'> {
  const fkColumns = new Set(table.foreignKeys.flatMap((fk) => fk.columns))
  const visible = table.columns.filter((c: Column) => !c.hidden)
  const shown = visible.length > MAX_COLUMNS_SHOWN ? visible.slice(0, MAX_COLUMNS_SHOWN - 1) : visible
  const rows = shown.map((c) => ({ name: ellipsize(c.name, 28), type: ellipsize(c.type.toLowerCase(), 14), pk: c.primaryKey > 0, fk: fkColumns.has(c.name) }))
  const hiddenColumns = visible.length - shown.length
  const label = ellipsize(table.name, MAX_NAME_CHARS)
  // a row is "PK name  type": a key marker column, the name, a gap, the type
  const widest = Math.max(label.length * NAME_CHAR_WIDTH + 20, ...rows.map((r) => (r.name.length + r.type.length + 2) * COLUMN_CHAR_WIDTH + (r.pk && r.fk ? 48 : 36)))
  const width = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widest)))
  const height = HEADER_HEIGHT + (rows.length + (hiddenColumns > 0 ? 1 : 0)) * ROW_HEIGHT + 6
  return { table: table.name, kind: table.kind, label, width, height, rows, hiddenColumns }
}

/** The y of a column's row in a box (the "+N more" row for a column that is not listed, the header for none). */
function rowY(box: ErBox, column: string | undefined): number {
  if (column === undefined) return box.y + HEADER_HEIGHT / 2
  const index = box.rows.findIndex((r) => r.name === column)
  const row = index >= 0 ? index : box.hiddenColumns > 0 ? box.rows.length : -1
  return row < 0 ? box.y + HEADER_HEIGHT / 2 : box.y + HEADER_HEIGHT + row * ROW_HEIGHT + ROW_HEIGHT / 2
}

/**
 * A curve through the points that leaves and enters each one horizontally: one cubic per segment with its control
 * points halfway along x. Unlike a spline it cannot overshoot, so a line never loops back over the box it left.
 */
function smoothPath(points: Point[]): string {
  const f = (n: number) => Math.round(n * 10) / 10
  let d = `M${f(points[0]!.x)},${f(points[0]!.y)}`
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i]!
    const b = points[i + 1]!
    const dx = (b.x - a.x) / 2
    d += ` C${f(a.x + dx)},${f(a.y)} ${f(b.x - dx)},${f(b.y)} ${f(b.x)},${f(b.y)}`
  }
  return d
}

/**
 * Referenced tables go left, the tables pointing at them right (dagre ranks parent → child), so most FK lines run
 * left to right between ranks, and dagre's routing points keep long edges in the gaps between boxes.
 */
export function layoutErDiagram(tables: Table[]): ErLayout {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true })
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 90, edgesep: 14, marginx: 24, marginy: 24 })
  g.setDefaultEdgeLabel(() => ({}))
  const byLowerName = new Map(tables.map((t) => [t.name.toLowerCase(), t]))
  const sized = new Map(tables.map((t) => [t.name, boxFor(t)]))
  for (const [name, box] of sized) g.setNode(name, { width: box.width, height: box.height })

  const fks: { id: string; from: Table; fromColumn: string; to: Table; toColumn: string | undefined }[] = []
  for (const table of tables) {
    table.foreignKeys.forEach((fk, i) => {
      const target = byLowerName.get(fk.refTable.toLowerCase())
      if (!target) return
      const id = `${table.name}\u0000${i}`
      const toColumn = fk.refColumns[0] ?? target.columns.find((c) => c.primaryKey === 1)?.name
      fks.push({ id, from: table, fromColumn: fk.columns[0] ?? '', to: target, toColumn })
      if (target.name !== table.name) g.setEdge(target.name, table.name, {}, id)
    })
  }
  dagre.layout(g)

  const boxes: ErBox[] = []
  const placed = new Map<string, ErBox>()
  for (const [name, box] of sized) {
    const node = g.node(name)
    const laid = { ...box, x: Math.round((node.x ?? 0) - box.width / 2), y: Math.round((node.y ?? 0) - box.height / 2) }
    boxes.push(laid)
    placed.set(name, laid)
  }

  const edges: ErEdge[] = fks.map((fk) => {
    const child = placed.get(fk.from.name)!
    const parent = placed.get(fk.to.name)!
    const childY = rowY(child, fk.fromColumn)
    if (child === parent) {
      // a table referencing itself: a loop out of its right side, from the FK column back to the key
      const x = child.x + child.width
      const keyY = rowY(child, fk.toColumn)
      const reach = 28 + Math.abs(childY - keyY) * 0.15
      return { id: fk.id, from: fk.from.name, fromColumn: fk.fromColumn, to: fk.to.name, path: `M${x},${childY} C${x + reach},${childY} ${x + reach},${keyY} ${x},${keyY}` }
    }
    const parentY = rowY(parent, fk.toColumn)
    // leave each box on the side facing the other one, at the row of the key column
    const childLeft = parent.x + parent.width / 2 <= child.x + child.width / 2
    const start = { x: childLeft ? child.x : child.x + child.width, y: childY }
    const end = { x: childLeft ? parent.x + parent.width : parent.x, y: parentY }
    // Between neighbouring ranks dagre gives one midpoint, which only bends the line; a longer edge gets one point
    // per rank it crosses, in the gaps between boxes, and the line follows them.
    const inner = (g.edge({ v: fk.to.name, w: fk.from.name, name: fk.id })?.points ?? []).slice(1, -1).reverse()
    const routed = inner.length > 1 ? inner : []
    const points = [start, ...routed, end]
    return { id: fk.id, from: fk.from.name, fromColumn: fk.fromColumn, to: fk.to.name, path: smoothPath(points) }
  })

  const graph = g.graph()
  return { boxes, edges, width: Math.ceil(graph.width ?? 0), height: Math.ceil(graph.height ?? 0) }
}

/**
 * The tables to draw around one table: itself, the tables it references and the tables referencing it, then their
 * neighbours (up to `depth` foreign keys away) while the total stays within `limit`. The way into a schema too big
 * to draw whole; the depth keeps a long chain of tables from becoming one unreadable strip.
 */
export function neighbourhood(tables: Table[], center: string, limit: number, depth = 2): Table[] {
  const byLower = new Map(tables.map((t) => [t.name.toLowerCase(), t]))
  const links = new Map<string, Set<string>>()
  const link = (a: string, b: string) => {
    if (!links.has(a)) links.set(a, new Set())
    links.get(a)!.add(b)
  }
  for (const t of tables) {
    for (const fk of t.foreignKeys) {
      const ref = byLower.get(fk.refTable.toLowerCase())
      if (!ref) continue
      link(t.name, ref.name)
      link(ref.name, t.name)
    }
  }
  const start = byLower.get(center.toLowerCase())
  if (!start) return []
  const chosen = new Set([start.name])
  let frontier = [start.name]
  for (let step = 0; step < depth && frontier.length > 0 && chosen.size < limit; step++) {
    const next: string[] = []
    for (const name of frontier) {
      for (const other of links.get(name) ?? []) {
        if (chosen.size >= limit) break
        if (!chosen.has(other)) {
          chosen.add(other)
          next.push(other)
        }
      }
    }
    frontier = next
  }
  return tables.filter((t) => chosen.has(t.name))
}
