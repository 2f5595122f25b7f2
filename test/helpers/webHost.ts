// Starts the real CLI's browser mode (`sqlstill serve`) as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot, tempDir } from './paths'

export interface RunningHost {
  /** The printed one-time link. */
  url: string
  origin: string
  /** The printed API key (Bearer, for /v1 and /api). */
  apiKey: string
  dataDir: string
  process: ChildProcess
  output(): string
  stop(): Promise<void>
}

export async function startWebHost(opts: { args?: string[]; dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningHost> {
  const dataDir = opts.dataDir ?? tempDir('sqlstill-host-')
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), 'serve', '--port', '0', '--no-open', ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, SQLSTILL_DATA_DIR: dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const printed = await new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not start:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const link = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output)
      const key = /API key ([0-9a-f]+)/.exec(output)
      if (link && key) {
        clearTimeout(timer)
        resolve({ url: link[1]!, apiKey: key[1]! })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`web host exited with ${code}:\n${output}`))
    })
  })
  return {
    url: printed.url,
    origin: new URL(printed.url).origin,
    apiKey: printed.apiKey,
    dataDir,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}
