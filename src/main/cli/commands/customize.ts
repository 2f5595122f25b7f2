// `sqlstill customize DB --model STUDENT`: teacher → filtered dataset → LoRA adapter → base vs customized, in a
// run folder that `--resume DIR` continues after Ctrl-C or a crash. Stage progress goes to stderr, the summary
// to stdout.
import { parsePostgresUrl, splitPostgresPassword } from '../../../shared/engine'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { historyPairs, isStageBoundary } from '../../../shared/customize'
import { SqlstillError } from '../../../shared/errors'
import { AskHistory } from '../../core/ask/history'
import {
  readManifest,
  resumeCustomization,
  runCustomization,
  teacherForResume,
  type CustomizeProgress,
  type CustomizeResult,
  type UserPair,
} from '../../core/distill/pipeline'
import { defaultDataDir } from '../../core/platform/paths'
import { userExamples } from '../../core/ask/promptPolicy'
import { createTeacher } from '../../core/teacher/create'
import { parseTeacherSpec } from '../../core/teacher/spec'
import type { Teacher } from '../../core/teacher/types'
import { ALL_LORA_TARGETS } from '../../core/train/native'
import { TRAIN_BACKENDS, type TrainBackend } from '../../core/train/devices'
import type { HardnessMix } from '../../core/teacher/synthesizer'
import { DATABASE_ARGUMENT_HELP, parseFraction, parseInteger, parseList, parsePositiveInt, parsePositiveNumber, parseTrainBackend } from '../parse'

interface CustomizeCliOptions {
  teacher: string
  model?: string
  rules?: string
  examples?: string
  n: number
  out?: string
  resume?: string
  k: number
  jury: boolean
  seed: number
  evalFraction: number
  epochs?: number
  maxSteps?: number
  kid?: number
  planTargets?: boolean
  history: boolean
  evaluate: boolean
  rank?: number
  alpha?: number
  lr?: number
  batch?: number
  maxLength?: number
  backend?: TrainBackend
  threads?: number
  targets?: string[]
  mix?: Partial<HardnessMix>
  tables?: string[]
}

/** One {"question","sql"} object per line. */
export function readPairsFile(file: string): UserPair[] {
  const abs = resolve(file)
  if (!existsSync(abs)) throw new SqlstillError('NOT_FOUND', `${abs} does not exist.`, { path: abs })
  const out: UserPair[] = []
  readFileSync(abs, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return
      let v: { question?: unknown; sql?: unknown }
      try {
        v = JSON.parse(line)
      } catch {
        throw new SqlstillError('BAD_REQUEST', `${abs}:${i + 1} is not JSON.`, { path: abs, line: i + 1 })
      }
      if (typeof v.question !== 'string' || typeof v.sql !== 'string') {
        throw new SqlstillError('BAD_REQUEST', `${abs}:${i + 1} needs "question" and "sql" strings.`, { path: abs, line: i + 1 })
      }
      out.push({ question: v.question, sql: v.sql })
    })
  return out
}

function parseTargets(value: string): string[] {
  const targets = parseList(value)
  const unknown = targets.filter((t) => !(ALL_LORA_TARGETS as readonly string[]).includes(t))
  if (unknown.length || !targets.length) throw new InvalidArgumentError(`expected a comma list of ${ALL_LORA_TARGETS.join(', ')}`)
  return targets
}

const HARDNESS_LEVELS = ['easy', 'medium', 'hard', 'extra'] as const

/** "easy=3,medium=1" → relative weights of the synthesizer's difficulty levels. */
export function parseMix(value: string): Partial<HardnessMix> {
  const mix: Partial<HardnessMix> = {}
  for (const part of parseList(value)) {
    const [level, weight] = part.split('=').map((x) => x.trim())
    if (!(HARDNESS_LEVELS as readonly string[]).includes(level!) || weight === undefined || !(Number(weight) >= 0)) {
      throw new InvalidArgumentError('expected level=weight pairs, e.g. easy=3,medium=1 (levels: easy, medium, hard, extra)')
    }
    mix[level as (typeof HARDNESS_LEVELS)[number]] = Number(weight)
  }
  if (!Object.values(mix).some((w) => w! > 0)) throw new InvalidArgumentError('at least one level needs a weight above 0')
  return mix
}

