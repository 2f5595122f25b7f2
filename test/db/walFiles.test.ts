// What opening a WAL-mode database leaves beside it, pinned exactly (README "Read-only, and what it leaves behind").
// SQLite needs a -shm index (and a -wal file) to read a WAL database even read-only, and creates both when they
// are missing; the bundled SQLite has no URI filenames, so `immutable=1`/`nolock=1` are not available. The main
// file's bytes never change, a database in the default rollback mode gets nothing beside it, and a dirty WAL
// (a writer still has one) is read, not checkpointed into the file.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/main/core/db'
import { tempDir } from '../helpers/paths'
import { fileState } from './dbTestUtils'

function makeDb(dir: string, wal: boolean): string {
  const path = join(dir, wal ? 'wal.sqlite' : 'rollback.sqlite')
  const w = new Database(path)
  if (wal) w.pragma('journal_mode = WAL')
  w.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2)')
  w.close()
  return path
}

describe('files beside the database', () => {
  it('a rollback-journal database: nothing is created beside it', async () => {
    const dir = tempDir('sqlstill-wal-')
    const path = makeDb(dir, false)
    const before = fileState(path)
    const db = await openDatabase(path)
    expect((await db.query('SELECT count(*) FROM t')).rows).toEqual([[2]])
    await db.close()
    expect(readdirSync(dir)).toEqual(['rollback.sqlite'])
    expect(fileState(path)).toEqual(before)
  })

  it('a clean WAL database: SQLite creates an empty -wal and a -shm beside it and leaves them; the file is unchanged', async () => {
    const dir = tempDir('sqlstill-wal-')
    const path = makeDb(dir, true)
    expect(readdirSync(dir)).toEqual(['wal.sqlite']) // the writer checkpointed and removed its files on close
    const before = fileState(path)
    const db = await openDatabase(path)
    expect((await db.query('SELECT count(*) FROM t')).rows).toEqual([[2]])
    await db.close()
    expect(readdirSync(dir).sort()).toEqual(['wal.sqlite', 'wal.sqlite-shm', 'wal.sqlite-wal'])
    expect(statSync(`${path}-wal`).size).toBe(0)
    expect(fileState(path)).toEqual(before)
  })

  it('a dirty WAL (a writer holds uncommitted-to-file frames): read as the writer sees it, never checkpointed', async () => {
    const dir = tempDir('sqlstill-wal-')
    const path = makeDb(dir, true)
    const writer = new Database(path)
    writer.pragma('wal_autocheckpoint = 0')
    writer.exec('INSERT INTO t VALUES (3)')
    const before = fileState(path)
    const walBefore = fileState(`${path}-wal`)
    const db = await openDatabase(path)
    expect((await db.query('SELECT count(*) FROM t')).rows).toEqual([[3]])
    await db.close()
    // the reader changed neither the file nor the WAL (the writer's own close checkpoints, after we are done)
    expect(fileState(path)).toEqual(before)
    expect(fileState(`${path}-wal`)).toEqual(walBefore)
    expect(walBefore.size).toBeGreaterThan(0)
    writer.close()
  })
})
