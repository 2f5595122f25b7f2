// The desktop shell's app:// protocol: which renderer file a URL names, and that nothing outside the renderer
// folder can be named (encoded or not). Pure path logic, tested without the Electron binary.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APP_INDEX_URL, APP_SCHEME_PRIVILEGES, contentTypeFor, resolveAppRequest } from '../../src/main/electron/appProtocol'
import { tempDir } from '../helpers/paths'

const root = resolve('/srv/app/out/renderer')

function fileFor(url: string): string | null {
  const r = resolveAppRequest(url, root)
  return r.ok ? r.file : null
}

describe('app:// protocol path resolution', () => {
  it('maps the page and its assets to files under the renderer folder', () => {
    expect(APP_INDEX_URL).toBe('app://sqlstill/index.html')
    expect(fileFor(APP_INDEX_URL)).toBe(join(root, 'index.html'))
    expect(fileFor('app://sqlstill/')).toBe(join(root, 'index.html'))
    expect(fileFor('app://sqlstill')).toBe(join(root, 'index.html'))
    expect(fileFor('app://sqlstill/assets/editor.worker-BWgavr07.js')).toBe(join(root, 'assets', 'editor.worker-BWgavr07.js'))
    // query strings and fragments do not change the file
    expect(fileFor('app://sqlstill/assets/a.css?v=2#x')).toBe(join(root, 'assets', 'a.css'))
    expect(fileFor('app://sqlstill/assets/with%20space.js')).toBe(join(root, 'assets', 'with space.js'))
  })

  it('gives module scripts and workers a JavaScript content type', () => {
    const r = resolveAppRequest('app://sqlstill/assets/editor.worker-x.js', root)
    expect(r.ok && r.contentType).toBe('text/javascript; charset=utf-8')
    expect(contentTypeFor('index.html')).toMatch(/^text\/html/)
    expect(contentTypeFor('codicon.ttf')).toBe('font/ttf')
    expect(contentTypeFor('blob.bin')).toBe('application/octet-stream')
  })

  it.each([
    'app://sqlstill/%2e%2e/%2e%2e/etc/passwd',
    'app://sqlstill/assets/%2e%2e%2f%2e%2e%2fsecret',
    'app://sqlstill/..%2f..%2fsecret',
    'app://sqlstill/assets%5c..%5c..%5csecret',
    'app://sqlstill/%00index.html',
    'app://sqlstill//etc/passwd/../../../../etc/passwd',
  ])('refuses to leave the renderer folder: %s', (url) => {
    const r = resolveAppRequest(url, root)
    if (r.ok) expect(r.file.startsWith(root + '/')).toBe(true)
    else expect([400, 403]).toContain(r.status)
  })

  it('literal ../ segments are resolved by URL parsing and stay inside the root', () => {
    expect(fileFor('app://sqlstill/../../etc/passwd')).toBe(join(root, 'etc', 'passwd'))
    expect(fileFor('app://sqlstill/assets/../index.html')).toBe(join(root, 'index.html'))
  })

  it('refuses other schemes, other hosts and garbage', () => {
    expect(resolveAppRequest('file:///etc/passwd', root)).toMatchObject({ ok: false, status: 403 })
    expect(resolveAppRequest('app://evil/index.html', root)).toMatchObject({ ok: false, status: 403 })
    expect(resolveAppRequest('https://sqlstill/index.html', root)).toMatchObject({ ok: false, status: 403 })
    expect(resolveAppRequest('not a url', root)).toMatchObject({ ok: false, status: 400 })
    expect(resolveAppRequest('app://sqlstill/%E0%A4%A', root)).toMatchObject({ ok: false })
  })

  it('every resolved path of a real folder stays inside it (symlink-free tree)', () => {
    const dir = tempDir('sqlstill-approot-')
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html>')
    for (const url of ['app://sqlstill/index.html', 'app://sqlstill/assets/../../x', 'app://sqlstill/assets/./../index.html']) {
      const r = resolveAppRequest(url, dir)
      expect(r.ok).toBe(true)
      if (r.ok) expect(r.file.startsWith(dir + '/')).toBe(true)
    }
  })

  it('registers the scheme as standard and secure (a real origin for CSP self and module workers), without bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('app')
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true })
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('bypassCSP')
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('corsEnabled')
  })
})
