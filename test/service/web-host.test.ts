// Browser mode's transport, end to end over real HTTP against the real CLI process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient, type ApiTransport } from '../../src/shared/api'
import { SqlstillError, type Envelope } from '../../src/shared/errors'
import { spiderDb } from '../helpers/paths'
import { startWebHost, type RunningHost } from '../helpers/webHost'

let host: RunningHost

beforeAll(async () => {
  host = await startWebHost({ args: ['--no-demo'] })
})
afterAll(async () => {
  await host?.stop()
})

function bearerTransport(origin: string, token: string): ApiTransport {
  return {
    async invoke(method, arg) {
      const res = await fetch(`${origin}/api/invoke/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(arg ?? null),
      })
      return (await res.json()) as Envelope<unknown>
    },
    subscribe: () => () => undefined,
  }
}

describe('web host', () => {
  it('binds to 127.0.0.1 and refuses requests without the token', async () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${host.origin}/`)
    expect(res.status).toBe(401)
    const api = await fetch(`${host.origin}/api/invoke/app.info`, { method: 'POST', body: 'null' })
    expect(api.status).toBe(401)
    const wrong = await fetch(`${host.origin}/?token=${'0'.repeat(host.token.length)}`, { redirect: 'manual' })
    expect(wrong.status).toBe(401)
  })

  it('trades the URL token for an HttpOnly SameSite cookie and serves the UI with a CSP', async () => {
    const first = await fetch(host.url, { redirect: 'manual' })
    expect(first.status).toBe(302)
    const cookie = first.headers.get('set-cookie')!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const page = await fetch(`${host.origin}/`, { headers: { cookie: cookie.split(';')[0]! } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('<div id="root">')
  })

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${host.origin}/api/invoke/app.info`, {
        method: 'POST',
        headers: { host: 'evil.example:80', authorization: `Bearer ${host.token}` },
      })
      req.on('response', (res) => resolve(res.statusCode ?? 0))
      req.on('error', reject)
      req.end('null')
    })
    expect(status).toBe(421)
  })

  it('carries the typed contract: open, schema, query, errors with codes', async () => {
    const api = createApiClient(bearerTransport(host.origin, host.token))
    const info = await api.app.info()
    expect(info.shell).toBe('web')
    expect(info.capabilities.nativeFileDialog).toBe(false)

    const db = await api.db.open({ path: spiderDb('concert_singer') })
    expect(db.tableCount).toBe(4)
    const schema = await api.db.schema({ dbId: db.id })
    expect(schema.tables.map((t) => t.name)).toContain('singer')
    const result = await api.db.query({ dbId: db.id, sql: 'SELECT count(*) AS n FROM singer' })
    expect(result.rows).toEqual([[6]])

    await expect(api.db.query({ dbId: db.id, sql: 'DELETE FROM singer' })).rejects.toMatchObject({ code: 'READ_ONLY' })
    const err = await api.db.open({ path: '/nonexistent/x.sqlite' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SqlstillError)
    expect((err as SqlstillError).code).toBe('NOT_FOUND')
    await expect(api.db.query({ dbId: db.id, sql: 42 as unknown as string })).rejects.toMatchObject({ code: 'BAD_REQUEST' })

    const recent = await api.db.recent()
    expect(recent[0]?.path).toBe(db.path)
    expect((await api.db.close({ dbId: db.id })).closed).toBe(true)
    await expect(api.db.schema({ dbId: db.id })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('persists settings in the app-data folder', async () => {
    const api = createApiClient(bearerTransport(host.origin, host.token))
    const updated = await api.settings.update({ rowCap: 500 })
    expect(updated.rowCap).toBe(500)
    await expect(api.settings.update({ rowCap: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    const { readFileSync } = await import('node:fs')
    const stored = JSON.parse(readFileSync(`${host.dataDir}/config.json`, 'utf8'))
    expect(stored.settings.rowCap).toBe(500)
  })
})
