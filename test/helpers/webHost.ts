// Starts the real CLI's browser mode (`sqlstill serve`) as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot, tempDir } from './paths'

export interface RunningHost {
  url: string
  origin: string
  token: string
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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not start:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`web host exited with ${code}:\n${output}`))
    })
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
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
