// Browser mode: the same renderer and the same API contract, served on 127.0.0.1 only.
//
// Security model, three per-launch secrets that never stand in for each other:
// - a one-time link token: the printed URL carries it (?token=…) and works once; the host trades it for
// - a session secret in an HttpOnly, SameSite=Strict cookie named for this port (cookies are scoped by host, not
//   port: two hosts on one machine must not overwrite each other's). It is never printed and is not an API key;
// - an API key (`Authorization: Bearer <key>`) for scripts and OpenAI-style clients, printed by `serve`.
// Every port of 127.0.0.1 is the same *site* to a browser, so SameSite alone lets a page on another local port
// drive the API: state-changing requests must also come from this host's own origin (Origin, Sec-Fetch-Site) and,
// for /api/invoke, be application/json (not a CORS-safelisted type, so no cross-origin form or fetch can send it
// without a preflight this host never answers). The Host header must name the loopback address we bound, which
// defeats DNS-rebinding pages.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize, resolve, sep } from 'node:path'
import type { DatabaseInfo } from '../../shared/api'
import { SqlstillError, toErrorShape } from '../../shared/errors'
import { formatBytes } from '../../shared/format'
import { dispatch, type ApiHandlers } from '../core/service/dispatch'
import type { EventBus } from '../core/service/events'
import { contentTypeFor } from './contentTypes'

const MAX_BODY_BYTES = 8 * 1024 * 1024
/** Browser mode's drag-and-drop: the page cannot name a dropped file's path, so it sends the bytes here. */
export const UPLOAD_DATABASE_PATH = '/api/upload-database'
export const DEFAULT_UPLOAD_MAX_BYTES = 2 * 1024 ** 3

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Extra routes mounted by later features (e.g. the OpenAI-compatible endpoint). Return true when handled. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean

export interface WebHostOptions {
  handlers: ApiHandlers
  events: EventBus
  staticDir: string
  port?: number
  /** The API key (default: random per launch). */
  apiKey?: string
  routes?: RouteHandler[]
  /** Largest database the upload route accepts (default 2 GiB). */
  uploadMaxBytes?: number
}

/** What the upload route answers inside its envelope: the opened copy, and the name the user dropped. */
export interface UploadedDatabase {
  database: DatabaseInfo
  /** Where the copy lives (under <dataDir>/imported/). */
  path: string
  originalName: string
  copy: true
}

export interface WebHost {
  server: Server
  port: number
  /** Bearer key for /v1 and for scripts calling /api. */
  apiKey: string
  /** The URL to open: a one-time link. */
  url: string
  origin: string
  close(): Promise<void>
}

