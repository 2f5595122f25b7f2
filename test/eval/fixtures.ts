// Shared helpers for the eval tests: where Spider lives, and small SQLite databases built for one test.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const sharedDir = resolve(repoRoot, '../shared')
export const spiderDir = join(sharedDir, 'data', 'spider')

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sqlstill-eval-${prefix}-`))
}

/** A small database with a known content: pets and their owners. */
export function buildPetsDb(dir: string): string {
  const path = join(dir, 'pets.sqlite')
  const db = new Database(path)
  db.exec(`
    CREATE TABLE owner (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
    CREATE TABLE pet (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owner(id), name TEXT, kind TEXT, weight REAL, age INTEGER);
    INSERT INTO owner VALUES (1, 'Ann', 'Oslo'), (2, 'Bob', 'Lima'), (3, 'Cid', 'Oslo');
    INSERT INTO pet VALUES
      (1, 1, 'Rex', 'dog', 12.5, 3),
      (2, 1, 'Tom', 'cat', 4.0, 5),
      (3, 2, 'Kit', 'cat', 3.5, 2),
      (4, 3, 'Max', 'dog', 20.0, 7),
      (5, 3, 'Bo', 'dog', 20.0, 1);
  `)
  db.close()
  return path
}
