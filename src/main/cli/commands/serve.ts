// `sqlstill serve`: browser mode — the desktop UI and API on 127.0.0.1, behind a per-launch token.
import type { Command } from 'commander'
import { rendererDir } from '../../core/platform/paths'
import { startWebHost } from '../../web/webHost'
import { createCliService } from '../context'
import { openInBrowser } from '../openBrowser'
import { parsePort } from '../parse'

export interface ServeOptions {
  port: number
  open: boolean
  db?: string[]
  demo: boolean
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('start browser mode: the sqlstill UI on http://127.0.0.1 (token-protected)')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--no-open', 'do not open a browser')
    .option('--db <path...>', 'databases to open at start')
    .option('--no-demo', 'do not open the demo database when no --db is given')
    .action(async (opts: ServeOptions) => {
      await serve(opts)
    })
}

export async function serve(opts: ServeOptions): Promise<void> {
  const service = createCliService('web')
  for (const path of opts.db ?? []) await service.openDatabase(path)
  if (!opts.db?.length && opts.demo) await service.handlers['db.openDemo']().catch(() => undefined)
  const host = await startWebHost({ handlers: service.handlers, events: service.events, staticDir: rendererDir(), port: opts.port })
  process.stdout.write(`sqlstill: browser mode at ${host.url}\n`)
  if (opts.open) openInBrowser(host.url)

  const shutdown = async () => {
    await host.close()
    await service.dispose()
    process.exit(0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
