// Acceptance: every kind of bad file gives a clear error with the expected code, nothing crashes, and a good
// database still opens afterwards.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase, openReadOnlySync, type DatabaseHandle } from '../../src/main/core/db'
import { repoRoot, tempDir } from '../helpers/paths'
import { copySpiderDb, expectRejects, expectThrows, fileState } from './dbTestUtils'

const dir = tempDir('sqlstill-badfiles-')
const goodDb = copySpiderDb('concert_singer', dir)
const opened: DatabaseHandle[] = []

afterAll(async () => {
  await Promise.all(opened.map((h) => h.close()))
})

async function goodDatabaseStillOpens(): Promise<void> {
  const db = await openDatabase(goodDb)
  try {
    expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
  } finally {
    await db.close()
  }
}

function writeFile(name: string, content: Buffer | string): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

describe('bad files', () => {
  it('a missing file is NOT_FOUND and names the path', async () => {
    const missing = join(dir, 'nope.sqlite')
    const err = await expectRejects(openDatabase(missing), ['NOT_FOUND'])
    expect(err.message).toContain('nope.sqlite')
    expect(err.message).toMatch(/does not exist/)
    expectThrows(() => openReadOnlySync(missing), ['NOT_FOUND'])
    await goodDatabaseStillOpens()
  })

  it('a directory is NOT_A_DATABASE', async () => {
    const sub = join(dir, 'folder.sqlite')
    mkdirSync(sub)
    const err = await expectRejects(openDatabase(sub), ['NOT_A_DATABASE'])
    expect(err.message).toMatch(/directory/)
    await goodDatabaseStillOpens()
  })

  it('a 0-byte file is NOT_A_DATABASE (SQLite would treat it as an empty database)', async () => {
    const empty = writeFile('empty.sqlite', '')
    const err = await expectRejects(openDatabase(empty), ['NOT_A_DATABASE'])
    expect(err.message).toMatch(/empty/)
    expectThrows(() => openReadOnlySync(empty), ['NOT_A_DATABASE'])
    expect(fileState(empty).size).toBe(0)
    await goodDatabaseStillOpens()
  })

  it('a text file and a PNG are NOT_A_DATABASE', async () => {
    const text = writeFile('notes.txt', 'hello, this is not a database\n'.repeat(50))
    const png = writeFile(
      'picture.png',
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)]),
    )
    for (const path of [text, png]) {
      const err = await expectRejects(openDatabase(path), ['NOT_A_DATABASE'])
      expect(err.message).toMatch(/not a SQLite database/)
      expectThrows(() => openReadOnlySync(path), ['NOT_A_DATABASE'])
    }
    await goodDatabaseStillOpens()
  })

  it('an encrypted-looking file is NOT_A_DATABASE and mentions encryption', async () => {
    const enc = writeFile('secret.db', randomBytes(4096 * 4))
    const err = await expectRejects(openDatabase(enc), ['NOT_A_DATABASE'])
    expect(err.message).toMatch(/encrypted/)
    expect(expectThrows(() => openReadOnlySync(enc), ['NOT_A_DATABASE']).message).toMatch(/encrypted/)
    await goodDatabaseStillOpens()
  })

  it('a header-only file (valid 16 bytes, nothing else) is refused by SQLite, not crashed on', async () => {
    const stub = writeFile('stub.sqlite', Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(84)]))
    await expectRejects(openDatabase(stub), ['NOT_A_DATABASE', 'CORRUPT_DATABASE'])
    await goodDatabaseStillOpens()
  })

  it('garbage schema pages are CORRUPT_DATABASE at open, naming the file', async () => {
    const bytes = readFileSync(goodDb)
    const pageSize = bytes.readUInt16BE(16)
    randomBytes(pageSize - 100).copy(bytes, 100)
    const corrupt = writeFile('corrupt-page1.sqlite', bytes)
    const err = await expectRejects(openDatabase(corrupt), ['CORRUPT_DATABASE'])
    expect(err.message).toContain('corrupt-page1.sqlite')
    await goodDatabaseStillOpens()
  })

  it('a garbage table page is CORRUPT_DATABASE when read, naming the file', async () => {
    const probe = new Database(goodDb, { readonly: true })
    const rootpage = probe.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'singer'").pluck().get() as number
    probe.close()
    const bytes = readFileSync(goodDb)
    const pageSize = bytes.readUInt16BE(16)
    randomBytes(pageSize).copy(bytes, (rootpage - 1) * pageSize)
    const corrupt = writeFile('corrupt-table.sqlite', bytes)
    const db = await openDatabase(corrupt)
    opened.push(db)
    const err = await expectRejects(db.query('SELECT * FROM singer'), ['CORRUPT_DATABASE'])
    expect(err.message).toContain('corrupt-table.sqlite')
    // Other tables still read, and introspection survives the bad table.
    expect((await db.query('SELECT count(*) FROM stadium')).rows).toEqual([[9]])
    const schema = await db.schema()
    expect(schema.tables.map((t) => t.name)).toContain('singer')
    await goodDatabaseStillOpens()
  })

  it('a database locked by another connection is DATABASE_LOCKED, then readable once released', async () => {
    const path = copySpiderDb('concert_singer', tempDir('sqlstill-locked-'))
    const writer = new Database(path)
    writer.exec("BEGIN EXCLUSIVE; UPDATE singer SET Name = Name || '!'")
    try {
      // In-process first: failing here must not release the writer's lock (closing any descriptor on the file
      // would drop this process's POSIX locks), so the host below must still find the file locked.
      expectThrows(() => openReadOnlySync(path), ['DATABASE_LOCKED'])
      const started = Date.now()
      const err = await expectRejects(openDatabase(path), ['DATABASE_LOCKED'])
      expect(err.message).toMatch(/locked/)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      writer.exec('ROLLBACK')
    }
    const db = await openDatabase(path)
    opened.push(db)
    writer.exec("BEGIN EXCLUSIVE; UPDATE singer SET Name = Name || '!'")
    try {
      await expectRejects(db.query('SELECT * FROM singer'), ['DATABASE_LOCKED'])
    } finally {
      writer.exec('ROLLBACK')
      writer.close()
    }
    expect((await db.query('SELECT count(*) FROM singer')).rows).toEqual([[6]])
  })

  it('a WAL-mode database opens read-only and sees committed data still in the WAL', async () => {
    const walDir = tempDir('sqlstill-wal-')
    const path = join(walDir, 'wal.sqlite')
    const writer = new Database(path)
    writer.pragma('journal_mode = WAL')
    writer.pragma('wal_autocheckpoint = 0')
    writer.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)')
    const mainBefore = fileState(path)
    try {
      const db = await openDatabase(path)
      opened.push(db)
      expect((await db.query('SELECT count(*) FROM t')).rows).toEqual([[3]])
      await expectRejects(db.query('INSERT INTO t VALUES (4)'), ['READ_ONLY'])
      await expectRejects(db.query('PRAGMA wal_checkpoint(TRUNCATE)'), ['READ_ONLY'])
      expect(fileState(path)).toEqual(mainBefore)
      const schema = await db.schema()
      expect(schema.tables.map((t) => [t.name, t.rowCount])).toEqual([['t', 3]])
      await db.close()
    } finally {
      writer.close()
    }
  })

  // Root ignores folder and file permissions, so as root the check runs in a child process as `nobody`.
  const isRoot = process.getuid?.() === 0
  const canDropRoot = isRoot && existsSync('/usr/bin/setpriv')
  /** openReadOnlySync(path) in a child process (as `nobody` when we are root), from a script written into scriptDir. */
  function openInChild(path: string, scriptDir: string): { ok?: true; code?: string; message?: string } {
    const script = join(scriptDir, 'open.mts')
    writeFileSync(
      script,
      `import { openReadOnlySync } from ${JSON.stringify(join(repoRoot, 'src/main/core/db/index.ts'))}\n` +
        `try { openReadOnlySync(process.argv[2], { checkHeader: true }); console.log(JSON.stringify({ ok: true })) }\n` +
        `catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }\n`,
    )
    chmodSync(script, 0o444)
    const command = canDropRoot ? '/usr/bin/setpriv' : process.execPath
    const prefix = canDropRoot ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : []
    const run = spawnSync(command, [...prefix, '--import', 'tsx', script, path], { cwd: repoRoot, encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    return JSON.parse(run.stdout.trim().split('\n').pop()!)
  }
  it.skipIf(isRoot && !canDropRoot)('a WAL database in a read-only folder gives a clear error, not a crash', () => {
    const roDir = tempDir('sqlstill-rowal-')
    const path = join(roDir, 'wal.sqlite')
    const writer = new Database(path)
    writer.pragma('journal_mode = WAL')
    writer.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)')
    writer.close()
    chmodSync(path, 0o444)
    const scriptDir = tempDir('sqlstill-rowal-script-')
    chmodSync(scriptDir, 0o755)
    chmodSync(roDir, 0o555)
    const result = openInChild(path, scriptDir)
    expect(result.code).toBe('UNSUPPORTED')
    expect(result.message).toMatch(/WAL mode/)
    expect(result.message).toMatch(/read-only/)
    chmodSync(roDir, 0o755)
  })

  it('a hot rollback journal (a writer stopped mid-transaction) says the database needs recovery by a writer', async () => {
    const src = join(dir, 'hot-src.sqlite')
    const w = new Database(src)
    w.exec('CREATE TABLE t (x); INSERT INTO t SELECT randomblob(1000) FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000) SELECT i FROM c)')
    // a tiny cache spills the transaction's pages to the file, so the journal on disk is hot while it runs
    w.pragma('cache_size = 2')
    w.exec('BEGIN')
    w.exec('UPDATE t SET x = randomblob(1000)')
    const hot = join(dir, 'hot.sqlite')
    writeFileSync(hot, readFileSync(src))
    writeFileSync(`${hot}-journal`, readFileSync(`${src}-journal`)) // the pair as a crash would leave it
    w.exec('ROLLBACK')
    w.close()
    const before = fileState(hot)
    const err = await expectRejects(openDatabase(hot), ['READ_ONLY'])
    expect(err.message).toMatch(/needs recovery/)
    expect(err.message).toMatch(/program that can write/)
    expect(fileState(hot)).toEqual(before)
    await goodDatabaseStillOpens()
  })

  it.skipIf(isRoot && !canDropRoot)('a file this user may not read is PERMISSION_DENIED, not NOT_FOUND', () => {
    const path = copySpiderDb('concert_singer', tempDir('sqlstill-perm-'))
    chmodSync(path, 0o000)
    chmodSync(join(path, '..'), 0o755) // the folder may be entered: only the file itself is unreadable
    const scriptDir = tempDir('sqlstill-perm-script-')
    chmodSync(scriptDir, 0o755)
    const result = openInChild(path, scriptDir)
    expect(result.code).toBe('PERMISSION_DENIED')
    expect(result.message).toMatch(/permission/)
    chmodSync(path, 0o644)
  })

  it('reports bad arguments clearly', async () => {
    await expectRejects(openDatabase(''), ['BAD_REQUEST'])
    const db = await openDatabase(goodDb)
    opened.push(db)
    await expectRejects(db.query('SELECT 1', { timeoutMs: -1 }), ['BAD_REQUEST'])
    await expectRejects(db.query('SELECT 1', { maxRows: 1.5 }), ['BAD_REQUEST'])
    await expectRejects(db.query('   -- nothing here\n'), ['SQL_ERROR'])
    await db.close()
    await expectRejects(db.query('SELECT 1'), ['NOT_FOUND'])
  })
})
