// What a failed file operation means to the user: the same errno answers in every reader (databases, models, SQL files).

/** The file is there but this user may not read it (POSIX EACCES / EPERM). */
export function isPermissionDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'EACCES' || code === 'EPERM'
}
