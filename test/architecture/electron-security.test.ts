import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createWindowOptions, isAllowedNavigation } from '../../src/main/electron/windowOptions'
import { repoRoot } from '../helpers/paths'

describe('Electron security defaults', () => {
  it('the window is isolated, sandboxed and has no Node integration', () => {
    const prefs = createWindowOptions('/x/preload.cjs').webPreferences!
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/x/preload.cjs',
    })
  })

  it('the shell creates its window from those options and blocks navigation and new windows', () => {
    const main = readFileSync(join(repoRoot, 'src/main/index.ts'), 'utf8')
    expect(main).toContain('new BrowserWindow(createWindowOptions(')
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/)
    expect(main).toMatch(/will-navigate/)
    expect(isAllowedNavigation('https://example.com/', 'app://sqlstill/index.html')).toBe(false)
    expect(isAllowedNavigation('file:///app/index.html', 'app://sqlstill/index.html')).toBe(false)
    expect(isAllowedNavigation('app://sqlstill/index.html', 'app://sqlstill/index.html')).toBe(true)
  })

  it('the renderer is served from the app:// origin, registered privileged before ready, never from file://', () => {
    const main = readFileSync(join(repoRoot, 'src/main/index.ts'), 'utf8')
    expect(main).toContain('protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])')
    expect(main.indexOf('protocol.registerSchemesAsPrivileged')).toBeLessThan(main.indexOf('await app.whenReady()'))
    expect(main).toContain('protocol.handle(APP_SCHEME')
    expect(main).toContain('window.loadURL(rendererUrl)')
    expect(main).toContain('const rendererUrl = APP_INDEX_URL')
    expect(main).not.toMatch(/loadFile\(|pathToFileURL/)
  })

  it('the page carries a strict Content-Security-Policy with nothing remote', () => {
    const html = readFileSync(join(repoRoot, 'src/renderer/index.html'), 'utf8')
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)?.[1]
    expect(csp).toBeTruthy()
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/https?:|\*|unsafe-eval/)
    expect(csp).toContain("object-src 'none'")
  })
})

describe('native addons per runtime', () => {
  it('better-sqlite3 loads Node’s build under Node and the Electron-ABI build under Electron', async () => {
    const { betterSqliteBinding, electronBetterSqlitePath } = await import('../../src/main/core/platform/nativeBindings')
    expect(betterSqliteBinding({ ...process.versions })).toBeUndefined()
    const { existsSync } = await import('node:fs')
    const electronVersions = { ...process.versions, electron: '45.0.0' }
    expect(betterSqliteBinding(electronVersions)).toBe(existsSync(electronBetterSqlitePath()) ? electronBetterSqlitePath() : undefined)
    expect(electronBetterSqlitePath()).toMatch(/node_modules\/\.electron-native\/better_sqlite3\.node$/)
  })
})
