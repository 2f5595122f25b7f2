// A content-addressed response cache on disk: the key is sha256 of (base URL, model, request body), the value the
// server's JSON answer. A distillation run that is interrupted and started again re-asks nothing it already asked,
// and a paid API is not billed twice for the same request. Only successful answers are stored.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../platform/atomicFile'

export class ResponseCache {
  constructor(readonly dir: string) {}

  static key(parts: unknown[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`)
  }

  /** The stored answer, or undefined when absent or unreadable (a torn file is just a miss). */
  async get(key: string): Promise<unknown> {
    try {
      return (JSON.parse(await readFile(this.file(key), 'utf8')) as { response: unknown }).response
    } catch {
      return undefined
    }
  }

  async set(key: string, request: unknown, response: unknown): Promise<void> {
    const file = this.file(key)
    // atomic (a crash never leaves a half file under the real name) but not fsynced: a lost entry is asked again
    writeFileAtomic(file, JSON.stringify({ request, response, storedAt: new Date().toISOString() }), { durable: false })
  }
}
