// The Electron shell: one window, a menu, and the API contract wired to IPC. No business logic lives here:
// everything goes through the same CoreService as the CLI and browser mode.
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, type MenuItemConstructorOptions } from 'electron'
import Store from 'electron-store'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IPC_EVENT, IPC_INVOKE, type RecentDatabase } from '../shared/api'
import { SqlstillError } from '../shared/errors'
import { TEACHER_API_KEY_ENV } from '../shared/teacher'
import { dispatch } from './core/service/dispatch'
import { CoreService } from './core/service/coreService'
import type { KeyValueStore } from './core/settings/keyValueStore'
import type { SecretStore } from './core/teacher/openaiTeacher'
import { DUCKDB_DATA_EXTENSIONS, DUCKDB_DATABASE_EXTENSIONS } from '../shared/engine'
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, resolveAppRequest } from './electron/appProtocol'
import { createWindowOptions, DEFAULT_BOUNDS, isAllowedNavigation, type WindowBounds } from './electron/windowOptions'
import { CONTENT_SECURITY_POLICY } from './web/webHost'

// The renderer is served from app://sqlstill/ (see electron/appProtocol.ts), never from file://.
const rendererDir = join(import.meta.dirname, '../renderer')
const rendererUrl = APP_INDEX_URL
// Must happen before 'ready': the scheme's privileges are fixed when the browser process starts.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])

/** Files of the built renderer only, with the same CSP header browser mode sends (it also covers workers). */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = resolveAppRequest(request.url, rendererDir)
    if (!target.ok) return new Response(target.reason, { status: target.status })
    try {
      const body = await readFile(target.file)
      return new Response(body, {
        headers: { 'content-type': target.contentType, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' },
      })
    } catch {
      return new Response('not found', { status: 404 })
    }
  })
}

/** Electron's filters take extensions without the dot. */
const DUCKDB_EXTENSIONS = [...DUCKDB_DATABASE_EXTENSIONS, ...DUCKDB_DATA_EXTENSIONS].map((e) => e.slice(1))

const SECRETS_KEY = 'secrets'

/**
 * Secrets (the teacher's API key) encrypted with the OS keychain through safeStorage; config.json only ever holds
 * the base64 ciphertext. Without a usable keychain nothing is stored: the user is pointed at the environment variable.
 */
