// The headless core must run without Electron (CLI, browser mode, tests), and the renderer must reach the
// core only through the shared contract. These checks read the import statements of every source file.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/paths'

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return sourceFiles(full)
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) ? [full] : []
  })
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs: string[] = []
  const pattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g
  for (const m of text.matchAll(pattern)) specs.push((m[1] ?? m[2] ?? m[3] ?? m[4])!)
  return specs
}

describe('layering', () => {
  it('src/main/core imports nothing from electron', () => {
    const offenders = sourceFiles(join(repoRoot, 'src/main/core')).flatMap((file) =>
      importsOf(file)
        .filter((s) => s === 'electron' || s.startsWith('electron/') || s === 'electron-store' || s.startsWith('@electron/'))
        .map((s) => `${relative(repoRoot, file)} imports ${s}`),
    )
    expect(offenders).toEqual([])
  })

  it('the renderer reaches the core only through src/shared', () => {
    const offenders = sourceFiles(join(repoRoot, 'src/renderer')).flatMap((file) =>
      importsOf(file)
        .filter((s) => /(^|\/)main\//.test(s) || /^(node:|electron$|fs$|path$|child_process$|better-sqlite3$|node-llama-cpp)/.test(s))
        .map((s) => `${relative(repoRoot, file)} imports ${s}`),
    )
    expect(offenders).toEqual([])
  })

  it('the layering check itself sees imports (so it cannot pass vacuously)', () => {
    const files = sourceFiles(join(repoRoot, 'src/main/core'))
    expect(files.length).toBeGreaterThan(5)
    expect(importsOf(join(repoRoot, 'src/main/index.ts'))).toContain('electron')
  })
})
