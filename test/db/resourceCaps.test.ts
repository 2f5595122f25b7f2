// Bounds on what one user (or one page) can make the app hold: result bytes, SQLite's memory per query, the number
// of query processes, and one process per file however it is reached (symlinks, simultaneous opens).
import { copyFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase, openReadOnlySync, runQuery } from '../../src/main/core/db'
import { MAX_RESULT_BYTES } from '../../src/main/core/db/execute'
import { QUERY_PROCESS_MEMORY_CAP_BYTES } from '../../src/main/core/hosts/database/protocol'
import { CoreService, MAX_OPEN_DATABASES } from '../../src/main/core/service/coreService'
import { JsonFileStore } from '../../src/main/core/settings/keyValueStore'
import { spiderDb, tempDir } from '../helpers/paths'
import { copySpiderDb, expectRejects } from './dbTestUtils'

const ROWS_OF_100KB = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 6000) SELECT i, printf('%.*c', 100000, 'x') AS big FROM c"

describe('result and memory caps', () => {
  it('cuts a result at the byte cap, like the row cap, and says which cap cut it', () => {
    const db = openReadOnlySync(spiderDb('concert_singer'))
    try {
      const r = runQuery(db, ROWS_OF_100KB, { maxBytes: 1_000_000 })
      expect(r.truncated).toBe(true)
      expect(r.truncatedBy).toBe('bytes')
      expect(r.byteCap).toBe(1_000_000)
      expect(r.rowCount).toBe(9) // 10 rows of ~100 KB pass 1 MB
      const small = runQuery(db, 'SELECT 1')
      expect(small.truncated).toBe(false)
      expect(small.truncatedBy).toBeUndefined()
    } finally {
      db.close()
    }
  })

  it('6,000 rows of 100 KB through a query process: a cut result in seconds, not "Invalid string length"', { timeout: 120_000 }, async () => {
    const db = await openDatabase(spiderDb('concert_singer'))
    try {
      const r = await db.query(ROWS_OF_100KB, { timeoutMs: 60_000 })
      expect(r.truncatedBy).toBe('bytes')
      expect(r.rowCount).toBeGreaterThan(300)
      expect(r.rowCount * 100_000).toBeLessThanOrEqual(MAX_RESULT_BYTES)
    } finally {
      await db.close()
    }
  })

  it('a query that needs gigabytes inside SQLite is stopped with TOO_LARGE near the cap, and the database still answers', { timeout: 120_000 }, async () => {
    const db = await openDatabase(spiderDb('concert_singer'))
    try {
      const started = Date.now()
      const err = await expectRejects(db.query('SELECT randomblob(5e8), randomblob(5e8), randomblob(5e8), randomblob(5e8)', { timeoutMs: 60_000 }), ['TOO_LARGE'])
      expect(err.message).toMatch(/memory/)
      expect(err.details?.capBytes).toBe(QUERY_PROCESS_MEMORY_CAP_BYTES)
      console.log(`[caps] randomblob(5e8) ×4 stopped after ${Date.now() - started} ms (cap ${QUERY_PROCESS_MEMORY_CAP_BYTES / 2 ** 30} GiB)`)
      expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
    } finally {
      await db.close()
    }
  })
})

describe('query processes', () => {
  const dataDir = tempDir('sqlstill-caps-')
  const service = new CoreService({ shell: 'web', version: '0.0.0-test', dataDir, store: new JsonFileStore(dataDir) })
  afterAll(async () => {
    await service.dispose()
  })

  it('one process per file: simultaneous opens, symlinks and ".." paths are the same database', async () => {
    const path = copySpiderDb('concert_singer')
    const dir = join(path, '..')
    const links = Array.from({ length: 5 }, (_, i) => {
      const link = join(dir, `link-${i}.sqlite`)
      symlinkSync(path, link)
      return link
    })
    const opened = await Promise.all([...Array.from({ length: 8 }, () => path), ...links, join(dir, '..', dir.split('/').at(-1)!, 'concert_singer.sqlite')].map((p) => service.openDatabase(p)))
    expect(new Set(opened.map((d) => d.id)).size).toBe(1)
    expect(await service.handlers['db.list']()).toHaveLength(1)
  })

  it(`at most ${MAX_OPEN_DATABASES} open databases; the next is refused with TOO_LARGE until one is closed`, { timeout: 120_000 }, async () => {
    const dir = tempDir('sqlstill-caps-many-')
    const open = (await service.handlers['db.list']()).length
    const paths = Array.from({ length: MAX_OPEN_DATABASES - open + 1 }, (_, i) => {
      const p = join(dir, `db-${i}.sqlite`)
      copyFileSync(spiderDb('pets_1'), p)
      return p
    })
    const last = paths.pop()!
    for (const p of paths) await service.openDatabase(p)
    await expect(service.openDatabase(last)).rejects.toMatchObject({ code: 'TOO_LARGE' })
    const first = (await service.handlers['db.list']()).at(-1)!
    await service.handlers['db.close']({ dbId: first.id })
    expect((await service.openDatabase(last)).path).toBe(last)
  })
})
