import { describe, expect, test } from 'vitest'
import { Bm25Index, estimateTokens, joinClosure, linkSchema, stem, terms } from '../../src/main/core/prompt'
import type { Schema, Table } from '../../src/shared/schema'
import { goldTables, spiderDbPath, spiderDev, spiderSchemasFromJson } from './spider'

describe('BM25 and identifier terms', () => {
  test('splits snake_case and camelCase, drops stopwords, stems plurals', () => {
    expect(terms('Student_Enrolment courseIDs HTTPServer')).toEqual(['student', 'enrolment', 'course', 'id', 'http', 'server'])
    expect(terms('How many singers are there?')).toEqual(['singer'])
    expect(stem('countries')).toBe('country')
    expect(stem('classes')).toBe('class')
    expect(stem('status')).toBe('status')
  })

  test('ranks the matching document first and weighs rare terms higher', () => {
    const index = new Bm25Index()
    index.add(terms('singer name country age'))
    index.add(terms('stadium name capacity location'))
    index.add(terms('concert name theme year stadium'))
    const scores = index.scoreAll(terms('Which stadium had the largest capacity?'))
    expect(scores[1]).toBeGreaterThan(scores[2])
    expect(scores[2]).toBeGreaterThan(0)
    expect(scores[0]).toBe(0)
    // "name" is in every document: it must count less than "capacity", which is in one.
    expect(index.idf('name')).toBeLessThan(index.idf('capacity'))
  })
})

function table(name: string, columns: string[], fks: [string, string][] = []): Table {
  return {
    name,
    kind: 'table',
    columns: columns.map((c, i) => ({ name: c, type: 'INT', notNull: false, defaultValue: null, primaryKey: i === 0 ? 1 : 0, samples: [] })),
    foreignKeys: fks.map(([column, refTable]) => ({ columns: [column], refTable, refColumns: ['id'] })),
    indexes: [],
    rowCount: 0,
    rowCountExact: true,
    sql: null,
  }
}

