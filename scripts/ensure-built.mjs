// Builds the app (main, preload, renderer) when the build output is missing, e.g. right after `npm ci`.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function isBuilt() {
  return ['out/main/cli.js', 'out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'].every((f) => existsSync(join(root, f)))
}

export function ensureBuilt({ force = false } = {}) {
  if (!force && isBuilt()) return
  process.stderr.write('sqlstill: building the app (first run)…\n')
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  })
  if (result.status !== 0) {
    process.stderr.write('sqlstill: the build failed (see above).\n')
    process.exit(result.status ?? 1)
  }
}
