// Acceptance: introspection agrees with Spider's own tables.json on tables, columns and foreign keys.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { introspectSchema, openDatabase, openReadOnlySync, type DatabaseHandle } from '../../src/main/core/db'
import { primaryKeyColumns, type Schema } from '../../src/shared/schema'
import { spiderDb, spiderDir } from '../helpers/paths'

interface SpiderTables {
  db_id: string
  table_names_original: string[]
  column_names_original: [number, string][]
  foreign_keys: [number, number][]
  primary_keys: (number | number[])[]
}

const IDS = [
  'concert_singer',
  'world_1',
  'car_1',
  'flight_2',
  'dog_kennels',
  'college_2',
  'wine_1',
  'cre_Doc_Template_Mgt',
  'student_transcripts_tracking',
  'network_1',
  'local_govt_and_lot',
  'hospital_1',
]

let spider: Map<string, SpiderTables>

beforeAll(() => {
  const all = JSON.parse(readFileSync(join(spiderDir, 'tables.json'), 'utf8')) as SpiderTables[]
  spider = new Map(all.map((t) => [t.db_id, t]))
})

const lower = (s: string): string => s.toLowerCase()

/** Spider's FK pairs as "table.column->table.column", lowercased (tables.json's casing is not the file's). */
function expectedFkPairs(t: SpiderTables): string[] {
  const name = (col: number): string => {
    const [tableIdx, column] = t.column_names_original[col]
    return lower(`${t.table_names_original[tableIdx]}.${column}`)
  }
  return t.foreign_keys.map(([from, to]) => `${name(from)}->${name(to)}`).sort()
}

/** Our FKs flattened to per-column pairs; an FK naming only the table points at its primary key. */
function actualFkPairs(schema: Schema): string[] {
  const pairs: string[] = []
  for (const table of schema.tables) {
    for (const fk of table.foreignKeys) {
      const target = schema.tables.find((t) => lower(t.name) === lower(fk.refTable))
      const refColumns = fk.refColumns.length > 0 ? fk.refColumns : target ? primaryKeyColumns(target) : []
      fk.columns.forEach((col, i) => pairs.push(lower(`${table.name}.${col}->${fk.refTable}.${refColumns[i] ?? '?'}`)))
    }
  }
  return pairs.sort()
}

describe('introspection vs Spider tables.json', () => {
  it.each(IDS)('%s: tables, columns per table and foreign keys match', (id) => {
    const expected = spider.get(id)!
    const db = openReadOnlySync(spiderDb(id))
    let schema: Schema
    try {
      schema = introspectSchema(db)
    } finally {
      db.close()
    }
    // tables.json lists sqlite_sequence for some databases; we skip SQLite's internal tables by design.
    const expectedTables = expected.table_names_original.filter((n) => !lower(n).startsWith('sqlite_'))
    expect(schema.tables.map((t) => lower(t.name)).sort()).toEqual(expectedTables.map(lower).sort())
    for (const name of expectedTables) {
      const idx = expected.table_names_original.indexOf(name)
      const expectedColumns = expected.column_names_original.filter(([t]) => t === idx).map(([, c]) => lower(c))
      const table = schema.tables.find((t) => lower(t.name) === lower(name))!
      expect(table.columns.map((c) => lower(c.name)), `${id}.${name}`).toEqual(expectedColumns)
      expect(table.rowCountExact).toBe(true)
      expect(table.rowCount).toBeGreaterThanOrEqual(0)
    }
    const ours = actualFkPairs(schema)
    expect(ours.length, `${id} FK column pairs`).toBe(expected.foreign_keys.length)
    expect(new Set(ours)).toEqual(new Set(expectedFkPairs(expected)))
    const multi = schema.tables.flatMap((t) => t.foreignKeys).filter((fk) => fk.columns.length > 1).length
    console.log(
      `${id}: ${schema.tables.length} tables, ${schema.tables.reduce((n, t) => n + t.columns.length, 0)} columns, ` +
        `${ours.length} FK column pairs (${multi} multi-column FKs), ${schema.introspectionMs} ms`,
    )
  })

  describe('through a handle', () => {
    let handle: DatabaseHandle
    beforeAll(async () => {
      handle = await openDatabase(spiderDb('dog_kennels'))
    })
    afterAll(async () => {
      await handle.close()
    })

    it('fills every field, caches, and refreshes on request', async () => {
      const schema = await handle.schema()
      expect(schema.fingerprint).toMatch(/^[0-9a-f]{64}$/)
      expect(await handle.schema()).toBe(schema)
      const refreshed = await handle.schema({ refresh: true })
      expect(refreshed).not.toBe(schema)
      expect(refreshed.fingerprint).toBe(schema.fingerprint)

      const dogs = schema.tables.find((t) => t.name === 'Dogs')!
      expect(dogs.kind).toBe('table')
      expect(dogs.sql).toMatch(/^CREATE TABLE/i)
      expect(primaryKeyColumns(dogs)).toEqual(['dog_id'])
      expect(dogs.rowCount).toBe(15)
      expect(dogs.foreignKeys.map((fk) => fk.refTable).sort()).toEqual(['Breeds', 'Owners', 'Owners', 'Sizes'])
      const name = dogs.columns.find((c) => c.name === 'name')!
      expect(name.samples.length).toBe(3)
      expect(new Set(name.samples).size).toBe(3)
      for (const table of schema.tables) {
        for (const col of table.columns) {
          expect(col.samples.length).toBeLessThanOrEqual(3)
          expect(col.samples).not.toContain(null)
          for (const s of col.samples) if (typeof s === 'string') expect(s.length).toBeLessThanOrEqual(61)
        }
      }
    })
  })

  it('groups multi-column foreign keys (college_2.section -> classroom)', () => {
    const db = openReadOnlySync(spiderDb('college_2'))
    try {
      // Declaration order: SQLite numbers FKs backwards, the schema lists them as written.
      const section = introspectSchema(db, { sampleValues: 0 }).tables.find((t) => t.name === 'section')!
      expect(section.foreignKeys).toEqual([
        { columns: ['course_id'], refTable: 'course', refColumns: ['course_id'], onDelete: 'CASCADE' },
        { columns: ['building', 'room_number'], refTable: 'classroom', refColumns: ['building', 'room_number'], onDelete: 'SET NULL' },
      ])
    } finally {
      db.close()
    }
  })

  it('fingerprints differ between databases and are stable across opens', () => {
    const fp = (id: string): string => {
      const db = openReadOnlySync(spiderDb(id))
      try {
        return introspectSchema(db, { sampleValues: 0 }).fingerprint
      } finally {
        db.close()
      }
    }
    expect(fp('car_1')).toBe(fp('car_1'))
    expect(fp('car_1')).not.toBe(fp('wine_1'))
  })
})
