// `sqlstill ask DB QUESTION`: the student model writes SQL for a question, the query is checked (and repaired once
// when it fails), then the SQL and its result are printed.
import type { Command } from 'commander'
import { Option } from 'commander'
import { SqlstillError } from '../../../shared/errors'
import { randomUUID } from 'node:crypto'
import type { Settings } from '../../../shared/settings'
import { AskService } from '../../core/ask'
import { openDatabase } from '../../core/db'
import type { Backend, ModelManager } from '../../core/llm'
import { defaultDataDir } from '../../core/platform/paths'
import { JsonFileStore, readSettings } from '../../core/settings/keyValueStore'
import { formatResult } from '../output'
import { DATABASE_ARGUMENT_HELP, parseAdapterScale, parseAnswerMaxTokens, parsePositiveInt, parseTemperature } from '../parse'

interface AskCliOptions {
  model?: string
  adapter?: string
  adapterScale: number
  json?: boolean
  sqlOnly?: boolean
  repair: boolean
  budget?: number
  maxTokens?: number
  temperature?: number
  context?: number
  threads?: number
  backend?: Backend
  rules?: string
  maxRows?: number
  timeout?: number
}

async function pickModel(manager: ModelManager, ref: string | undefined): Promise<string> {
  const progress = (p: { downloadedBytes: number; totalBytes: number | null; bytesPerSecond: number }) => {
    const pct = p.totalBytes ? ` ${((100 * p.downloadedBytes) / p.totalBytes).toFixed(1)}%` : ''
    process.stderr.write(`\rdownloading${pct} · ${(p.bytesPerSecond / 1e6).toFixed(1)} MB/s   `)
  }
  const chosen = ref ?? process.env.SQLSTILL_MODEL
  if (chosen) {
    const path = await manager.resolveModel(chosen, { onProgress: process.stderr.isTTY ? progress : undefined })
    if (process.stderr.isTTY && /^(hf:|https?:)/.test(chosen)) process.stderr.write('\n')
    return path
  }
  const usable = (await manager.list()).filter((m) => m.info)
  if (usable.length === 0) {
    throw new SqlstillError(
      'BAD_REQUEST',
      'No model: pass --model PATH or --model hf:URI (for example --model hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf)',
    )
  }
  return usable[0].path
}

export function register(program: Command): void {
  program
    .command('ask')
    .description('write SQL for a question with the local student model, check it against the database, print the result')
    .argument('<db>', DATABASE_ARGUMENT_HELP)
    .argument('<question>', 'the question, in plain language')
    .option('-m, --model <model>', 'model: a .gguf path, a model id, or an hf:/https: URI (downloaded once)')
    .option('--adapter <path>', 'LoRA adapter (.gguf) to apply')
    .option('--adapter-scale <n>', 'adapter strength', parseAdapterScale, 1)
    .option('--json', 'print the full record (attempts, timings, result) as JSON')
    .option('--sql-only', 'print only the SQL')
    .option('--no-repair', 'do not re-prompt the model when its query fails')
    .option('--rules <text>', 'business rules for the prompt (default: the ones the adapter was trained with)')
    .option('--budget <tokens>', 'schema token budget (default: the app setting)', parsePositiveInt)
    // no commander defaults: an absent flag leaves the service to apply the app's settings, so CLI and app agree
    .option('--max-tokens <n>', 'most tokens to generate (default: the app setting)', parseAnswerMaxTokens)
    .option('--temperature <t>', 'sampling temperature, 0 = always the most likely SQL (default: the app setting)', parseTemperature)
    .option('--context <tokens>', 'context size, clamped to the model’s training context (default: the app setting)', parsePositiveInt)
    .option('--threads <n>', 'inference threads (default: the app setting)', parsePositiveInt)
    .addOption(new Option('--backend <backend>', 'inference backend (default: the app setting)').choices(['auto', 'metal', 'cuda', 'vulkan', 'cpu']))
    .option('--max-rows <n>', 'row cap (default: the app setting)', parsePositiveInt)
    .option('--timeout <ms>', 'query time limit in milliseconds (default: the app setting)', parsePositiveInt)
    .action(async (dbPath: string, question: string, opts: AskCliOptions) => {
      const dataDir = defaultDataDir()
      // The app's own service and settings: the same prompt policy (the user's examples from the history, the
      // adapter's rules), the same defaults; flags override a setting for this call only.
      const stored = readSettings(new JsonFileStore(dataDir))
      const settings: Settings = {
        ...stored,
        backend: opts.backend ?? stored.backend,
        threads: opts.threads ?? stored.threads,
        contextSize: opts.context ?? stored.contextSize,
        schemaPromptBudget: opts.budget ?? stored.schemaPromptBudget,
        repairOnFailure: opts.repair && stored.repairOnFailure,
        rowCap: opts.maxRows ?? stored.rowCap,
        queryTimeoutMs: opts.timeout ?? stored.queryTimeoutMs,
      }
      const service = new AskService({ dataDir, settings: () => settings })
      const db = await openDatabase(dbPath)
      const askId = randomUUID()
      const onSigint = () => service.cancel(askId)
      process.once('SIGINT', onSigint)
      try {
        await service.loadModel(await pickModel(service.models, opts.model))
        if (opts.adapter) await service.setAdapter({ path: opts.adapter, scale: opts.adapterScale })
        const { record, result } = await service.ask({
          db,
          question,
          askId,
          rules: opts.rules,
          maxTokens: opts.maxTokens,
          temperature: opts.temperature,
        })
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ...record, result }, null, 2) + '\n')
          return
        }
        process.stdout.write(`${record.sql ?? '-- (no SQL)'}\n`)
        if (opts.sqlOnly) return
        if (result) process.stdout.write('\n' + formatResult(result, 'table'))
        const repaired = record.attempts.length > 1 ? ` · repaired (${record.attempts[0].validation})` : ''
        process.stderr.write(
          `${record.validation}${repaired} · ${record.modelId}${record.adapterId ? ` + ${record.adapterId}` : ''} · ` +
            `${record.promptTokens} prompt tokens · first token ${record.timeToFirstTokenMs.toFixed(0)} ms · ` +
            `${record.tokensPerSecond.toFixed(1)} tokens/s · ${record.totalMs.toFixed(0)} ms\n`,
        )
        if (record.validation !== 'ok' && record.validation !== 'empty_result') {
          throw new SqlstillError('SQL_ERROR', `The model's query failed: ${record.error?.message ?? record.validation}`, {
            validation: record.validation,
          })
        }
      } finally {
        process.off('SIGINT', onSigint)
        await service.dispose()
        await db.close()
      }
    })
}
