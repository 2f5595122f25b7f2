// Browser mode's transport, end to end over real HTTP against the real CLI process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient, type ApiTransport } from '../../src/shared/api'
import { SqlstillError, type Envelope } from '../../src/shared/errors'
import { spiderDb } from '../helpers/paths'
import { startWebHost, type RunningHost } from '../helpers/webHost'

let host: RunningHost
/** The session cookie the one-time link was traded for (set by the test that trades it). */
let sessionCookie = ''

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
  it('binds to 127.0.0.1 and refuses requests without a credential', async () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${host.origin}/`)
    expect(res.status).toBe(401)
    const api = await fetch(`${host.origin}/api/invoke/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' })
    expect(api.status).toBe(401)
    const wrong = await fetch(`${host.origin}/?token=${'0'.repeat(32)}`, { redirect: 'manual' })
    expect(wrong.status).toBe(401)
  })

  it('trades the one-time link for a per-port HttpOnly SameSite session cookie, once, and serves the UI with a CSP', async () => {
    const first = await fetch(host.url, { redirect: 'manual' })
    expect(first.status).toBe(302)
    expect(first.headers.get('location')).toBe('/')
    const setCookie = first.headers.get('set-cookie')!
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    const cookie = setCookie.split(';')[0]!
    sessionCookie = cookie
    // named for this port (cookies are not scoped by port), and not the API key
    expect(cookie.split('=')[0]).toBe(`sqlstill_session_${new URL(host.origin).port}`)
    expect(cookie).not.toContain(host.apiKey)
    const page = await fetch(`${host.origin}/`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('<div id="root">')

    // the link works once: again without the cookie it is refused; the browser that used it is let through
    const again = await fetch(host.url, { redirect: 'manual' })
    expect(again.status).toBe(401)
    expect(await again.text()).toMatch(/used already/)
    expect((await fetch(host.url, { redirect: 'manual', headers: { cookie } })).status).toBe(302)
    // the session secret is a cookie, never a Bearer key; the API key is not a cookie
    const secret = cookie.split('=')[1]!
    const asBearer = await fetch(`${host.origin}/api/invoke/app.info`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: 'null' })
    expect(asBearer.status).toBe(401)
    const keyAsCookie = await fetch(`${host.origin}/`, { headers: { cookie: `${cookie.split('=')[0]}=${host.apiKey}` } })
    expect(keyAsCookie.status).toBe(401)
  })

  it('refuses requests from another local page: other Origin, cross-site fetch metadata, non-JSON bodies', async () => {
    const other = `http://127.0.0.1:${Number(new URL(host.origin).port) === 1 ? 2 : 1}`
    const settings = (headers: Record<string, string>, body = JSON.stringify({ rowCap: 10_000_000 })) =>
      fetch(`${host.origin}/api/invoke/settings.update`, { method: 'POST', headers: { authorization: `Bearer ${host.apiKey}`, ...headers }, body })
    const foreign = await settings({ 'content-type': 'application/json', origin: other })
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as Envelope<unknown>).ok).toBe(false)
    expect((await settings({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' })).status).toBe(403)
    expect((await settings({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    // text/plain is what a cross-origin page can send without a preflight
    expect((await settings({ 'content-type': 'text/plain' })).status).toBe(415)
    expect((await settings({})).status).toBe(415)
    const events = await fetch(`${host.origin}/api/events`, { headers: { authorization: `Bearer ${host.apiKey}`, origin: other } })
    expect(events.status).toBe(403)
    // none of it changed anything; the same request from the host's own origin does
    const api = createApiClient(bearerTransport(host.origin, host.apiKey))
    expect((await api.settings.get()).rowCap).not.toBe(10_000_000)
    const own = await settings({ 'content-type': 'application/json', origin: host.origin, 'sec-fetch-site': 'same-origin' }, JSON.stringify({ rowCap: 777 }))
    expect(own.status).toBe(200)
    expect((await api.settings.get()).rowCap).toBe(777)
  })

  it('answers malformed URLs with 400, oversized bodies with 413, and never redirects off the host', async () => {
    const auth = { authorization: `Bearer ${host.apiKey}` }
    expect((await fetch(`${host.origin}/%E0%A4%A`, { headers: auth })).status).toBe(400)
    expect((await fetch(`${host.origin}/api/invoke/%E0%A4%A`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: 'null' })).status).toBe(400)
    const big = await fetch(`${host.origin}/api/invoke/settings.update`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: 'x'.repeat(9 * 1024 * 1024) }).catch((e: unknown) => e)
    if (big instanceof Response) expect(big.status).toBe(413)
    else throw new Error(`oversized body: ${String(big)}`)
    const { request } = await import('node:http')
    const location = await new Promise<string>((resolve, reject) => {
      // a used link with the session cookie is redirected too: the case a page that knows the link could exploit
      const req = request(`${host.origin}/.//evil.example/?token=${new URL(host.url).searchParams.get('token')}`, { method: 'GET', headers: { cookie: sessionCookie } })
      req.on('response', (res) => resolve(String(res.headers.location)))
      req.on('error', reject)
      req.end()
    })
    expect(location.startsWith('//')).toBe(false)
    expect(new URL(location, host.origin).origin).toBe(host.origin)
  })

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${host.origin}/api/invoke/app.info`, {
        method: 'POST',
        headers: { host: 'evil.example:80', authorization: `Bearer ${host.apiKey}` },
      })
      req.on('response', (res) => resolve(res.statusCode ?? 0))
      req.on('error', reject)
      req.end('null')
    })
    expect(status).toBe(421)
  })

  it('carries the typed contract: open, schema, query, errors with codes', async () => {
    const api = createApiClient(bearerTransport(host.origin, host.apiKey))
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
    const api = createApiClient(bearerTransport(host.origin, host.apiKey))
    const updated = await api.settings.update({ rowCap: 500 })
    expect(updated.rowCap).toBe(500)
    await expect(api.settings.update({ rowCap: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    const { readFileSync } = await import('node:fs')
    const stored = JSON.parse(readFileSync(`${host.dataDir}/config.json`, 'utf8'))
    expect(stored.settings.rowCap).toBe(500)
  })
})
