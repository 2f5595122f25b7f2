import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const shippedDb = path.join(repoRoot, 'resources', 'demo.sqlite')
const questionsFile = path.join(repoRoot, 'resources', 'demo-questions.json')
const buildScript = path.join(repoRoot, 'scripts', 'build-demo-db.mjs')

interface DemoQuestion {
  id: string
  difficulty: 'easy' | 'medium' | 'hard'
  question: string
  sql: string
}

const EXPECTED_TABLES = [
  'albums', 'artists', 'customers', 'employees', 'genres', 'invoice_items', 'invoices', 'media_types',
  'playlist_tracks', 'playlists', 'tracks',
]

// [table, min rows, max rows]
const ROW_RANGES: Array<[string, number, number]> = [
  ['genres', 8, 30],
  ['media_types', 3, 10],
  ['artists', 40, 100],
  ['albums', 100, 250],
  ['tracks', 1200, 2500],
  ['employees', 6, 15],
  ['customers', 40, 100],
  ['invoices', 250, 600],
  ['invoice_items', 1200, 3000],
  ['playlists', 5, 20],
  ['playlist_tracks', 100, 1000],
]

// Every row of every table (and the schema text), ordered, so two files compare by content, not bytes.
function dumpContent(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true })
  try {
    const parts: string[] = [`user_version=${db.pragma('user_version', { simple: true })}`]
    const objects = db
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
      .all() as Array<{ type: string; name: string; sql: string | null }>
    for (const o of objects) parts.push(`${o.type} ${o.name}: ${o.sql ?? ''}`)
    for (const o of objects.filter((x) => x.type === 'table')) {
      const rows = db.prepare(`SELECT * FROM "${o.name}" ORDER BY 1, 2`).raw().all()
      parts.push(`-- ${o.name} (${rows.length})`)
      for (const r of rows) parts.push(JSON.stringify(r))
    }
    return parts.join('\n')
  } finally {
    db.close()
  }
}

describe('shipped demo database', () => {
  let db: Database.Database

  beforeAll(() => {
    expect(fs.existsSync(shippedDb), `${shippedDb} is missing; run npm run demo-db`).toBe(true)
    db = new Database(shippedDb, { readonly: true, fileMustExist: true })
  })
  afterAll(() => db?.close())

  it('is small, uses rollback journaling and carries a schema version', () => {
    expect(fs.statSync(shippedDb).size).toBeLessThan(1024 * 1024)
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete')
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1)
    // A WAL-mode file would need -wal/-shm siblings; none should ship.
    expect(fs.existsSync(`${shippedDb}-wal`)).toBe(false)
    expect(fs.existsSync(`${shippedDb}-journal`)).toBe(false)
  })

  it('passes integrity and foreign key checks', () => {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(db.pragma('foreign_key_check')).toEqual([])
  })

  it('has the music-store tables and views', () => {
    const tables = (db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>).map((r) => r.name)
    expect(tables).toEqual(EXPECTED_TABLES)
    const views = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").all() as Array<{
      name: string
    }>).map((r) => r.name)
    expect(views).toContain('v_sales_by_genre')
    const indexes = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'").get() as {
      n: number
    }
    expect(indexes.n).toBeGreaterThanOrEqual(5)
    // The views must actually run, not merely be declared.
    expect((db.prepare('SELECT COUNT(*) AS n FROM v_sales_by_genre').get() as { n: number }).n).toBeGreaterThan(3)
    expect((db.prepare('SELECT COUNT(*) AS n FROM v_track_details').get() as { n: number }).n).toBe(
      (db.prepare('SELECT COUNT(*) AS n FROM tracks').get() as { n: number }).n,
    )
  })

  it('declares the expected foreign keys, including the employee hierarchy', () => {
    const fks = (table: string) =>
      (db.pragma(`foreign_key_list(${table})`) as Array<{ table: string; from: string; to: string }>)
        .map((f) => `${f.from}->${f.table}.${f.to}`)
        .sort()
    expect(fks('albums')).toEqual(['artist_id->artists.artist_id'])
    expect(fks('tracks')).toEqual([
      'album_id->albums.album_id',
      'genre_id->genres.genre_id',
      'media_type_id->media_types.media_type_id',
    ])
    expect(fks('employees')).toEqual(['reports_to->employees.employee_id'])
    expect(fks('customers')).toEqual(['support_rep_id->employees.employee_id'])
    expect(fks('invoices')).toEqual(['customer_id->customers.customer_id'])
    expect(fks('invoice_items')).toEqual(['invoice_id->invoices.invoice_id', 'track_id->tracks.track_id'])
    expect(fks('playlist_tracks')).toEqual(['playlist_id->playlists.playlist_id', 'track_id->tracks.track_id'])
    const roots = db.prepare('SELECT COUNT(*) AS n FROM employees WHERE reports_to IS NULL').get() as { n: number }
    expect(roots.n).toBe(1)
  })

  it('has row counts in the expected ranges', () => {
    for (const [table, min, max] of ROW_RANGES) {
      const { n } = db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }
      expect(n, table).toBeGreaterThanOrEqual(min)
      expect(n, table).toBeLessThanOrEqual(max)
    }
  })

  it('has realistic values: some NULLs, ISO dates, invoice totals matching their items', () => {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
    expect(count('SELECT COUNT(*) AS n FROM tracks WHERE composer IS NULL')).toBeGreaterThan(0)
    expect(count('SELECT COUNT(*) AS n FROM customers WHERE company IS NULL')).toBeGreaterThan(0)
    expect(count('SELECT COUNT(*) AS n FROM customers WHERE state IS NULL')).toBeGreaterThan(0)
    expect(count('SELECT COUNT(*) AS n FROM customers WHERE company IS NOT NULL')).toBeGreaterThan(0)
    expect(count("SELECT COUNT(*) AS n FROM invoices WHERE invoice_date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'")).toBe(0)
    expect(count('SELECT COUNT(*) AS n FROM invoices WHERE date(invoice_date) IS NULL')).toBe(0)
    expect(count("SELECT COUNT(*) AS n FROM customers WHERE email NOT LIKE '%_@_%._%'")).toBe(0)
    const mismatched = count(`
      SELECT COUNT(*) AS n FROM invoices i
      WHERE ABS(i.total - (SELECT SUM(ii.unit_price * ii.quantity) FROM invoice_items ii WHERE ii.invoice_id = i.invoice_id)) > 0.005`)
    expect(mismatched).toBe(0)
  })
})

