// `sqlstill export --base M --adapter A --type Q4_K_M --out F`: one GGUF with the adapter fused in, quantized.
import type { Command } from 'commander'
import { Option } from 'commander'
import { EXPORT_TYPES, exportFused, type ExportType } from '../../core/export'
import { parsePositiveInt } from '../parse'

interface ExportCliOptions {
  base: string
  adapter: string
  type: ExportType
  out: string
  threads?: number
  force?: boolean
  json?: boolean
}

export function register(program: Command): void {
  program
    .command('export')
    .description('fuse a LoRA adapter into its base model and write one quantized GGUF')
    .requiredOption('--base <model>', 'the base model the adapter was trained on (.gguf)')
    .requiredOption('--adapter <file>', 'LoRA adapter (.gguf)')
    .addOption(new Option('--type <type>', 'output type').choices([...EXPORT_TYPES]).default('Q4_K_M'))
    .requiredOption('--out <file>', 'output .gguf')
    .option('--threads <n>', 'quantization threads', parsePositiveInt)
    .option('--force', 'fuse even if the adapter records a different base model hash (e.g. a requantized base)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: ExportCliOptions) => {
      const controller = new AbortController()
      const onSigint = () => controller.abort()
      process.once('SIGINT', onSigint)
      const tty = process.stderr.isTTY
      try {
        const result = await exportFused({
          base: opts.base,
          adapter: opts.adapter,
          type: opts.type,
          out: opts.out,
          ...(opts.threads ? { threads: opts.threads } : {}),
          allowBaseMismatch: Boolean(opts.force),
          signal: controller.signal,
          onProgress: (p) => {
            const line = `${p.phase} ${(p.fraction * 100).toFixed(0)}%`
            if (tty) process.stderr.write(`\r${line}\x1b[K`)
            else if (p.fraction === 0 || p.fraction === 1) process.stderr.write(line + '\n')
          },
        })
        if (tty) process.stderr.write('\n')
        if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
        else process.stdout.write(`${result.out}\n${result.type} · ${(result.bytes / 2 ** 20).toFixed(1)} MiB · ${result.seconds.toFixed(1)} s\n`)
      } finally {
        process.off('SIGINT', onSigint)
      }
    })
}