function progressPrinter(): (p: CustomizeProgress) => void {
  let lastStage = ''
  let lastShown = 0
  return (p) => {
    const now = Date.now()
    const boundary = p.stage !== lastStage || isStageBoundary(p)
    if (!boundary && now - lastShown < 2000) return
    lastStage = p.stage
    lastShown = now
    const count = p.total ? ` ${p.done}/${p.total}` : ''
    process.stderr.write(`[${p.stage}]${count}${p.message ? ` ${p.message}` : ''}\n`)
  }
}

function summary(result: CustomizeResult): string {
  const m = result.manifest
  const lines = [`run: ${result.outDir}`]
  for (const [name, s] of Object.entries(m.stages)) {
    const drops = Object.entries(s.dropped ?? {}).map(([k, v]) => `${k}: ${v}`)
    lines.push(`  ${name.padEnd(9)} ${s.status}${s.in !== undefined ? ` in ${s.in} out ${s.out}` : ''}${drops.length ? ` (${drops.join(', ')})` : ''}`)
    for (const [f, c] of Object.entries(s.filters ?? {})) {
      const reasons = Object.entries(c.reasons).map(([k, v]) => `${k}: ${v}`)
      lines.push(`    ${f.padEnd(15)} ${c.pass}/${c.in}${reasons.length ? ` (${reasons.join(', ')})` : ''}`)
    }
  }
  if (result.adapterPath) lines.push(`adapter: ${result.adapterPath}`)
  if (result.evaluation) {
    const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`)
    const { base, customized } = result.evaluation
    lines.push(`eval (all): ${pct(base.all)} → ${pct(customized.all)}; your examples: ${pct(base.userItems)} → ${pct(customized.userItems)}`)
  }
  if (result.decision) lines.push(`decision: ${result.decision.activate ? 'better' : 'not activated'} — ${result.decision.reason}`)
  return lines.join('\n') + '\n'
}

export function register(program: Command): void {
  program
    .command('customize')
    .description('customize the student on one database: teacher data → filtered dataset → LoRA adapter → evaluation')
    .argument('[db]', `the database to customize for (not needed with --resume): ${DATABASE_ARGUMENT_HELP}`)
    .option('--teacher <spec>', 'synth | local:PATH.gguf | openai:URL[#model]', 'synth')
    .option('--model <path>', 'the student GGUF to customize')
    .option('--rules <file>', 'business rules for this database, one per line')
    .option('--examples <file>', 'reference pairs (JSONL: {"question","sql"} per line); always in train and eval')
    .option('--n <n>', 'target number of training pairs', parsePositiveInt, 1000)
    .option('--out <dir>', 'run folder (default customize-<db name>)')
    .option('--resume <dir>', 'continue the run in this folder')
    .option('--k <n>', 'teacher samples per question (self-consistency)', parsePositiveInt, 3)
    .option('--no-jury', 'skip the LLM jury filter')
    .option('--seed <n>', 'seed for synthesis and the train/eval split', parseInteger, 42)
    .option('--eval-fraction <x>', 'share of synthetic pairs held out for evaluation', parseFraction, 0.1)
    .option('--epochs <n>', 'training epochs', parsePositiveInt)
    .option('--max-steps <n>', 'stop training after N optimizer steps', parsePositiveInt)
    .option('--kid <alpha>', 'knowledge distillation with imperfect data: replace this share of completion inputs', parseFraction)
    .option('--plan-targets', 'experiment: train "-- plan: …" lines before the SQL (Struct-SQL)')
    .option('--rank <n>', 'LoRA rank', parsePositiveInt)
    .option('--alpha <x>', 'LoRA alpha (scale = alpha / rank)', parsePositiveNumber)
    .option('--lr <x>', 'learning rate', parsePositiveNumber)
    .option('--batch <n>', 'examples per optimizer step (packed: they share the schema prompt)', parsePositiveInt)
    .option('--max-length <tokens>', 'longest prompt + SQL to train on (default: the longest example, within the student’s context); longer ones are counted and left out', parsePositiveInt)
    .option('--threads <n>', 'CPU threads for training', parsePositiveInt)
    .option('--backend <name>', `where to train: ${TRAIN_BACKENDS.join(' | ')} (default auto: a GPU when there is one)`, parseTrainBackend)
    .option('--targets <list>', `LoRA targets, comma separated (${ALL_LORA_TARGETS.join(', ')})`, parseTargets)
    .option('--mix <weights>', 'synthesizer difficulty mix, e.g. easy=3,medium=1', parseMix)
    .option('--tables <list>', 'synthesize questions about these tables only (comma separated)', parseList)
    .option('--no-history', 'do not use the answers marked right or corrected in the app history (as pairs and as prompt examples)')
    .option('--no-evaluate', 'skip the base-vs-customized evaluation')
    .action(async (db: string | undefined, opts: CustomizeCliOptions) => {
      const controller = new AbortController()
      const onSigint = (): void => {
        process.stderr.write('\nstopping (finished items are kept)…\n')
        controller.abort()
      }
      process.once('SIGINT', onSigint)
      let teacher: Teacher | 'synth' = 'synth'
      const deps = { signal: controller.signal, onProgress: progressPrinter(), skipEvaluate: !opts.evaluate }
      let outDir = opts.resume ?? opts.out
      try {
        let result: CustomizeResult
        if (opts.resume) {
          teacher = await teacherForResume(readManifest(resolve(opts.resume)), (config) => createTeacher(config))
          result = await resumeCustomization(opts.resume, { ...deps, ...(teacher !== 'synth' ? { teacher } : {}) })
        } else {
          if (!db) throw new SqlstillError('BAD_REQUEST', 'Name the database to customize (or --resume DIR).')
          if (!opts.model) throw new SqlstillError('BAD_REQUEST', '--model (the student GGUF) is required.')
          const config = parseTeacherSpec(opts.teacher)
          if (config) teacher = await createTeacher(config)
          // the app's history as the app's customize.start uses it: its verdicts as pairs, its examples in the prompt
          // a server URL as it is (the run keeps it without its password), a file path made absolute
          const server = parsePostgresUrl(db)
          const dbPath = server ? db : resolve(db)
          const historyKey = server ? splitPostgresPassword(db).url : dbPath
          const history = opts.history ? new AskHistory(defaultDataDir()) : null
          const fromHistory = history ? historyPairs(history.list(historyKey)) : { addRef: [], fixIt: [] }
          const rules = opts.rules ? readFileSync(resolve(opts.rules), 'utf8') : undefined
          const name = server ? server.database : resolve(db).split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '')
          outDir = opts.out ?? `customize-${name}`
          result = await runCustomization(
            {
              dbPath,
              outDir,
              teacher,
              ...(config ? { teacherConfig: config } : {}),
              studentModel: resolve(opts.model),
              rules,
              addRef: [...(opts.examples ? readPairsFile(opts.examples) : []), ...fromHistory.addRef],
              fixIt: fromHistory.fixIt,
              promptExamples: history ? userExamples(history, historyKey) : [],
              n: opts.n,
              k: opts.k,
              jury: opts.jury,
              seed: opts.seed,
              evalFraction: opts.evalFraction,
              train: {
                epochs: opts.epochs,
                maxSteps: opts.maxSteps,
                kid: opts.kid !== undefined ? { alpha: opts.kid } : undefined,
                ...(opts.planTargets ? { planTargets: true } : {}),
                rank: opts.rank,
                alpha: opts.alpha,
                learningRate: opts.lr,
                batchSize: opts.batch,
                maxLength: opts.maxLength,
                threads: opts.threads,
                backend: opts.backend,
                ...(opts.targets ? { targets: opts.targets } : {}),
              },
              ...(opts.mix || opts.tables ? { synthesis: { ...(opts.mix ? { mix: opts.mix } : {}), ...(opts.tables ? { tables: opts.tables } : {}) } } : {}),
            },
            deps,
          )
        }
        process.stdout.write(summary(result))
      } catch (err) {
        if (err instanceof SqlstillError && err.code === 'CANCELLED' && outDir) {
          process.stderr.write(`cancelled; continue with: sqlstill customize --resume ${outDir}\n`)
        }
        throw err
      } finally {
        process.off('SIGINT', onSigint)
        if (teacher !== 'synth') await teacher.close()
      }
    })
}