/** What a request may do: browsers prove themselves with the session cookie, scripts with the API key. */
type Caller = 'session' | 'apiKey' | null

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const apiKey = options.apiKey ?? randomBytes(24).toString('hex')
  const session = randomBytes(24).toString('hex')
  const links = new Set<string>()
  const newLinkToken = () => {
    const t = randomBytes(16).toString('hex')
    links.add(t)
    return t
  }
  const staticDir = resolve(options.staticDir)
  const sseClients = new Set<ServerResponse>()
  let port = 0

  const unsubscribe = options.events.subscribe((event, payload) => {
    const frame = `data: ${JSON.stringify({ event, payload })}\n\n`
    for (const client of sseClients) client.write(frame)
  })

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.end()
      // a malformed %-escape is the client's mistake, not ours
      if (err instanceof URIError) return sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: `Malformed URL: ${err.message}` } })
      sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: String(err) } })
    })
  })
  const cookieName = () => `sqlstill_session_${port}`

  function caller(req: IncomingMessage): Caller {
    const auth = req.headers.authorization
    if (auth?.startsWith('Bearer ') && secretMatches(auth.slice(7).trim(), apiKey)) return 'apiKey'
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=')
      if (name === cookieName() && secretMatches(value.join('='), session)) return 'session'
    }
    return null
  }

  /** A browser request from a page of another origin (another port of 127.0.0.1 is one): refused. */
  function crossOrigin(req: IncomingMessage): string | null {
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return `Origin ${origin}`
    const site = req.headers['sec-fetch-site']
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site ${String(site)}`
    return null
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return sendText(res, 421, 'sqlstill: requests must be addressed to the loopback host.')
    }
    const url = new URL(req.url ?? '/', `http://${host}`)

    const offered = url.searchParams.get('token')
    if (offered !== null && req.method === 'GET') {
      // leading slashes collapsed: '/.//evil.example/' must not become a redirect to '//evil.example/'
      url.searchParams.delete('token')
      const clean = '/' + url.pathname.replace(/^\/+/, '') + url.search
      const used = [...links].find((t) => secretMatches(offered, t))
      if (used === undefined) {
        // a used link opened again in the browser that used it: that browser is signed in already
        if (caller(req) === 'session') return redirect(res, clean)
        return sendText(res, 401, 'sqlstill: this link is invalid or has been used already (each printed link works once). Restart sqlstill for a new one.')
      }
      links.delete(used)
      return redirect(res, clean, `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/`)
    }
    if (caller(req) === null) {
      return sendText(res, 401, 'sqlstill: unauthorized. Open the link the sqlstill host printed (it works once), or send the API key as a Bearer token.')
    }
    const isApi = url.pathname.startsWith('/api/') || url.pathname.startsWith('/v1/')
    const foreign = isApi ? crossOrigin(req) : null
    if (foreign !== null) {
      return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: `sqlstill: requests from other pages are refused (${foreign}).` } })
    }

    if (url.pathname === UPLOAD_DATABASE_PATH) return uploadDatabase(req, res, url, options.handlers, options.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES)
    for (const route of options.routes ?? []) if (await route(req, res, url)) return

    if (url.pathname.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return sendText(res, 405, 'POST only')
      if (mediaType(req) !== 'application/json') {
        return sendJson(res, 415, { ok: false, error: { code: 'BAD_REQUEST', message: 'Send the arguments as application/json.' } })
      }
      const method = decodeURIComponent(url.pathname.slice('/api/invoke/'.length))
      let body: string
      try {
        body = await readBody(req)
      } catch (err) {
        res.setHeader('connection', 'close')
        return sendJson(res, 413, { ok: false, error: { code: 'TOO_LARGE', message: (err as Error).message } })
      }
      let arg: unknown
      try {
        arg = JSON.parse(body || 'null')
      } catch (err) {
        return sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: `Body is not JSON: ${(err as Error).message}` } })
      }
      return sendJson(res, 200, await dispatch(options.handlers, method, arg))
    }
    if (url.pathname === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      res.write(': connected\n\n')
      sseClients.add(res)
      req.on('close', () => sseClients.delete(res))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed')
    return serveStatic(res, staticDir, url.pathname)
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen())
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`

  return {
    server,
    port,
    apiKey,
    origin,
    url: `${origin}/?token=${newLinkToken()}`,
    close: async () => {
      unsubscribe()
      for (const client of sseClients) client.end()
      sseClients.clear()
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
    },
  }
}

function secretMatches(offered: string, secret: string): boolean {
  const a = Buffer.from(offered)
  const b = Buffer.from(secret)
  return a.length === b.length && timingSafeEqual(a, b)
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', ...(cookie ? { 'set-cookie': cookie } : {}) })
  res.end()
}

/**
 * The request body as text; past MAX_BODY_BYTES it throws, after reading (and dropping) the rest so that the 413
 * reaches a client still sending, unless that rest is huge too (then the connection is closed on it).
 */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > 8 * MAX_BODY_BYTES) break
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer)
  }
  if (size > MAX_BODY_BYTES) throw new Error(`The request body is larger than ${formatBytes(MAX_BODY_BYTES)}.`)
  return Buffer.concat(chunks).toString('utf8')
}

/** A safe file name from what the page sent: no folders, no control characters, something SQLite-like. */
export function safeUploadName(raw: string | null): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^\.+/, '').trim().slice(0, 200)
  return cleaned || 'dropped.sqlite'
}

/**
 * POST /api/upload-database?name=<file name>, body: the file's bytes (application/octet-stream).
 * Streams to <dataDir>/imported/<sha256 prefix>/<name> (so dropping the same file twice reuses one copy and two
 * different files with one name do not collide), then opens it through the API like any other path — the core
 * decides whether it is a database, and a refused file's copy is deleted. Answers an envelope like /api/invoke.
 */
async function uploadDatabase(req: IncomingMessage, res: ServerResponse, url: URL, handlers: ApiHandlers, maxBytes: number): Promise<void> {
  const fail = (status: number, err: unknown) => {
    // Whatever the client is still sending is not read: close the connection after answering.
    if (!req.complete) res.setHeader('connection', 'close')
    sendJson(res, status, { ok: false, error: toErrorShape(err) })
  }
  if (req.method !== 'POST') return fail(405, new SqlstillError('BAD_REQUEST', 'Upload a database with POST.'))
  // Not a CORS-safelisted type: a cross-site form cannot send it without a preflight we never answer.
  if (mediaType(req) !== 'application/octet-stream') {
    return fail(415, new SqlstillError('BAD_REQUEST', 'Send the database as application/octet-stream.'))
  }
  const tooLarge = () => new SqlstillError('BAD_REQUEST', `The file is larger than the ${formatBytes(maxBytes)} upload limit; open it by path instead.`, { maxBytes })
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (Number.isFinite(declared) && declared > maxBytes) return fail(413, tooLarge())

  const name = safeUploadName(url.searchParams.get('name'))
  const { dataDir } = await handlers['app.info']()
  const importDir = join(dataDir, 'imported')
  await mkdir(importDir, { recursive: true })
  const partial = join(importDir, `.upload-${randomBytes(8).toString('hex')}.part`)
  const hash = createHash('sha256')
  try {
    await receiveFile(req, partial, maxBytes, tooLarge, (chunk) => hash.update(chunk))
  } catch (err) {
    await rm(partial, { force: true })
    if (err instanceof SqlstillError) return fail(413, err)
    return fail(400, new SqlstillError('BAD_REQUEST', `The upload did not complete: ${(err as Error).message}`))
  }
  const folder = join(importDir, hash.digest('hex').slice(0, 16))
  const target = join(folder, name)
  await mkdir(folder, { recursive: true })
  // The same bytes under the same name are already there (and may be open): keep that copy.
  if (existsSync(target)) await rm(partial, { force: true })
  else await rename(partial, target)
  const opened = await dispatch(handlers, 'db.open', { path: target })
  if (!opened.ok) {
    // Only a copy nobody has open can go; a refused file is never open.
    await rm(folder, { recursive: true, force: true })
    // 200 with an error envelope, as /api/invoke answers: the request was fine, the file is not a database.
    return sendJson(res, 200, opened)
  }
  const value: UploadedDatabase = { database: opened.value as DatabaseInfo, path: target, originalName: name, copy: true }
  sendJson(res, 200, { ok: true, value })
}

/**
 * Streams the request body into a new file, with backpressure. Past the limit it stops reading (without destroying
 * the socket, so the 413 answer still reaches the client) and rejects with the limit error.
 */
function receiveFile(req: IncomingMessage, file: string, maxBytes: number, tooLarge: () => Error, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolvePromise, reject) => {
    const out = createWriteStream(file, { flags: 'wx' })
    let size = 0
    let failed = false
    const failWith = (err: Error) => {
      if (failed) return
      failed = true
      req.off('data', onData)
      req.pause()
      out.destroy()
      // the write stream may still be closing its descriptor: let it, then report
      out.once('close', () => reject(err))
      if (out.closed) reject(err)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) return failWith(tooLarge())
      onChunk(chunk)
      if (!out.write(chunk)) {
        req.pause()
        out.once('drain', () => req.resume())
      }
    }
    req.on('data', onData)
    req.once('end', () => !failed && out.end())
    req.once('aborted', () => failWith(new Error('the client stopped sending')))
    req.once('error', failWith)
    out.once('error', failWith)
    // 'close', not 'finish': the descriptor is released before the caller renames the file (Windows cares)
    out.once('close', () => !failed && resolvePromise())
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(text)
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(text + '\n')
}

function serveStatic(res: ServerResponse, root: string, pathname: string): void {
  const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
  let file = join(root, relative || 'index.html')
  if (!file.startsWith(root + sep) && file !== root) return sendText(res, 403, 'Forbidden')
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html')
  if (!existsSync(file)) {
    if (!existsSync(join(root, 'index.html')))
      return sendText(res, 503, 'sqlstill: the UI is not built. Run "npm run build" and start again.')
    return sendText(res, 404, 'Not found')
  }
  res.writeHead(200, {
    'content-type': contentTypeFor(file),
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  })
  createReadStream(file).pipe(res)
}
