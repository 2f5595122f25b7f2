// The desktop shell serves its renderer from a custom `app://sqlstill/` origin instead of file://. file:// pages
// have an opaque origin, so 'self' in the CSP matches nothing useful and module workers (Monaco's editor worker)
// refuse to start; a standard, secure scheme gives the page a real origin. This module is the pure part — which
// file a URL names, refusing anything outside the renderer folder — kept free of Electron so it is unit-tested.
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { contentTypeFor } from '../web/contentTypes'

export const APP_SCHEME = 'app'
export const APP_HOST = 'sqlstill'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
/** The one page the window loads (and the only URL navigation and IPC accept). */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/**
 * For protocol.registerSchemesAsPrivileged, before the app is ready: standard (real origin, relative URLs),
 * secure (a secure context, like https), fetch for module scripts and workers. No CORS bypass, no service workers.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const

export { contentTypeFor }

export type AppRequestResolution = { ok: true; file: string; contentType: string } | { ok: false; status: 400 | 403 | 404; reason: string }

/**
 * The file under `rootDir` that an app:// URL names. Refuses other schemes and hosts, encoded separators and
 * NULs, and any path that would leave the root after decoding and normalizing (`..`, absolute paths).
 * Whether the file exists is the caller's business (it answers 404).
 */
export function resolveAppRequest(url: string, rootDir: string): AppRequestResolution {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { ok: false, status: 400, reason: 'malformed URL' }
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { ok: false, status: 403, reason: 'foreign origin' }
  // URL parsing has already resolved literal ../ segments; encoded ones (%2e%2e, %2f, %5c) are what is left to catch.
  if (/%(2f|5c|00)/i.test(parsed.pathname)) return { ok: false, status: 403, reason: 'encoded separator' }
  let pathname: string
  try {
    pathname = decodeURIComponent(parsed.pathname)
  } catch {
    return { ok: false, status: 400, reason: 'malformed escape' }
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 403, reason: 'forbidden character' }
  const root = resolve(rootDir)
  const wanted = pathname.replace(/^\/+/, '') || 'index.html'
  const file = resolve(root, wanted)
  const rel = relative(root, file)
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return { ok: false, status: 403, reason: 'outside the renderer folder' }
  return { ok: true, file, contentType: contentTypeFor(file) }
}
