import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { errorRange, splitStatements, statementAt } from '../../src/shared/sqlStatements'

describe('splitStatements', () => {
  it('splits on semicolons outside strings, quoted names and comments, and leaves out blank pieces', () => {
    const text = "SELECT ';' AS a; -- one; two\nSELECT \"x;y\", [a;b], `c;d` FROM t /* ; */ ;\n\n-- just a comment;\n;  SELECT 'it''s; fine'"
    const spans = splitStatements(text)
    expect(spans.map((s) => s.sql)).toEqual([
      "SELECT ';' AS a",
      '-- one; two\nSELECT "x;y", [a;b], `c;d` FROM t /* ; */',
      "SELECT 'it''s; fine'",
    ])
    // offsets point into the buffer
    for (const s of spans) expect(text.slice(s.start, s.start + s.sql.length)).toBe(s.sql)
  })

  it('finds the statement under the cursor, and the one before it on the blank between two', () => {
    const text = 'SELECT 1;\n\nSELECT 2;\nSELECT 3'
    expect(statementAt(text, 3)?.sql).toBe('SELECT 1')
    expect(statementAt(text, 9)?.sql).toBe('SELECT 1') // right after the first ;
    expect(statementAt(text, 10)?.sql).toBe('SELECT 1') // on the blank line
    expect(statementAt(text, 14)?.sql).toBe('SELECT 2')
    expect(statementAt(text, text.length)?.sql).toBe('SELECT 3')
    expect(statementAt('  \n', 1)).toBeNull()
  })
})

describe('errorRange: where SQLite points', () => {
  const db = new Database(':memory:')
  db.exec('CREATE TABLE albums (album_id INTEGER, title TEXT); CREATE TABLE t2 (album_id INTEGER)')
  /** SQLite's own message for a statement, so the patterns are checked against the real wording. */
  const messageOf = (sql: string) => {
    try {
      db.prepare(sql)
    } catch (err) {
      return (err as Error).message
    }
    throw new Error(`no error for ${sql}`)
  }
  const marked = (sql: string) => {
    const range = errorRange(sql, messageOf(sql))
    return range && sql.slice(range.start, range.end)
  }

  it('marks the token, name or place each kind of error names', () => {
    expect(marked('SELECT title FORM albums')).toBe('albums')
    expect(marked("SELECT 'titl' AS x, titl FROM albums")).toBe('titl') // not the string literal
    expect(marked('SELECT * FROM album')).toBe('album')
    expect(marked('SELECT album_id FROM albums JOIN t2 USING (album_id) WHERE album_id = 1 AND albums.title = 1 AND nosuch(1)')).toBe('nosuch')
    expect(marked('SELECT album_id FROM albums, t2')).toBe('album_id')
    expect(marked('SELECT a.nope FROM albums a')).toBe('a.nope')
    expect(marked('SELECT (1')).toBe('1')
    expect(marked('SELECT count(*, 1) FROM albums')).toBe(',')
  })

  it('marks nothing for a message that names nothing in the SQL', () => {
    expect(errorRange('SELECT 1', 'interrupted')).toBeNull()
  })
})
