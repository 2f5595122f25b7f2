// `sqlstill train --base M --data pairs.jsonl --out DIR`: LoRA fine-tuning in a child process, with a progress
// line, Ctrl-C to stop (a checkpoint is written) and --resume to continue.
import type { Command } from 'commander'
import { SqlstillError } from '../../../shared/errors'
import { loadPairsJsonl } from '../../core/train/dataset'
import { resumeTraining, startTraining, type TrainProgress } from '../../core/train/job'
import type { TrainBackend } from '../../core/train/devices'
import { parseNonNegativeInt, parseNonNegativeNumber, parsePositiveInt, parseTrainBackend } from '../parse'

interface TrainCliOptions {
  base?: string
  data?: string
  evalData?: string
  out: string
  rank?: number
  alpha?: number
  lr?: number
  epochs?: number
  maxSteps?: number
  batchSize?: number
  gradAccumulation?: number
  maxLength?: number
  truncate?: boolean
  kid?: number
  threads?: number
  backend?: TrainBackend
  packLength?: number
  seed?: number
  evalEvery?: number
  patience?: number
  checkpointEvery?: number
  resume?: boolean
  json?: boolean
}

export function progressLine(p: TrainProgress): string {
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`
  if (p.phase === 'tokenizing') {
    if (!p.examples) return 'tokenizing…'
    const left = p.examples.skippedTooLong ? `; ${p.examples.skippedTooLong} longer than ${p.examples.maxLength} tokens left out` : ''
    const where = p.device ? ` on ${p.device.name} (${p.device.description})` : ''
    return `training ${p.examples.train} examples of up to ${p.examples.maxLength} tokens${left}${where}`
  }
  const loss = p.loss === null ? '' : ` · loss ${p.loss.toFixed(4)}`
  const ev = p.evalLoss === undefined ? '' : ` · eval ${p.evalLoss.toFixed(4)}`
  const eta = p.etaSeconds === null ? '' : ` · eta ${Math.round(p.etaSeconds)} s`
  const speed = ` · ${p.examplesPerSecond.toFixed(2)} ex/s · ${p.completionTokensPerSecond.toFixed(1)} completion tok/s`
  return `${p.phase} · step ${p.step}/${p.totalSteps} · epoch ${p.epoch + 1}${loss}${ev} · lr ${p.learningRate.toExponential(2)}${speed} · ${p.threads} threads · peak ${mib(p.peakRssBytes)}${eta}`
}

export function register(program: Command): void {
  program
    .command('train')
    .description('LoRA-fine-tune a local GGUF model on prompt/completion pairs (writes DIR/adapter.gguf)')
    .option('--base <model>', 'base model (.gguf: llama (Llama 2/3), qwen2, qwen3 or gemma3)')
    .option('--data <file>', 'training pairs, JSONL: {"prompt","completion"}, {"messages","completion"} (chat form) or {"question","sql"} per line')
    .option('--eval-data <file>', 'held-out pairs for eval loss and early stopping (same format)')
    .requiredOption('--out <dir>', 'output directory (adapter.gguf, metrics.jsonl, checkpoint/)')
    .option('--rank <n>', 'LoRA rank', parsePositiveInt)
    .option('--alpha <n>', 'LoRA alpha', parseNonNegativeNumber)
    .option('--lr <rate>', 'peak learning rate', parseNonNegativeNumber)
    .option('--epochs <n>', 'epochs', parsePositiveInt)
    .option('--max-steps <n>', 'stop after this many optimizer steps', parsePositiveInt)
    .option('--batch-size <n>', 'sequences per micro-batch', parsePositiveInt)
    .option('--grad-accumulation <n>', 'micro-batches per optimizer step', parsePositiveInt)
    .option('--max-length <tokens>', 'longest prompt + completion; longer pairs are skipped (or cut with --truncate)', parsePositiveInt)
    .option('--truncate', 'cut over-long completions instead of skipping the pair')
    .option('--kid <alpha>', 'KID: replace this fraction of completion inputs with the model’s own predictions', parseNonNegativeNumber)
    .option('--threads <n>', 'CPU threads (default: the cores other processes leave free)', parsePositiveInt)
    .option('--backend <name>', 'where to train: auto | cpu | vulkan | cuda | metal (default auto: a GPU when there is one)', parseTrainBackend)
    .option('--pack-length <tokens>', 'tokens per packed sequence (examples sharing a prompt prefix compute it once)', parsePositiveInt)
    .option('--seed <n>', 'random seed', parseNonNegativeInt)
    .option('--eval-every <steps>', 'evaluate every N steps', parseNonNegativeInt)
    .option('--patience <evals>', 'early stopping: evaluations without improvement', parseNonNegativeInt)
    .option('--checkpoint-every <steps>', 'checkpoint every N steps', parseNonNegativeInt)
    .option('--resume', 'continue the job in --out from its last checkpoint')
    .option('--json', 'print the result as JSON')
    .action(async (opts: TrainCliOptions) => {
      const controller = new AbortController()
      const onSigint = () => {
        process.stderr.write('\nstopping after this step (writing a checkpoint)…\n')
        controller.abort()
      }
      process.once('SIGINT', onSigint)
      const tty = process.stderr.isTTY
      let lastPrinted = 0
      const onProgress = (p: TrainProgress) => {
        const now = Date.now()
        if (tty) process.stderr.write(`\r${progressLine(p)}\x1b[K`)
        else if (now - lastPrinted > 5000 || p.phase !== 'training') {
          lastPrinted = now
          process.stderr.write(progressLine(p) + '\n')
        }
      }
      try {
        let result
        if (opts.resume) {
          result = await resumeTraining(opts.out, { onProgress, signal: controller.signal, ...(opts.threads ? { threads: opts.threads } : {}) })
        } else {
          if (!opts.base || !opts.data) throw new SqlstillError('BAD_REQUEST', '--base and --data are required (or --resume with --out)')
          const config = {
            baseModel: opts.base,
            examples: loadPairsJsonl(opts.data),
            ...(opts.evalData ? { evalExamples: loadPairsJsonl(opts.evalData) } : {}),
            rank: opts.rank,
            alpha: opts.alpha,
            learningRate: opts.lr,
            epochs: opts.epochs,
            maxSteps: opts.maxSteps,
            batchSize: opts.batchSize,
            gradAccumulation: opts.gradAccumulation,
            maxLength: opts.maxLength,
            ...(opts.truncate ? { overLength: 'truncate' as const } : {}),
            kid: opts.kid !== undefined ? { alpha: opts.kid } : undefined,
            threads: opts.threads,
            backend: opts.backend,
            packLength: opts.packLength,
            seed: opts.seed,
            evalEvery: opts.evalEvery,
            earlyStoppingPatience: opts.patience,
            checkpointEvery: opts.checkpointEvery,
          }
          result = await startTraining(config, opts.out, { onProgress, signal: controller.signal })
        }
        if (tty) process.stderr.write('\n')
        if (opts.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n')
          return
        }
        const skipped = result.examples.skippedTooLong ? ` · ${result.examples.skippedTooLong} too long (skipped)` : ''
        const cut = result.examples.truncated ? ` · ${result.examples.truncated} truncated` : ''
        process.stdout.write(
          `${result.adapterPath}\n${result.steps} steps · loss ${result.finalLoss?.toFixed(4) ?? '-'}` +
            `${result.finalEvalLoss !== null ? ` · eval ${result.finalEvalLoss.toFixed(4)}` : ''} · ${result.examples.train} pairs${skipped}${cut}` +
            `${result.stoppedEarly ? ' · stopped early' : ''} · ${result.seconds.toFixed(0)} s\n`,
        )
      } catch (err) {
        if (tty) process.stderr.write('\n')
        if (err instanceof SqlstillError && err.code === 'CANCELLED') {
          process.stderr.write(`cancelled; continue with: sqlstill train --out ${opts.out} --resume\n`)
        }
        throw err
      } finally {
        process.off('SIGINT', onSigint)
      }
    })
}
