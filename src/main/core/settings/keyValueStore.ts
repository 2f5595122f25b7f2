// Where the app keeps small persistent state (settings, recent databases, active models).
// The desktop shell backs it with electron-store; browser mode and the CLI with JsonFileStore, which reads
// and writes the same config.json in the same app-data folder, so both modes see the same state.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { normalizeSettings, type Settings } from '../../../shared/settings'
import { writeFileAtomic } from '../platform/atomicFile'

export interface KeyValueStore {
  get<T>(key: string): T | undefined
  set(key: string, value: unknown): void
}

export class JsonFileStore implements KeyValueStore {
  readonly file: string

  constructor(dataDir: string, fileName = 'config.json') {
    this.file = join(dataDir, fileName)
  }

  private read(): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'))
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
    } catch {
      // Missing or unreadable: start empty rather than refuse to start. The file is rewritten on the next set.
      return {}
    }
  }

  get<T>(key: string): T | undefined {
    return this.read()[key] as T | undefined
  }

  set(key: string, value: unknown): void {
    const data = this.read()
    data[key] = value
    // a crash mid-write never leaves a truncated config behind
    writeFileAtomic(this.file, JSON.stringify(data, null, 2))
  }
}

/** In-memory store for tests and throwaway sessions. */
export class MemoryStore implements KeyValueStore {
  private readonly data = new Map<string, unknown>()
  get<T>(key: string): T | undefined {
    return structuredClone(this.data.get(key)) as T | undefined
  }
  set(key: string, value: unknown): void {
    this.data.set(key, structuredClone(value))
  }
}

const SETTINGS_KEY = 'settings'

/** The user's settings as the app keeps them: every shell (app, web host, CLI) starts from the same values. */
export function readSettings(store: KeyValueStore): Settings {
  return normalizeSettings(store.get(SETTINGS_KEY))
}

export function writeSettings(store: KeyValueStore, settings: Settings): void {
  store.set(SETTINGS_KEY, settings)
}
