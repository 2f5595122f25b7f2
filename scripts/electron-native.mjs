// Builds better-sqlite3 for the installed Electron's ABI into node_modules/.electron-native/, leaving
// node_modules/better-sqlite3 built for Node (CLI, browser mode, tests). Needs Electron's headers, which
// node-gyp downloads once: the desktop app is only installed where Electron itself could be downloaded.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { root } from './ensure-built.mjs'

export function electronNativePath() {
  return join(root, 'node_modules', '.electron-native', 'better_sqlite3.node')
}

export function buildElectronNative() {
  const require = createRequire(import.meta.url)
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
  const source = join(root, 'node_modules', 'better-sqlite3')
  const work = mkdtempSync(join(tmpdir(), 'sqlstill-electron-native-'))
  try {
    cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${source}/build`) })
    process.stderr.write(`sqlstill: building better-sqlite3 for Electron ${electronVersion} (once)…\n`)
    const gyp = spawnSync(
      'npm',
      ['exec', '--yes', '--', 'node-gyp', 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'],
      { cwd: work, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' },
    )
    if (gyp.status !== 0) throw new Error('node-gyp failed (see above)')
    mkdirSync(join(root, 'node_modules', '.electron-native'), { recursive: true })
    cpSync(join(work, 'build', 'Release', 'better_sqlite3.node'), electronNativePath())
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) buildElectronNative()