function safeStorageSecrets(store: Store<Record<string, unknown>>): SecretStore {
  // On Linux without a keyring Electron falls back to 'basic_text': a fixed, public key, no better than plain text.
  const usable = () => safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text')
  const all = (): Record<string, string> => {
    const value = store.get(SECRETS_KEY)
    return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {}
  }
  return {
    async get(name) {
      const cipher = all()[name]
      if (!cipher || !usable()) return null
      try {
        return safeStorage.decryptString(Buffer.from(cipher, 'base64'))
      } catch {
        return null // encrypted under another user or keychain: as if never set
      }
    },
    async set(name, value) {
      if (!usable()) {
        throw new SqlstillError('UNSUPPORTED', `The system keychain is not available, so the key cannot be kept safely. Set ${TEACHER_API_KEY_ENV} instead.`)
      }
      store.set(SECRETS_KEY, { ...all(), [name]: safeStorage.encryptString(value).toString('base64') })
    },
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  void start()
}

async function start(): Promise<void> {
  await app.whenReady()
  serveRenderer()
  const electronStore = new Store<Record<string, unknown>>({ name: 'config' })
  const store: KeyValueStore = {
    get: <T>(key: string) => electronStore.get(key) as T | undefined,
    set: (key, value) => electronStore.set(key, value),
  }
  let window: BrowserWindow | null = null

  const service = new CoreService({
    shell: 'electron',
    version: app.getVersion(),
    dataDir: app.getPath('userData'),
    store,
    secretStore: safeStorageSecrets(electronStore),
    pickDatabaseFile: async () => {
      const options = {
        title: 'Open a database',
        properties: ['openFile' as const],
        filters: [
          { name: 'Databases and data files', extensions: ['sqlite', 'sqlite3', 'db', 'db3', 's3db', 'sl3', ...DUCKDB_EXTENSIONS] },
          { name: 'SQLite databases', extensions: ['sqlite', 'sqlite3', 'db', 'db3', 's3db', 'sl3'] },
          { name: 'DuckDB, CSV, Parquet, JSON', extensions: DUCKDB_EXTENSIONS },
          { name: 'All files', extensions: ['*'] },
        ],
      }
      const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
      return result.canceled ? null : (result.filePaths[0] ?? null)
    },
  })

  ipcMain.handle(IPC_INVOKE, (event, method: string, arg: unknown) => {
    if (event.senderFrame?.url !== rendererUrl) return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Unknown sender' } }
    return dispatch(service.handlers, method, arg)
  })
  service.events.subscribe((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT, event, payload)
    if (event === 'recent.changed') buildMenu(payload as RecentDatabase[])
  })

  // Nothing remote, ever: deny permission prompts and checks (camera, notifications, clipboard-read…), device
  // pickers (HID, serial, USB, Bluetooth), new windows, and navigation or redirects away from our page in any frame.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  session.defaultSession.setDevicePermissionHandler(() => false)
  session.defaultSession.setUSBProtectedClassesHandler(() => [])
  session.defaultSession.on('select-hid-device', (e, _details, callback) => {
    e.preventDefault()
    callback('')
  })
  session.defaultSession.on('select-serial-port', (e, _ports, _wc, callback) => {
    e.preventDefault()
    callback('')
  })
  session.defaultSession.on('select-usb-device', (e, _details, callback) => {
    e.preventDefault()
    callback('')
  })
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-navigate', (e, url) => {
      if (!isAllowedNavigation(url, rendererUrl)) e.preventDefault()
    })
    contents.on('will-frame-navigate', (e) => {
      if (!isAllowedNavigation(e.url, rendererUrl)) e.preventDefault()
    })
    contents.on('will-redirect', (e, url) => {
      if (!isAllowedNavigation(url, rendererUrl)) e.preventDefault()
    })
    contents.on('select-bluetooth-device', (e, _devices, callback) => {
      e.preventDefault()
      callback('')
    })
    contents.on('will-attach-webview', (e) => e.preventDefault())
  })

  const openInWindow = async (path: string) => {
    try {
      await service.openDatabase(path) // the window hears of it through the db.opened event
    } catch (err) {
      dialog.showErrorBox('Cannot open database', (err as Error).message)
    }
  }

  function buildMenu(recent: RecentDatabase[]): void {
    const template: MenuItemConstructorOptions[] = [
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      {
        label: 'File',
        submenu: [
          {
            label: 'Open Database…',
            accelerator: 'CmdOrCtrl+O',
            click: async () => {
              const path = await service.handlers['dialog.openDatabase']()
              if (path.path) await openInWindow(path.path)
            },
          },
          { label: 'Open Demo Database', click: () => void service.handlers['db.openDemo']() },
          {
            label: 'Open Recent',
            submenu: recent.length
              ? recent.map((r) => ({ label: r.path, enabled: r.exists, click: () => void openInWindow(r.path) }))
              : [{ label: 'No recent databases', enabled: false }],
          },
          { type: 'separator' },
          process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]
    Menu.setApplicationMenu(Menu.buildFromTemplate(template))
  }

  const boundsKey = 'windowBounds'
  const createWindow = () => {
    const bounds = store.get<WindowBounds>(boundsKey) ?? DEFAULT_BOUNDS
    window = new BrowserWindow(createWindowOptions(join(import.meta.dirname, '../preload/index.cjs'), bounds))
    if (bounds.maximized) window.maximize()
    window.once('ready-to-show', () => window?.show())
    window.on('close', () => {
      if (!window) return
      store.set(boundsKey, { ...window.getNormalBounds(), maximized: window.isMaximized() })
    })
    window.on('closed', () => (window = null))
    void window.loadURL(rendererUrl)
  }

  buildMenu(await service.handlers['db.recent']())
  createWindow()

  app.on('second-instance', (_e, argv) => {
    if (window) {
      if (window.isMinimized()) window.restore()
      window.focus()
    }
    const file = argv.find((a) => /\.(sqlite3?|db3?|s3db|sl3)$/i.test(a))
    if (file) void openInWindow(file)
  })
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('before-quit', () => void service.dispose())
}
