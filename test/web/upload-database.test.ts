// Browser mode's drag-and-drop upload route, over real HTTP against the real web host and core service: a dropped
// database's bytes become a copy under <dataDir>/imported/ that opens read-only; the route checks the token,
// the content type and the size limit, and a file that is not a database is refused by the core and not kept.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseInfo } from '../../src/shared/api'
import type { Envelope } from '../../src/shared/errors'
import { CoreService } from '../../src/main/core/service/coreService'
import { JsonFileStore } from '../../src/main/core/settings/keyValueStore'
import { safeUploadName, startWebHost, UPLOAD_DATABASE_PATH, type UploadedDatabase, type WebHost } from '../../src/main/web/webHost'
import { spiderDb, tempDir } from '../helpers/paths'

const LIMIT = 256 * 1024
let dataDir: string
let service: CoreService
let host: WebHost

beforeAll(async () => {
  dataDir = tempDir('sqlstill-upload-')
  service = new CoreService({ shell: 'web', version: '0.0.0-test', dataDir, store: new JsonFileStore(dataDir) })
  host = await startWebHost({ handlers: service.handlers, events: service.events, staticDir: join(dataDir, 'no-ui'), uploadMaxBytes: LIMIT })
})
afterAll(async () => {
  await host?.close()
  await service?.dispose()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

async function upload(body: Uint8Array, opts: { name?: string; auth?: boolean; contentType?: string } = {}) {
  const res = await fetch(`${host.origin}${UPLOAD_DATABASE_PATH}?name=${encodeURIComponent(opts.name ?? 'x.sqlite')}`, {
    method: 'POST',
    headers: {
      ...(opts.auth === false ? {} : { authorization: `Bearer ${host.apiKey}` }),
      'content-type': opts.contentType ?? 'application/octet-stream',
    },
    body,
  })
  return { status: res.status, body: (await res.json().catch(() => null)) as Envelope<UploadedDatabase> | null }
}

const importedFiles = () =>
  existsSync(join(dataDir, 'imported'))
    ? readdirSync(join(dataDir, 'imported'), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
    : []

describe('POST /api/upload-database', () => {
  it('saves a copy under <dataDir>/imported and opens it read-only', async () => {
    const bytes = readFileSync(spiderDb('concert_singer'))
    const { status, body } = await upload(bytes, { name: 'concert_singer.sqlite' })
    expect(status).toBe(200)
    expect(body?.ok).toBe(true)
    const value = (body as { ok: true; value: UploadedDatabase }).value
    expect(value.copy).toBe(true)
    expect(value.originalName).toBe('concert_singer.sqlite')
    expect(value.path.startsWith(join(dataDir, 'imported') + '/')).toBe(true)
    expect(value.path.endsWith('/concert_singer.sqlite')).toBe(true)
    expect(readFileSync(value.path).equals(bytes)).toBe(true)
    expect(value.database.tableCount).toBe(4)
    expect(value.database.path).toBe(value.path)
    // it is an ordinary open database now: queries run, writes do not
    const rows = await service.handlers['db.query']({ dbId: value.database.id, sql: 'SELECT count(*) FROM singer' })
    expect(rows.rows).toEqual([[6]])
    await expect(service.handlers['db.query']({ dbId: value.database.id, sql: 'DELETE FROM singer' })).rejects.toMatchObject({ code: 'READ_ONLY' })

    // the same bytes again reuse the same copy (and the same open handle)
    const again = await upload(bytes, { name: 'concert_singer.sqlite' })
    expect(again.status).toBe(200)
    const second = (again.body as { ok: true; value: UploadedDatabase }).value
    expect(second.path).toBe(value.path)
    expect(second.database.id).toBe(value.database.id)
    expect(importedFiles().filter((f) => !f.endsWith('.part'))).toEqual([value.path])
  })

  it('refuses a file that is not a database with the core’s error, and keeps nothing', async () => {
    const before = importedFiles()
    const { status, body } = await upload(new TextEncoder().encode('name,age\nann,3\n'.repeat(100)), { name: 'people.db' })
    expect(status).toBe(200)
    expect(body).toMatchObject({ ok: false, error: { code: 'NOT_A_DATABASE' } })
    expect((body as { ok: false; error: { message: string } }).error.message).toMatch(/people\.db/)
    const empty = await upload(new Uint8Array(0), { name: 'empty.db' })
    expect(empty.body).toMatchObject({ ok: false, error: { code: 'NOT_A_DATABASE' } })
    expect(importedFiles()).toEqual(before)
    const list = await service.handlers['db.list']()
    expect(list.map((d: DatabaseInfo) => d.name)).not.toContain('people.db')
  })

  it('opens a dropped CSV file with DuckDB, as a table named after the file', async () => {
    const { body } = await upload(new TextEncoder().encode('name,age\n' + 'ann,3\n'.repeat(100)), { name: 'people.csv' })
    const value = (body as { ok: true; value: UploadedDatabase }).value
    expect(value.database).toMatchObject({ engine: 'duckdb', tableCount: 0, viewCount: 1 })
    const rows = await service.handlers['db.query']({ dbId: value.database.id, sql: 'SELECT count(*) AS n, max(age) FROM people' })
    expect(rows.rows).toEqual([[100, 3]])
  })

  it('refuses an upload over the size limit, declared or streamed, and keeps nothing', async () => {
    const before = importedFiles()
    const big = new Uint8Array(LIMIT + 1)
    const declared = await upload(big, { name: 'big.sqlite' })
    expect(declared.status).toBe(413)
    expect(declared.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect((declared.body as { ok: false; error: { message: string } }).error.message).toMatch(/256 KiB|262144 bytes|upload limit/)

    // chunked, so the host only finds out while reading
    const streamed = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${host.origin}${UPLOAD_DATABASE_PATH}?name=big.sqlite`, {
        method: 'POST',
        headers: { authorization: `Bearer ${host.apiKey}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      })
      req.on('response', (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      })
      req.on('error', reject)
      const chunk = Buffer.alloc(16 * 1024, 1)
      let sent = 0
      const pump = () => {
        while (sent < LIMIT * 2) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        req.end()
      }
      pump()
    })
    expect(streamed.status).toBe(413)
    expect(JSON.parse(streamed.text)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    await new Promise((r) => setTimeout(r, 100))
    expect(importedFiles()).toEqual(before)
  })

  it('needs the token, POST and an octet-stream body', async () => {
    const bytes = readFileSync(spiderDb('concert_singer'))
    expect((await upload(bytes, { auth: false })).status).toBe(401)
    expect((await upload(bytes, { contentType: 'multipart/form-data; boundary=x' })).status).toBe(415)
    expect((await upload(bytes, { contentType: 'text/plain' })).status).toBe(415)
    const get = await fetch(`${host.origin}${UPLOAD_DATABASE_PATH}`, { headers: { authorization: `Bearer ${host.apiKey}` } })
    expect(get.status).toBe(405)
  })

  it('keeps only a plain file name from what the page sends', () => {
    expect(safeUploadName('../../etc/passwd')).toBe('passwd')
    expect(safeUploadName('C:\\Users\\me\\shop.db')).toBe('shop.db')
    expect(safeUploadName('..hidden.sqlite')).toBe('hidden.sqlite')
    expect(safeUploadName('a\u0000b?.db')).toBe('a_b_.db')
    expect(safeUploadName('')).toBe('dropped.sqlite')
    expect(safeUploadName(null)).toBe('dropped.sqlite')
    expect(safeUploadName('x'.repeat(500)).length).toBe(200)
  })
})
