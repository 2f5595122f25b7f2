// `sqlstill serve`: browser mode — the desktop UI and API on 127.0.0.1, behind a per-launch token.
import { InvalidArgumentError, type Command } from 'commander'
import { rendererDir } from '../../core/platform/paths'
import { openAiRoute } from '../../web/openai'
import { startWebHost } from '../../web/webHost'
import { createCliService } from '../context'
import { openInBrowser } from '../openBrowser'
import { parseAdapterScale, parsePort, parsePositiveInt } from '../parse'

export interface ServeOptions {
  port: number
  open: boolean
  db?: string[]
  demo: boolean
  model?: string
  adapter?: string
  adapterScale?: number
  parallel: number
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('start browser mode: the sqlstill UI on http://127.0.0.1 (token-protected)')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--no-open', 'do not open a browser')
    .option('--db <path...>', 'databases to open at start')
    .option('--no-demo', 'do not open the demo database when no --db is given')
    .option('--model <ref>', 'student model to load at start (path, model id or hf:/https: URI); also served at /v1')
    .option('--adapter <path>', 'LoRA adapter (GGUF) to apply to the --model at start')
    .option('--adapter-scale <scale>', 'strength of the --adapter (default 1)', parseAdapterScale)
    .option('--parallel <n>', 'requests the student answers at once at /v1 (slots, as llama-server --parallel; each holds a context of KV cache)', parsePositiveInt, 1)
    .action(async (opts: ServeOptions) => {
      await serve(opts)
    })
}

export async function serve(opts: ServeOptions): Promise<void> {
  const service = createCliService('web', { studentSlots: opts.parallel })
  for (const path of opts.db ?? []) await service.openDatabase(path)
  if (!opts.db?.length && opts.demo) await service.handlers['db.openDemo']().catch(() => undefined)
  if (opts.adapter && !opts.model) throw new InvalidArgumentError('--adapter needs --model')
  if (opts.model) {
    // Through the API handlers, so the UI hears 'model.changed' like after a load from the UI.
    const loaded = await service.handlers['model.load']({ ref: opts.model })
    if (opts.adapter) await service.handlers['model.setAdapter']({ path: opts.adapter, scale: opts.adapterScale ?? 1 })
    process.stdout.write(`sqlstill: student ${loaded.modelId}${opts.adapter ? ` + ${opts.adapter}` : ''} loaded${opts.parallel > 1 ? `, ${opts.parallel} slots` : ''}\n`)
  }
  const host = await startWebHost({
    handlers: service.handlers,
    events: service.events,
    staticDir: rendererDir(),
    port: opts.port,
    routes: [openAiRoute(service.student)],
  })
  process.stdout.write(`sqlstill: browser mode at ${host.url} (a one-time link: it signs this browser in once)\n`)
  process.stdout.write(`sqlstill: OpenAI-compatible API at ${host.origin}/v1, API key ${host.apiKey} (also for scripts calling /api)\n`)
  if (opts.open) openInBrowser(host.url)

  const shutdown = async () => {
    await host.close()
    await service.dispose()
    process.exit(0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
