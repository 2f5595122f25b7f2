// better-sqlite3 is a V8-ABI addon (not N-API), so the desktop app needs a build for Electron's ABI while
// the CLI, browser mode and tests need Node's. Both live side by side: npm builds Node's in node_modules,
// `scripts/electron-native.mjs` (run by `npm start` when Electron is installed) builds Electron's here.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { appRoot } from './paths'

export function electronBetterSqlitePath(): string {
  return join(appRoot(), 'node_modules', '.electron-native', 'better_sqlite3.node')
}

/** The `nativeBinding` option for better-sqlite3 in this runtime (undefined: the package's own build). */
export function betterSqliteBinding(versions: NodeJS.ProcessVersions = process.versions): string | undefined {
  if (!versions.electron) return undefined
  const path = electronBetterSqlitePath()
  return existsSync(path) ? path : undefined
}
