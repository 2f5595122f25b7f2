// Which engine a target opens with, and where a server's password comes from: one rule for the app, the CLI and the UI.
import { describe, expect, it } from 'vitest'
import { engineOf, parsePostgresUrl, postgresUrl, splitPostgresPassword } from '../../src/shared/engine'
import { resolveServerPassword, rememberServerPassword, serverSecretName } from '../../src/main/core/db/serverPassword'
import type { SecretStore } from '../../src/main/core/teacher/openaiTeacher'

describe('engineOf', () => {
  it('names the engine from the URL scheme or the file extension, SQLite otherwise', () => {
    expect(engineOf('postgres://bob@localhost:5432/shop')).toBe('postgres')
    expect(engineOf('  PostgreSQL://bob@db/x')).toBe('postgres')
    expect(engineOf('/data/warehouse.duckdb')).toBe('duckdb')
    expect(engineOf('C:\\data\\sales.PARQUET')).toBe('duckdb')
    for (const f of ['a.csv', 'a.tsv', 'a.json', 'a.jsonl', 'a.ndjson', 'a.ddb']) expect(engineOf(f)).toBe('duckdb')
    for (const f of ['a.sqlite', 'a.db', 'noextension', '.csv', '/tmp/x.sqlite3']) expect(engineOf(f)).toBe('sqlite')
    expect(engineOf('/data/folder', { folderIsData: true })).toBe('duckdb')
  })
})

describe('postgres URLs', () => {
  it('splits the password off, decoded, and leaves the rest as it was', () => {
    expect(splitPostgresPassword('postgres://bob:s%40cr%3At@127.0.0.1:5433/spider')).toEqual({ url: 'postgres://bob@127.0.0.1:5433/spider', password: 's@cr:t' })
    expect(splitPostgresPassword('postgres://bob@host/db')).toEqual({ url: 'postgres://bob@host/db', password: undefined })
    // libpq's password parameter is a password too: never kept in the URL that is shown and stored
    expect(splitPostgresPassword('postgres://bob@host/db?password=p%26w&sslmode=require')).toEqual({ url: 'postgres://bob@host/db?sslmode=require', password: 'p&w' })
  })

  it('round-trips the connection form fields, IPv6 hosts and spaces included', () => {
    const t = { host: '::1', port: 5432, database: 'my db', user: 'a b' }
    expect(postgresUrl(t)).toBe('postgres://a%20b@[::1]:5432/my%20db')
    expect(parsePostgresUrl(postgresUrl(t))).toEqual(t)
    expect(parsePostgresUrl('postgresql://bob@db.local/x')).toEqual({ host: 'db.local', port: 5432, database: 'x', user: 'bob' })
    expect(parsePostgresUrl('/not/a/url.sqlite')).toBeNull()
  })
})

describe('server passwords', () => {
  function memorySecrets(): SecretStore & { all: Map<string, string> } {
    const all = new Map<string, string>()
    return { all, get: async (n) => all.get(n) ?? null, set: async (n, v) => void all.set(n, v) }
  }

  it('typed beats the URL, the URL beats the keychain, then PGPASSWORD (left to the client)', async () => {
    const secrets = memorySecrets()
    const url = 'postgres://bob@h:5432/d'
    secrets.all.set(serverSecretName(url), 'kept')
    expect(await resolveServerPassword('postgres://bob:inurl@h:5432/d', 'typed', secrets)).toEqual({ url, password: 'typed', from: 'typed' })
    expect(await resolveServerPassword('postgres://bob:inurl@h:5432/d', undefined, secrets)).toEqual({ url, password: 'inurl', from: 'url' })
    expect(await resolveServerPassword(url, '', secrets)).toEqual({ url, password: 'kept', from: 'keychain' })
    expect(await resolveServerPassword(url, undefined, undefined)).toEqual({ url, password: undefined, from: 'environment' })
  })

  it('remembers under the URL without the password, and says plainly when there is no keychain', async () => {
    const secrets = memorySecrets()
    await rememberServerPassword('postgres://bob@h:5432/d', 'pw', secrets)
    expect([...secrets.all.entries()]).toEqual([['postgres.password:postgres://bob@h:5432/d', 'pw']])
    await expect(rememberServerPassword('postgres://bob@h:5432/d', 'pw', undefined)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/keychain.*PGPASSWORD/) })
    const broken: SecretStore = { get: async () => null, set: async () => Promise.reject(new Error('no keyring')) }
    await expect(rememberServerPassword('postgres://bob@h:5432/d', 'pw', broken)).rejects.toMatchObject({ code: 'UNSUPPORTED' })
  })
})
