// `npm start` on a machine without the Electron binary: one line saying so, then browser mode on the demo database.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot, tempDir } from '../helpers/paths'

describe('npm start', () => {
  it('falls back to browser mode with the demo database when Electron is missing', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'start.mjs'), '--no-open'], {
      cwd: repoRoot,
      env: { ...process.env, SQLSTILL_DATA_DIR: tempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 60_000)
        const onData = (c: Buffer) => {
          out += c.toString()
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(out)
          if (m) {
            clearTimeout(timer)
            resolve(m[0])
          }
        }
        child.stdout.on('data', onData)
        child.stderr.on('data', onData)
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)))
      })
      expect(out).toMatch(/Electron binary is not installed here, so starting browser mode instead/)
      const origin = new URL(url).origin
      // the link signs a browser in, once: trade it for the session cookie as a browser would
      const signIn = await fetch(url, { redirect: 'manual' })
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
      const res = await fetch(`${origin}/api/invoke/db.list`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: 'null' })
      const body = (await res.json()) as { ok: boolean; value: { name: string; isDemo: boolean }[] }
      expect(body.value).toEqual([expect.objectContaining({ name: 'demo.sqlite', isDemo: true })])
    } finally {
      child.kill('SIGTERM')
    }
  })
})
