// App-data locations computed without Electron, matching Electron's app.getPath('userData') for an app
// named "sqlstill", so the desktop app, browser mode and the CLI share one folder.
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const APP_NAME = 'sqlstill'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.SQLSTILL_DATA_DIR) return resolve(env.SQLSTILL_DATA_DIR)
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME)
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME)
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME)
}

let cachedRoot: string | null = null

/** The folder holding package.json: resources/ and out/ live beside it, from source and from the build alike. */
export function appRoot(): string {
  if (cachedRoot) return cachedRoot
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('sqlstill: cannot find the application root (package.json)')
    dir = parent
  }
  cachedRoot = dir
  return dir
}

export function resourcesDir(): string {
  return join(appRoot(), 'resources')
}

export function demoDatabasePath(): string {
  return join(resourcesDir(), 'demo.sqlite')
}

export function rendererDir(): string {
  return join(appRoot(), 'out', 'renderer')
}
