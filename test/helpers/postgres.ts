// A throw-away PostgreSQL cluster for tests: initdb into a temp folder, a server on a free loopback port (its
// socket in the same folder), a superuser and a login role with passwords, all removed by stop(). The server
// binaries are required: without them the tests fail and say how to install them (CI's .ci/run does).
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { tempDir } from './paths'

export const SUPERUSER = 'postgres'
export const SUPERUSER_PASSWORD = 'super-secret-pw'
/** A login role that is no superuser; tests grant it what they need. */
export const READER = 'reader'
export const READER_PASSWORD = 'reader-pw'

export function findPostgresBin(root = '/usr/lib/postgresql'): string {
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL server binaries not found (${root}/*/bin/initdb): the PostgreSQL tests need a real server. ' +
        'Install the Debian package "postgresql" (apt-get install postgresql), as .ci/run does.`,
    )
  }
  return join(root, versions[0], 'bin')
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export interface PgCluster {
  port: number
  dir: string
  /** postgres://user:password@127.0.0.1:port/db */
  url(db: string, user?: string, password?: string): string
  superUrl(db: string): string
  readerUrl(db: string): string
  /** A plain pg client as the superuser (test setup and checks, never the code under test). */
  admin(db?: string): Promise<pg.Client>
  createDatabase(name: string): Promise<void>
  stop(): void
}

export async function startPostgres(): Promise<PgCluster> {
  const bin = findPostgresBin()
  const dir = tempDir('sqlstill-pg-')
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  // initdb and postgres refuse to run as root: run them as the postgres OS user, which must own the folder.
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  chmodSync(dir, 0o700)
  const pwfile = join(dir, 'pwfile')
  writeFileSync(pwfile, `${SUPERUSER_PASSWORD}\n`)
  if (asRoot) execFileSync('chown', ['postgres', pwfile])
  const run = (tool: string, args: string[]): void => {
    const cmd = join(bin, tool)
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
    else execFileSync(cmd, args, { stdio: 'pipe' })
  }
  run('initdb', ['-D', data, '-U', SUPERUSER, '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  const port = await freePort()
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`
  run('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', opts])

  const url = (db: string, user = SUPERUSER, password = SUPERUSER_PASSWORD): string =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`
  const admin = async (db = 'postgres'): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url(db) })
    await client.connect()
    return client
  }
  const setup = await admin()
  await setup.query(`CREATE ROLE ${READER} LOGIN PASSWORD '${READER_PASSWORD}'`)
  await setup.end()

  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    try {
      run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  // A test run that ends without afterAll (a crash, a timeout) must not leave a server behind.
  process.once('exit', stop)
  return {
    port,
    dir,
    url,
    superUrl: (db) => url(db),
    readerUrl: (db) => url(db, READER, READER_PASSWORD),
    admin,
    async createDatabase(name) {
      const c = await admin()
      try {
        await c.query(`CREATE DATABASE "${name}" OWNER ${SUPERUSER}`)
        await c.query(`GRANT CONNECT ON DATABASE "${name}" TO ${READER}`)
      } finally {
        await c.end()
      }
    },
    stop() {
      process.removeListener('exit', stop)
      stop()
    },
  }
}
