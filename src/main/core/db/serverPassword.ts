// Where a PostgreSQL password comes from, in order: typed for this connection, written in the URL, kept in the
// keychain for this URL, or PGPASSWORD (which the client reads itself, as psql does). The URL is always split from
// its password first, so Recent, the tab and the keychain entry's name never hold it.
import { splitPostgresPassword } from '../../../shared/engine'
import { SqlstillError } from '../../../shared/errors'
import type { SecretStore } from '../teacher/openaiTeacher'

export function serverSecretName(url: string): string {
  return `postgres.password:${url}`
}

export async function resolveServerPassword(
  target: string,
  typed: string | undefined,
  secrets: SecretStore | undefined,
): Promise<{ url: string; password: string | undefined; from: 'typed' | 'url' | 'keychain' | 'environment' }> {
  const { url, password: inUrl } = splitPostgresPassword(target)
  if (typed !== undefined && typed !== '') return { url, password: typed, from: 'typed' }
  if (inUrl !== undefined) return { url, password: inUrl, from: 'url' }
  const kept = await secrets?.get(serverSecretName(url)).catch(() => null)
  if (kept) return { url, password: kept, from: 'keychain' }
  return { url, password: undefined, from: 'environment' }
}

/** Keeps a password that just worked in the keychain; the keychain missing is said in words a user can act on. */
export async function rememberServerPassword(url: string, password: string, secrets: SecretStore | undefined): Promise<void> {
  if (!secrets) {
    throw new SqlstillError(
      'UNSUPPORTED',
      'The password cannot be remembered here: browser mode has no access to the system keychain. Type it when you connect, or set PGPASSWORD before starting sqlstill.',
    )
  }
  try {
    await secrets.set(serverSecretName(url), password)
  } catch (err) {
    throw new SqlstillError(
      'UNSUPPORTED',
      'The system keychain is not available, so the password was not remembered. Type it when you connect, or set PGPASSWORD before starting sqlstill.',
      { cause: err instanceof Error ? err.message : String(err) },
    )
  }
}

/**
 * Passwords that opened a server in this process, by URL, in memory only. A customization or evaluation opens the
 * server again by its URL (from its run files, which never hold a password): it finds the password the user typed
 * when connecting here, as a SQL client keeps a connection's password for the session.
 */
const sessionPasswords = new Map<string, string>()

export function keepForSession(url: string, password: string): void {
  sessionPasswords.set(splitPostgresPassword(url).url, password)
}

export function sessionPassword(url: string): string | undefined {
  return sessionPasswords.get(splitPostgresPassword(url).url)
}
