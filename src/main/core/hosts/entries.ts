// Locates the scripts the core starts in child processes, both when running from the build (out/main/*.js,
// flat) and from source under the test runner (src/main/core/**.ts, loaded through tsx).
import { fileURLToPath } from 'node:url'

const SOURCES = {
  'db-host': './database/host.ts',
  'train-host': './native/host.ts',
} as const

export type EntryName = keyof typeof SOURCES

export interface EntryPoint {
  file: string
  execArgv: string[]
}

const runningFromSource = import.meta.url.endsWith('.ts')

export function entryPoint(name: EntryName): EntryPoint {
  if (runningFromSource) {
    return { file: fileURLToPath(new URL(SOURCES[name], import.meta.url)), execArgv: ['--import', 'tsx'] }
  }
  return { file: fileURLToPath(new URL(`./${name}.js`, import.meta.url)), execArgv: [] }
}
