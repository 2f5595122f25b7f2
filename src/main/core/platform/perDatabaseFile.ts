// Files the app keeps per database (question history, editor tabs, hand-run SQL) are named after the database's
// full path: a readable name plus a hash, so two `data.sqlite` in different folders never share a file.
import { createHash } from 'node:crypto'
import { basename, join, resolve } from 'node:path'

export function perDatabaseFile(dataDir: string, folder: string, dbPath: string, extension: string): string {
  const full = resolve(dbPath)
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 12)
  const name = basename(full).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)
  return join(dataDir, folder, `${name}-${hash}${extension}`)
}
