// Browser mode: the same renderer and the same API contract, served on 127.0.0.1 only.
//
// Security model: a random per-launch token. The printed URL carries it once (?token=…); the host trades it
// for an HttpOnly, SameSite=Strict cookie and redirects to a clean URL. Every other request must carry the
// cookie or an `Authorization: Bearer <token>` header (for scripts and OpenAI-style clients). The Host header
// must name the loopback address we bound, which defeats DNS-rebinding pages.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { dispatch, type ApiHandlers } from '../core/service/dispatch'
import type { EventBus } from '../core/service/events'

const COOKIE = 'sqlstill_token'
const MAX_BODY_BYTES = 8 * 1024 * 1024

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
}

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
  token?: string
  routes?: RouteHandler[]
}

export interface WebHost {
  server: Server
  port: number
  token: string
  /** The URL to open: carries the token once. */
  url: string
  origin: string
  close(): Promise<void>
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('hex')
  const staticDir = resolve(options.staticDir)
  const sseClients = new Set<ServerResponse>()
  let port = 0

  const unsubscribe = options.events.subscribe((event, payload) => {
    const frame = `data: ${JSON.stringify({ event, payload })}\n\n`
    for (const client of sseClients) client.write(frame)
  })

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: String(err) } })
      else res.end()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return sendText(res, 421, 'sqlstill: requests must be addressed to the loopback host.')
    }
    const url = new URL(req.url ?? '/', `http://${host}`)

    const offered = url.searchParams.get('token')
    if (offered !== null && req.method === 'GET') {
      if (!tokenMatches(offered, token)) return sendText(res, 401, 'sqlstill: this link has an invalid or expired token.')
      url.searchParams.delete('token')
      res.writeHead(302, {
        'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname + (url.search || ''),
        'cache-control': 'no-store',
      })
      return void res.end()
    }
    if (!isAuthorized(req, token)) {
      return sendText(res, 401, 'sqlstill: unauthorized. Open the URL the sqlstill host printed (it carries the access token).')
    }

    for (const route of options.routes ?? []) if (await route(req, res, url)) return

    if (url.pathname.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return sendText(res, 405, 'POST only')
      const method = decodeURIComponent(url.pathname.slice('/api/invoke/'.length))
      let arg: unknown
      try {
        arg = JSON.parse((await readBody(req)) || 'null')
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
    token,
    origin,
    url: `${origin}/?token=${token}`,
    close: async () => {
      unsubscribe()
      for (const client of sseClients) client.end()
      sseClients.clear()
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
    },
  }
}

function tokenMatches(offered: string, token: string): boolean {
  const a = Buffer.from(offered)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function isAuthorized(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ') && tokenMatches(auth.slice(7).trim(), token)) return true
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === COOKIE && tokenMatches(value.join('='), token)) return true
  }
  return false
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new Error('request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
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
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  })
  createReadStream(file).pipe(res)
}
