import { describe, expect, test } from 'vitest'
import { buildPrompt, buildRepairPrompt, serializeSchema, serializeTable } from '../../src/main/core/prompt'
import type { Schema, Table } from '../../src/shared/schema'
import { spiderDbPath, spiderSchemasFromJson } from './spider'

function table(partial: Partial<Table> & Pick<Table, 'name' | 'columns'>): Table {
  return { kind: 'table', foreignKeys: [], indexes: [], rowCount: null, rowCountExact: true, sql: null, ...partial }
}
const col = (name: string, type: string, primaryKey = 0, samples: Table['columns'][number]['samples'] = []) => ({
  name,
  type,
  notNull: false,
  defaultValue: null,
  primaryKey,
  samples,
})

describe('schema serialization', () => {
  test('Spider concert_singer (tables.json) matches the golden CREATE TABLE text', () => {
    const schema = spiderSchemasFromJson().get('concert_singer')!
    expect(serializeSchema(schema)).toBe(`CREATE TABLE stadium (
  Stadium_ID INTEGER,
  Location TEXT,
  Name TEXT,
  Capacity INTEGER,
  Highest INTEGER,
  Lowest INTEGER,
  Average INTEGER,
  PRIMARY KEY (Stadium_ID)
);

CREATE TABLE singer (
  Singer_ID INTEGER,
  Name TEXT,
  Country TEXT,
  Song_Name TEXT,
  Song_release_year TEXT,
  Age INTEGER,
  Is_male,
  PRIMARY KEY (Singer_ID)
);

CREATE TABLE concert (
  concert_ID INTEGER,
  concert_Name TEXT,
  Theme TEXT,
  Stadium_ID TEXT,
  Year TEXT,
  PRIMARY KEY (concert_ID),
  FOREIGN KEY (Stadium_ID) REFERENCES stadium (Stadium_ID)
);

CREATE TABLE singer_in_concert (
  concert_ID INTEGER,
  Singer_ID TEXT,
  PRIMARY KEY (concert_ID),
  FOREIGN KEY (Singer_ID) REFERENCES singer (Singer_ID),
  FOREIGN KEY (concert_ID) REFERENCES concert (concert_ID)
);`)
  })

  test('sample values become trailing comments, quoted, cut, de-duplicated; blobs and nulls are skipped', () => {
    const t = table({
      name: 'order items',
      columns: [
        col('id', 'INTEGER', 1, [1, 2, 3, 4]),
        col('note', 'TEXT', 0, ["it's", 'x'.repeat(50), null, "it's"]),
        col('payload', 'BLOB', 0, [{ $blob: 10 }]),
        col('select', '', 0, [{ $bigint: '99999999999999999999' }]),
      ],
      foreignKeys: [{ columns: ['id'], refTable: 'orders', refColumns: [] }],
    })
    expect(serializeTable(t)).toBe(`CREATE TABLE "order items" (
  id INTEGER, -- example: [1, 2, 3]
  note TEXT, -- example: ['it''s', '${'x'.repeat(40)}…']
  payload BLOB,
  "select", -- example: [99999999999999999999]
  PRIMARY KEY (id),
  FOREIGN KEY (id) REFERENCES orders
);`)
    expect(serializeTable(t, { samplesPerColumn: 0 })).not.toContain('--')
  })

  test('a column subset hides constraints whose columns are gone', () => {
    const t = table({
      name: 'a',
      columns: [col('x', 'INT', 1), col('y', 'INT'), col('z', 'INT')],
      foreignKeys: [{ columns: ['z'], refTable: 'b', refColumns: ['id'] }],
    })
    expect(serializeTable({ table: t, columns: ['y'] })).toBe('CREATE TABLE a (\n  y INT\n);')
  })

  test.runIf(spiderDbPath('concert_singer'))('real Spider SQLite file: samples, composite key and REFERENCES', async () => {
    const { openReadOnlySync, introspectSchema } = await import('./dbCore')
    const db = openReadOnlySync(spiderDbPath('concert_singer')!)
    try {
      const text = serializeSchema(introspectSchema(db))
      expect(text).toContain("Name TEXT, -- example: ['Joe Sharp'")
      expect(text).toContain('PRIMARY KEY (concert_ID, Singer_ID)')
      expect(text).toContain('FOREIGN KEY (Singer_ID) REFERENCES singer (Singer_ID)')
      expect(text.match(/CREATE TABLE/g)).toHaveLength(4)
    } finally {
      db.close()
    }
  })
})

