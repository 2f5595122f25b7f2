// What a failed file operation means to the user: the same errno answers in every reader (databases, models, SQL files),
// and the one probe of what a path is that never throws.
import { statSync } from 'node:fs'

/** The file is there but this user may not read it (POSIX EACCES / EPERM). */
export function isPermissionDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'EACCES' || code === 'EPERM'
}

/** True for an existing folder; false for a file, nothing, or what cannot be examined. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
