import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const sharedDir = resolve(repoRoot, '..', 'shared')
export const spiderDir = join(sharedDir, 'data', 'spider')
export const modelsDir = join(sharedDir, 'models')
export const demoDb = join(repoRoot, 'resources', 'demo.sqlite')

export function spiderDb(id: string): string {
  return join(spiderDir, 'database', id, `${id}.sqlite`)
}

export function tempDir(prefix = 'sqlstill-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export const hasChromium = existsSync('/usr/bin/chromium')
