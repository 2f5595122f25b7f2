// `sqlstill eval …` — execution accuracy of a predictor on Spider or on the app's own question files, and
// `sqlstill eval compare A.json B.json` for two runs side by side.
import { basename, resolve } from 'node:path'
import type { Command } from 'commander'
import { SqlstillError } from '../../../shared/errors'
import {
  compareReportFiles,
  createModelPredictor,
  evaluateToFolder,
  goldAsPrediction,
  loadJsonl,
  loadSpider,
  type EvalProgress,
  type EvalSet,
  type ModelPredictor,
} from '../../core/eval'
import { DATABASE_ARGUMENT_HELP, parsePositiveInt } from '../parse'
import { splitPostgresPassword } from '../../../shared/engine'

interface EvalOptions {
  spider?: string
  questions?: string
  jsonl?: string
  db?: string
  goldAsPred?: boolean
  model?: string
  adapter?: string
  maxTokens: number
  limit?: number
  dbId?: string[]
  out: string
  resume?: boolean
  timeout: number
  progress: boolean
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

export function register(program: Command): void {
  const evalCmd = program
    .command('eval')
    .description('measure execution accuracy (Spider test-suite rules) and write JSON + HTML reports')
    .option('--spider <dir>', 'Spider folder (dev.json, tables.json, database/)')
    .option('--questions <file>', 'questions file inside the Spider layout (default <dir>/dev.json)')
    .option('--jsonl <file>', 'the app\'s format: one {"question","sql"} object per line (needs --db)')
    .option('--db <db>', `the database the --jsonl questions are about: ${DATABASE_ARGUMENT_HELP}`)
    .option('--gold-as-pred', 'use the gold SQL as the prediction (self-test: must score 100%)')
    .option('--model <path>', 'GGUF model that writes the predictions')
    .option('--adapter <path>', 'LoRA adapter (GGUF) applied to --model')
    .option('--max-tokens <n>', 'stop each generation after N tokens', parsePositiveInt, 256)
    .option('--limit <n>', 'only the first N questions (after --db-id)', parsePositiveInt)
    .option('--db-id <id>', 'only questions about this database (repeatable)', collect)
    .option('--out <dir>', 'output folder (items.jsonl, report.json, report.html)', 'eval-results')
    .option('--resume', 'continue the run already in --out, skipping finished items')
    .option('--timeout <ms>', 'time limit per query in milliseconds', parsePositiveInt, 10_000)
    .option('--no-progress', 'do not draw the progress bar')
    .action(async (opts: EvalOptions) => {
      await runEvalCommand(opts)
    })

  evalCmd
    .command('run')
    .description("judge an adapter (e.g. one imported with `adapter import`) on a customization run's eval split, against the run's base, with the run's prompt")
    .argument('<runDir>', 'the customization run')
    .requiredOption('--adapter <path>', 'the adapter GGUF to judge')
    .option('--json', 'print the result as JSON')
    .action(async (runDir: string, opts: { adapter: string; json?: boolean }) => {
      const { evaluateAdapterOnRun } = await import('../../core/distill/pipeline')
      const tty = process.stderr.isTTY
      const result = await evaluateAdapterOnRun({
        runDir: resolve(runDir),
        adapterPath: resolve(opts.adapter),
        onProgress: (p) => tty && process.stderr.write(`\r${p.message ?? ''} ${p.done}/${p.total ?? '?'}\x1b[K`),
      })
      if (tty) process.stderr.write('\n')
      if (opts.json) return void process.stdout.write(JSON.stringify(result, null, 2) + '\n')
      const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`)
      process.stdout.write(`base ${pct(result.base.all)} → adapter ${pct(result.customized.all)} (your own examples ${pct(result.base.userItems)} → ${pct(result.customized.userItems)})\n`)
      process.stdout.write(`${result.decision.activate ? 'better' : 'not better'}: ${result.decision.reason}\n${result.evalDir}\n`)
    })

  evalCmd
    .command('compare')
    .description('compare two eval reports (report.json) side by side')
    .argument('<a>', 'the baseline report.json')
    .argument('<b>', 'the report.json to compare against it')
    .option('--out <file>', 'HTML file to write (a .json twin is written beside it)', 'comparison.html')
    .action((a: string, b: string, opts: { out: string }, cmd: Command) => {
      // Unless the program uses positional options, `eval compare A B --out F` hands --out to `eval` itself.
      const parent = cmd.parent
      const out =
        cmd.getOptionValueSource('out') !== 'cli' && parent?.getOptionValueSource('out') === 'cli'
          ? String(parent.opts().out)
          : opts.out
      const { comparison, html, json } = compareReportFiles(a, b, out)
      const d = comparison.overall.delta
      process.stdout.write(
        `EX ${pct(comparison.overall.a.accuracy)} → ${pct(comparison.overall.b.accuracy)}` +
          `${d === null ? '' : ` (${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)} pts)`}; ` +
          `${comparison.fixed.length} fixed, ${comparison.broken.length} broken\n${html}\n${json}\n`,
      )
    })
}

function loadSet(opts: EvalOptions): EvalSet {
  if (opts.spider && opts.jsonl) throw new SqlstillError('BAD_REQUEST', 'Give either --spider or --jsonl, not both.')
  if (opts.spider) return loadSpider({ dir: opts.spider, questionsFile: opts.questions })
  if (opts.jsonl) {
    if (!opts.db) throw new SqlstillError('BAD_REQUEST', '--jsonl needs --db PATH (the database the questions are about).')
    // A password written in a server URL is moved to PGPASSWORD for this process: the URL itself goes into the
    // report files, which must never hold it.
    const { password } = splitPostgresPassword(opts.db)
    if (password !== undefined && process.env.PGPASSWORD === undefined) process.env.PGPASSWORD = password
    return loadJsonl(opts.jsonl, opts.db)
  }
  if (opts.questions) throw new SqlstillError('BAD_REQUEST', '--questions needs --spider DIR (for tables.json and database/).')
  throw new SqlstillError('BAD_REQUEST', 'Nothing to evaluate: give --spider DIR or --jsonl FILE --db PATH.')
}

async function runEvalCommand(opts: EvalOptions): Promise<void> {
  if (opts.goldAsPred && opts.model) throw new SqlstillError('BAD_REQUEST', 'Give either --gold-as-pred or --model, not both.')
  if (!opts.goldAsPred && !opts.model) {
    throw new SqlstillError('BAD_REQUEST', 'Say what writes the predictions: --model PATH, or --gold-as-pred for the self-test.')
  }
  const set = loadSet(opts)
  let model: ModelPredictor | undefined
  if (opts.model)
    model = await createModelPredictor(resolve(opts.model), {
      adapter: opts.adapter ? resolve(opts.adapter) : undefined,
      maxTokens: opts.maxTokens,
    })
  const bar = opts.progress && process.stderr.isTTY ? new ProgressBar() : opts.progress ? new ProgressLines() : undefined
  // First Ctrl-C: finish the item in progress and stop cleanly (the run can be resumed); a second one kills.
  const controller = new AbortController()
  const onInterrupt = (): void => {
    bar?.finish()
    process.stderr.write('sqlstill: stopping after the current question (Ctrl-C again to quit now)…\n')
    controller.abort()
  }
  process.once('SIGINT', onInterrupt)
  try {
    const run = await evaluateToFolder({
      set,
      predict: model ? model.predict : goldAsPrediction,
      predictorName: opts.model ? basename(opts.model) : 'gold (self-test)',
      outDir: opts.out,
      limit: opts.limit,
      dbFilter: opts.dbId,
      timeoutMs: opts.timeout,
      resume: opts.resume,
      onProgress: bar ? (p) => bar.update(p) : undefined,
      signal: controller.signal,
    })
    bar?.finish()
    const r = run.report
    const levels = Object.entries(r.ex.byHardness)
      .filter(([, a]) => a.total > 0)
      .map(([h, a]) => `${h} ${pct(a.accuracy)} (${a.correct}/${a.total})`)
      .join(', ')
    process.stdout.write(
      `EX ${pct(r.ex.overall.accuracy)} — ${r.totals.correct}/${r.totals.evaluated} correct, ${r.totals.skipped} skipped` +
        `${run.resumed ? `, ${run.resumed} taken from the earlier run` : ''}\n${levels}\n` +
        `${run.files.json}\n${run.files.html}\n`,
    )
  } finally {
    process.removeListener('SIGINT', onInterrupt)
    bar?.finish()
    await model?.close()
  }
}

function pct(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1)}%`
}

function duration(ms: number | null): string {
  if (ms === null) return '--:--'
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

function progressText(p: EvalProgress, width: number): string {
  const frac = p.total ? p.done / p.total : 1
  const filled = Math.round(frac * width)
  const evaluated = p.done - p.skipped
  const ex = evaluated > 0 ? ` EX ${((p.correct / evaluated) * 100).toFixed(1)}%` : ''
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}${ex} · elapsed ${duration(p.elapsedMs)} · ETA ${duration(p.etaMs)}`
}

/** A one-line bar redrawn in place (terminals). */
class ProgressBar {
  private last = 0
  private drawn = false
  update(p: EvalProgress): void {
    const now = Date.now()
    if (now - this.last < 100 && p.done < p.total) return
    this.last = now
    this.drawn = true
    process.stderr.write(`\r${progressText(p, 30)}\x1b[K`)
  }
  finish(): void {
    if (this.drawn) process.stderr.write('\n')
    this.drawn = false
  }
}

/** Occasional full lines (logs and pipes, where \r would pile up). */
class ProgressLines {
  private last = 0
  update(p: EvalProgress): void {
    const now = Date.now()
    if (now - this.last < 5_000 && p.done < p.total) return
    this.last = now
    process.stderr.write(progressText(p, 20) + '\n')
  }
  finish(): void {}
}