describe('schema linking', () => {
  test('a schema within budget is kept whole', () => {
    const schema = spiderSchemasFromJson().get('concert_singer')!
    const l = linkSchema(schema, 'How many singers?', { budgetTokens: 1500 })
    expect(l.pruned).toBe(false)
    expect(l.views).toHaveLength(4)
    expect(l.tokens).toBe(l.fullTokens)
  })

  test('join closure adds the tables on the shortest FK path between kept tables', () => {
    const schema: Schema = {
      fingerprint: 'x',
      introspectionMs: 0,
      tables: [
        table('customer', ['id', 'name']),
        table('orders', ['id', 'customer_id'], [['customer_id', 'customer']]),
        table('order_line', ['id', 'order_id', 'product_id'], [['order_id', 'orders'], ['product_id', 'product']]),
        table('product', ['id', 'title']),
        table('warehouse', ['id', 'city']),
      ],
    }
    expect(joinClosure(schema, ['customer', 'product']).sort()).toEqual(['order_line', 'orders'])
    expect(joinClosure(schema, ['customer', 'warehouse'])).toEqual([])
  })

  test('pruning keeps relevant tables, their join path, and stays near the budget', () => {
    const filler = Array.from({ length: 40 }, (_, i) =>
      table(`audit_log_${i}`, ['id', ...Array.from({ length: 8 }, (_, j) => `field_${i}_${j}`)]),
    )
    const schema: Schema = {
      fingerprint: 'x',
      introspectionMs: 0,
      tables: [
        table('customer', ['id', 'name', 'email']),
        ...filler,
        table('orders', ['id', 'buyer', 'placed_at'], [['buyer', 'customer']]),
        table('order_line', ['id', 'order_ref', 'item', 'qty'], [['order_ref', 'orders'], ['item', 'product']]),
        table('product', ['id', 'title', 'price']),
      ],
    }
    const l = linkSchema(schema, 'Which customer names have a product with the highest price?', { budgetTokens: 200 })
    const kept = l.views.map((v) => v.table.name)
    expect(l.pruned).toBe(true)
    expect(kept).toEqual(['customer', 'orders', 'order_line', 'product'])
    expect(l.joinTables.sort()).toEqual(['order_line', 'orders'])
    expect(l.tokens).toBeLessThanOrEqual(200)
    expect(l.text).toContain('CREATE TABLE orders')
    expect(l.droppedTables).toHaveLength(40)
  })

  test('a 500-table schema: first link (indexing) is bounded, each question after it takes < 100 ms', () => {
    const bigSchema = (): Schema => {
    const tables = Array.from({ length: 500 }, (_, i) =>
      table(`entity_${i}_record`, ['id', ...Array.from({ length: 12 }, (_, j) => `attr${j}Value_${i}`), 'parent_id'], [
        ['parent_id', `entity_${(i * 7) % 500}_record`],
      ]),
    )
    for (const t of tables) for (const c of t.columns) c.samples = [`alpha beta ${t.name}`, `gamma ${c.name}`, 42]
    return { fingerprint: 'big', introspectionMs: 0, tables }
    }
    // Warm the JIT on one copy, then time a fresh copy: nothing cached for it.
    linkSchema(bigSchema(), 'warm up', { budgetTokens: 1500 })
    const schema = bigSchema()
    let started = performance.now()
    linkSchema(schema, 'first question on this database', { budgetTokens: 1500 })
    const firstMs = performance.now() - started
    started = performance.now()
    const l = linkSchema(schema, 'Show attr3Value for entity 250 record and its parent', { budgetTokens: 1500 })
    const ms = performance.now() - started
    console.log(
      `500 tables x 14 columns x 3 samples: first link ${firstMs.toFixed(1)} ms (builds the index), ` +
        `next question ${ms.toFixed(1)} ms; kept ${l.views.length} tables, ${l.tokens} tokens`,
    )
    expect(firstMs).toBeLessThan(2000)
    expect(ms).toBeLessThan(100)
    expect(l.views.map((v) => v.table.name)).toContain('entity_250_record')
    expect(l.tokens).toBeLessThanOrEqual(1500)
  })

  test('over all Spider dev questions, a small budget keeps every gold table for >= 95% of questions', async () => {
    const budget = 350
    const schemas = new Map(spiderSchemasFromJson())
    let source = 'tables.json'
    const dev = spiderDev()
    // Prefer the real files: their sample values make tables larger, so pruning happens far more often.
    if (spiderDbPath('concert_singer')) {
      const { openReadOnlySync, introspectSchema } = await import('./dbCore')
      for (const dbId of new Set(dev.map((q) => q.db_id))) {
        const p = spiderDbPath(dbId)
        if (!p) continue
        const db = openReadOnlySync(p)
        try {
          schemas.set(dbId, introspectSchema(db))
        } finally {
          db.close()
        }
      }
      source = 'SQLite files (with samples)'
    }
    let kept = 0
    let pruned = 0
    let withGold = 0
    for (const q of dev) {
      const schema = schemas.get(q.db_id)!
      const gold = goldTables(q.query, schema)
      const l = linkSchema(schema, q.question, { budgetTokens: budget, countTokens: estimateTokens })
      if (l.pruned) pruned++
      if (gold.length) withGold++
      const names = new Set(l.views.map((v) => v.table.name.toLowerCase()))
      if (gold.every((g) => names.has(g.toLowerCase()))) kept++
    }
    const recall = kept / dev.length
    console.log(
      `Spider dev schema-linking recall at ${budget} tokens (${source}): ${(recall * 100).toFixed(1)}% ` +
        `(${kept}/${dev.length}); pruned ${pruned} questions; ${withGold} with gold tables found`,
    )
    expect(pruned).toBeGreaterThan(100)
    expect(withGold).toBe(dev.length)
    expect(recall).toBeGreaterThanOrEqual(0.95)
  })
})
