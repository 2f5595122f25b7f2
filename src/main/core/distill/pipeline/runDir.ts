// The run folder: every stage output is written whole (temporary file + rename), and long stages append one line
// per finished item to a checkpoint so a cancelled or crashed stage resumes where it stopped.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { appendJsonLine } from '../../platform/jsonLines'
import { dirname, join } from 'node:path'
import { SqlstillError } from '../../../../shared/errors'
import { writeFileAtomic } from '../../platform/atomicFile'
import type { RunManifest } from './types'

export const MANIFEST_FILE = 'run.json'
/** The app's run folders live in this folder of the data dir, one per run. */
export const CUSTOMIZE_RUNS_DIR = 'customize'
/** The train stage's job folder and the evaluate stage's reports folder (base/ and customized/), in the run folder. */
export const TRAIN_DIR = 'train'
export const EVALUATE_DIR = 'evaluate'

/** Stage outputs and run.json (which resume trusts): durable, through the app's one atomic write. */
export function writeAtomic(path: string, text: string): void {
  writeFileAtomic(path, text)
}

export function writeJsonl(path: string, items: readonly unknown[]): void {
  writeAtomic(path, items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : ''))
}

/** Lines that do not parse (a torn last append) are skipped. */
export function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return []
  const out: T[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue
    try {
      out.push(JSON.parse(line) as T)
    } catch {
      // a partial last line from an interrupted append
    }
  }
  return out
}

export function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new SqlstillError('NOT_FOUND', `${path} does not exist.`, { path })
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch (err) {
    throw new SqlstillError('BAD_REQUEST', `${path} is not valid JSON: ${(err as Error).message}`, { path })
  }
}

export function readManifest(outDir: string): RunManifest {
  const file = join(outDir, MANIFEST_FILE)
  if (!existsSync(file)) {
    throw new SqlstillError('NOT_FOUND', `${outDir} holds no customization run (no ${MANIFEST_FILE}).`, { path: outDir })
  }
  const manifest = readJson<RunManifest>(file)
  if (manifest.schemaVersion !== 1 || !manifest.stages) {
    throw new SqlstillError('BAD_REQUEST', `${file} is not a customization manifest.`, { path: file })
  }
  return manifest
}

export function writeManifest(outDir: string, manifest: RunManifest): void {
  manifest.updatedAt = new Date().toISOString()
  writeAtomic(join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n')
}

export function cancelledError(stage: string): SqlstillError {
  return new SqlstillError('CANCELLED', `The customization was stopped during "${stage}"; resume it to continue.`, { stage })
}

export function throwIfAborted(signal: AbortSignal | undefined, stage: string): void {
  if (signal?.aborted) throw cancelledError(stage)
}

/** One result per key, appended as it is made; a resumed stage reuses them instead of asking again. */
export class Checkpoint<T> {
  private readonly done = new Map<string, T>()
  constructor(private readonly file: string) {
    for (const line of readJsonl<{ key: string; value: T }>(file)) this.done.set(line.key, line.value)
  }
  has(key: string): boolean {
    return this.done.has(key)
  }
  get(key: string): T | undefined {
    return this.done.get(key)
  }
  put(key: string, value: T): void {
    mkdirSync(dirname(this.file), { recursive: true })
    appendJsonLine(this.file, { key, value })
    this.done.set(key, value)
  }
  remove(): void {
    rmSync(this.file, { force: true })
  }
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by
}

/** Reason text up to its first ':' so error messages group into a few buckets. */
export function reasonBucket(reason: string | undefined): string {
  const r = (reason ?? 'failed').trim()
  const cut = r.indexOf(':')
  return (cut > 0 ? r.slice(0, cut) : r).slice(0, 80)
}
