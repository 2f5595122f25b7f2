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
    // every frame and every redirect, and no permission or device is ever granted
    for (const guard of ["'will-frame-navigate'", "'will-redirect'", 'setPermissionCheckHandler(() => false)', 'setDevicePermissionHandler(() => false)', "'select-hid-device'", "'select-serial-port'", "'select-usb-device'", "'select-bluetooth-device'"]) {
      expect(main, guard).toContain(guard)
    }
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

describe('Electron Fuses for packaged builds', () => {
  it('flips every fuse of a binary to the app\'s settings: no run-as-node, NODE_OPTIONS or inspect; ASAR only, checked', async () => {
    const { getCurrentFuseWire, FuseV1Options, FuseState } = await import('@electron/fuses')
    const { APP_FUSES, applyAppFuses } = (await import(join(repoRoot, 'scripts', 'electron-fuses.mjs'))) as {
      APP_FUSES: Record<string, unknown>
      applyAppFuses(path: string): Promise<number>
    }
    // A stand-in binary with Electron's fuse wire (sentinel, version 1, 9 fuses, all in the default state Electron
    // ships: every one enabled but the ASAR ones), so the flip runs for real without the Electron download.
    const { writeFileSync } = await import('node:fs')
    const { tempDir } = await import('../helpers/paths')
    const wire = Buffer.from('111100101', 'latin1')
    const binary = join(tempDir(), 'electron')
    writeFileSync(binary, Buffer.concat([Buffer.alloc(4096, 7), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, wire.length]), wire, Buffer.alloc(4096, 9)]))
    await applyAppFuses(binary)
    const fuses = await getCurrentFuseWire(binary)
    const state = (o: number) => fuses[o as keyof typeof fuses]
    expect(state(FuseV1Options.RunAsNode)).toBe(FuseState.DISABLE)
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(FuseState.DISABLE)
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe(FuseState.DISABLE)
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(FuseState.DISABLE)
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(FuseState.ENABLE)
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe(FuseState.ENABLE)
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe(FuseState.ENABLE)
    // every fuse is decided, so a new one in an Electron upgrade fails packaging instead of shipping its default
    expect(APP_FUSES.strictlyRequireAllFuses).toBe(true)
    const named = Object.keys(FuseV1Options).filter((k) => !Number.isNaN(Number(k)))
    for (const index of named) expect(APP_FUSES[index], FuseV1Options[Number(index)]).toBeTypeOf('boolean')
  })
})
