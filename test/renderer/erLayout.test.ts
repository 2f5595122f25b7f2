// The schema browser's pure parts: the ER layout (boxes apart, one path per foreign key, from the FK column's
// row to the referenced table), the neighbourhood drawn for a schema too big to draw whole, and the tree's rows
// with the parent the ← key goes to.
import { describe, expect, it } from 'vitest'
import { buildTreeItems, groupKey, parentIndex } from '../../src/renderer/src/components/schema/treeItems'
import { HEADER_HEIGHT, ROW_HEIGHT, layoutErDiagram, MAX_COLUMNS_SHOWN, neighbourhood } from '../../src/renderer/src/components/schema/erLayout'
import type { Column, Table } from '../../src/shared/schema'

const col = (name: string, primaryKey = 0): Column => ({ name, type: 'INTEGER', notNull: false, defaultValue: null, primaryKey, samples: [] })
function table(name: string, columns: string[], fks: [string, string][] = [], extra: Partial<Table> = {}): Table {
  return {
    name,
    kind: 'table',
    columns: columns.map((c, i) => col(c, i === 0 ? 1 : 0)),
    foreignKeys: fks.map(([column, refTable]) => ({ columns: [column], refTable, refColumns: [] })),
    indexes: [],
    rowCount: 0,
    rowCountExact: true,
    sql: null,
    ...extra,
  }
}

const shop = [
  table('customers', ['id', 'name']),
  table('orders', ['id', 'note', 'customer_id'], [['customer_id', 'customers']]),
  table('items', ['id', 'order_id', 'product_id'], [['order_id', 'orders'], ['product_id', 'products']]),
  table('products', ['id', 'name']),
  table('staff', ['id', 'boss_id'], [['boss_id', 'staff']]),
]

describe('ER layout', () => {
  const layout = layoutErDiagram(shop)

  it('places one box per table, none overlapping, inside the reported size', () => {
    expect(layout.boxes.map((b) => b.table).sort()).toEqual(['customers', 'items', 'orders', 'products', 'staff'])
    for (const [i, a] of layout.boxes.entries()) {
      expect(a.x).toBeGreaterThanOrEqual(0)
      expect(a.y + a.height).toBeLessThanOrEqual(layout.height)
      for (const b of layout.boxes.slice(i + 1)) {
        expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true)
      }
    }
  })

  it('draws one edge per foreign key, starting at the FK column row and ending at the referenced table', () => {
    expect(layout.edges.map((e) => `${e.from}.${e.fromColumn}->${e.to}`).sort()).toEqual([
      'items.order_id->orders',
      'items.product_id->products',
      'orders.customer_id->customers',
      'staff.boss_id->staff',
    ])
    const orders = layout.boxes.find((b) => b.table === 'orders')!
    const customers = layout.boxes.find((b) => b.table === 'customers')!
    const edge = layout.edges.find((e) => e.from === 'orders')!
    const numbers = edge.path.match(/-?\d+(\.\d+)?/g)!.map(Number)
    // starts on orders' left edge at customer_id's row (the third), ends on customers' right edge at its key row
    expect(numbers.slice(0, 2)).toEqual([orders.x, orders.y + HEADER_HEIGHT + 2 * ROW_HEIGHT + ROW_HEIGHT / 2])
    expect(numbers.slice(-2)).toEqual([customers.x + customers.width, customers.y + HEADER_HEIGHT + ROW_HEIGHT / 2])
  })

  it('keeps a wide table to a bounded box', () => {
    const wide = table('wide', Array.from({ length: 60 }, (_, i) => `c${i}`))
    const [box] = layoutErDiagram([wide]).boxes
    expect(box!.rows).toHaveLength(MAX_COLUMNS_SHOWN - 1)
    expect(box!.hiddenColumns).toBe(60 - (MAX_COLUMNS_SHOWN - 1))
  })

  it('a neighbourhood reaches two foreign keys either way, within the limit', () => {
    const chain = Array.from({ length: 20 }, (_, i) => table(`t${i}`, ['id', 'prev'], i > 0 ? [['prev', `t${i - 1}`]] : []))
    expect(neighbourhood(chain, 't10', 80).map((t) => t.name)).toEqual(['t8', 't9', 't10', 't11', 't12'])
    expect(neighbourhood(chain, 't10', 3)).toHaveLength(3)
    expect(neighbourhood(chain, 'nope', 80)).toEqual([])
  })
})

describe('schema tree rows', () => {
  const ordersWithMore = table('orders', ['id', 'customer_id'], [['customer_id', 'customers']], {
    indexes: [{ name: 'ix', unique: false, columns: ['customer_id'], origin: 'c', partial: false }],
    triggers: [{ name: 'tr', timing: 'AFTER', event: 'INSERT', sql: 'CREATE TRIGGER tr AFTER INSERT ON orders BEGIN SELECT 1; END' }],
  })
  const tables = [table('customers', ['id']), ordersWithMore]

  it('lists columns, then Indexes and Triggers groups that open on their own', () => {
    const closed = buildTreeItems(tables, new Set(['orders']), '').items
    expect(closed.map((i) => `${i.level}:${i.kind}`)).toEqual(['1:table', '1:table', '2:column', '2:column', '2:group', '2:group'])
    const open = buildTreeItems(tables, new Set(['orders', groupKey('orders', 'indexes'), groupKey('orders', 'triggers')]), '').items
    expect(open.map((i) => i.kind)).toEqual(['table', 'table', 'column', 'column', 'group', 'index', 'group', 'trigger'])
    // ← from the trigger goes to its group, from the group to the table
    expect(parentIndex(open, 7)).toBe(6)
    expect(parentIndex(open, 6)).toBe(1)
    expect(parentIndex(open, 1)).toBe(-1)
  })

  it('a column match opens the table to just that column', () => {
    const { items, matching } = buildTreeItems(tables, new Set(), 'customer_id')
    expect(items.map((i) => i.kind)).toEqual(['table', 'column'])
    expect(matching.map((t) => t.name)).toEqual(['orders'])
  })
})