describe('prompt forms', () => {
  const schema: Schema = spiderSchemasFromJson().get('concert_singer')!

  test('completion form ends with "-- SQL:\\n" and keeps schema, rules and examples before the question', () => {
    const p = buildPrompt({
      schema,
      question: 'How many\n singers are there?',
      rules: 'Ages are in years.\n\n  Singers are people.  ',
      examples: [{ question: 'How many stadiums?', sql: 'SELECT count(*) FROM stadium;;' }],
    })
    expect(p.completion.endsWith('-- Question: How many singers are there?\n-- SQL:\n')).toBe(true)
    expect(p.completion.startsWith('-- SQLite database schema:\nCREATE TABLE stadium (')).toBe(true)
    expect(p.completion).toContain('-- Business rules:\n-- Ages are in years.\n-- Singers are people.\n')
    expect(p.completion).toContain('-- Question: How many stadiums?\n-- SQL:\nSELECT count(*) FROM stadium;\n')
    expect(p.completionStops).toContain(';')
  })

  test("the dialect asked for is the schema's engine (SQLite when it names none); an explicit dialect wins", () => {
    const sqlite = buildPrompt({ schema, question: 'How many singers?' })
    expect(sqlite.system).toMatch(/expert SQLite data analyst.*one SQLite SELECT/)
    const pg = buildPrompt({ schema: { ...schema, engine: 'postgres' }, question: 'How many singers?' })
    expect(pg.system).toMatch(/expert PostgreSQL data analyst.*one PostgreSQL SELECT/)
    expect(pg.completion.startsWith('-- PostgreSQL database schema:\n')).toBe(true)
    const duck = buildPrompt({ schema: { ...schema, engine: 'duckdb' }, question: 'How many singers?' })
    expect(duck.system).toContain('one DuckDB SELECT')
    expect(buildPrompt({ schema: { ...schema, engine: 'duckdb' }, question: 'q', dialect: 'ANSI SQL' }).system).toContain('one ANSI SQL SELECT')
  })

  test('chat form: system + user, the question last; prefix identical across questions', () => {
    const a = buildPrompt({ schema, question: 'How many singers?' })
    const b = buildPrompt({ schema, question: 'List stadium names.' })
    expect(a.messages.map((m) => m.role)).toEqual(['system', 'user'])
    expect(a.user.endsWith('Question: How many singers?')).toBe(true)
    expect(a.system).toContain('```sql')
    const common = a.completion.length - '-- Question: How many singers?\n-- SQL:\n'.length
    expect(b.completion.slice(0, common)).toBe(a.completion.slice(0, common))
  })

  test('repair prompt carries the failing SQL and the error', () => {
    const p = buildPrompt({ schema, question: 'How many singers?' })
    const r = buildRepairPrompt(p, { failedSql: 'SELECT count(*) FROM singers;', error: 'no such table: singers' })
    expect(r.completion.startsWith(p.completion)).toBe(true)
    expect(r.completion.endsWith('SELECT count(*) FROM singers;\n-- Error: no such table: singers\n-- Corrected SQL:\n')).toBe(true)
    expect(r.messages).toHaveLength(4)
    expect(r.messages[2]).toEqual({ role: 'assistant', content: '```sql\nSELECT count(*) FROM singers;\n```' })
    expect(r.messages[3].content).toContain('no such table: singers')
  })
})
