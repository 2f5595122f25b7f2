// Locations of the shared tiny models (read-only) and a per-test temp folder.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const sharedDir = path.resolve(repoRoot, '../shared')
export const storiesF32 = path.join(sharedDir, 'models/stories260K-f32.gguf')
export const storiesQ8 = path.join(sharedDir, 'models/stories260K-q8_0.gguf')

const created: string[] = []
// Registered in the root suite of whichever test file imports this helper (vitest isolates modules per file).
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh folder under the OS temp dir, removed after the importing test file's tests. */
export function tempDir(prefix = 'sqlstill-llm-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  created.push(dir)
  return dir
}

/** One thread: the test machine has two cores shared with other test files, and llama.cpp threads spin. */
export const TEST_THREADS = 1