describe('demo database build', () => {
  let tmpDir: string

  beforeAll(() => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlstill-demo-'))
  })
  afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }))

  it('rebuilds deterministically: a fresh build has the same content as the shipped file', () => {
    const out = path.join(tmpDir, 'nested', 'demo.sqlite')
    execFileSync(process.execPath, [buildScript, '--out', out], { cwd: tmpDir, stdio: 'pipe' })
    expect(fs.existsSync(out)).toBe(true)
    // The atomic write leaves nothing behind but the result.
    expect(fs.readdirSync(path.dirname(out))).toEqual(['demo.sqlite'])
    expect(dumpContent(out)).toBe(dumpContent(shippedDb))
  })

  it('rejects an unknown argument with a clear message and a non-zero exit', () => {
    let failure: { status?: number; stderr?: Buffer } | undefined
    try {
      execFileSync(process.execPath, [buildScript, '--bogus'], { cwd: tmpDir, stdio: 'pipe' })
    } catch (err) {
      failure = err as { status?: number; stderr?: Buffer }
    }
    expect(failure?.status).toBe(1)
    expect(String(failure?.stderr)).toContain('Unknown argument: --bogus')
  })
})

describe('demo questions', () => {
  const file = JSON.parse(fs.readFileSync(questionsFile, 'utf8')) as { questions: DemoQuestion[] }
  const questions = file.questions

  it('has about twenty well-formed questions with unique ids and a mix of difficulties', () => {
    expect(questions.length).toBeGreaterThanOrEqual(18)
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length)
    for (const q of questions) {
      expect(q.question.trim().length, q.id).toBeGreaterThan(10)
      expect(q.sql.trim().length, q.id).toBeGreaterThan(10)
    }
    for (const level of ['easy', 'medium', 'hard'] as const) {
      expect(questions.filter((q) => q.difficulty === level).length, level).toBeGreaterThanOrEqual(4)
    }
  })

  it.each(questions.map((q) => [q.id, q] as const))('%s: gold SQL runs on the demo db and returns rows', (_id, q) => {
    const db = new Database(shippedDb, { readonly: true, fileMustExist: true })
    try {
      const stmt = db.prepare(q.sql)
      expect(stmt.reader, 'gold SQL must be a query').toBe(true)
      const rows = stmt.all()
      expect(rows.length).toBeGreaterThan(0)
    } finally {
      db.close()
    }
  })
})
