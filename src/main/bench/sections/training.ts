// LoRA training at real scale: the synthetic Qwen2.5-0.5B-shaped student (full depth, Q4_K_M, Qwen's real tokenizer)
// trained on the prompts a customization really builds for a Spider database. Each measurement runs in its own
// worker process (bench worker), so peak RSS is the trainer's alone. Figures, all from this one run:
// - positions the transformer computes per example, each example alone ("before" packing) vs packed;
// - examples/s and completion tokens/s, alone vs packed (default batch), and the projected wall time of the default
//   customization (1,000 pairs, default epochs and evaluation) from both;
// - peak RSS at ~1,024-token packed sequences (goal ≤ 3 GB) and at the default;
// - throughput with another process keeping one core busy, as a ratio to the quiet run: with the thread governor
//   (the default) and with a fixed thread count (what ggml's spinning threads do without it);
// - without --quick, the same packed training for the 0.6B/1B-class student of each other architecture (Qwen3-0.6B,
//   Llama-3.2-1B, Gemma-3-1B: published shapes, real tokenizers, their own pipeline prompts in their chat form).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { appRoot } from '../../core/platform/paths'
import { BACKEND_FALLBACKS_FROM_SOURCE } from '../../core/train/backendOps'
import { parseTrainConfig } from '../../core/train/config'
import type { BenchWorkerResult } from '../benchWorker'
import type { BenchFigure, SectionResult } from '../report'
import { STUDENT_SHAPES } from '../../core/gguf/synthetic'
import { syntheticModel, syntheticStudent, type StudentShapeKey } from '../syntheticModels'
import { pipelineTrainingInput } from '../trainingData'

const worker = fileURLToPath(new URL('../benchWorker.ts', import.meta.url))
const quick = process.argv.includes('--quick')

/** A Spider database when the shared data is there, else the demo database. */
function benchDatabase(): { path: string; name: string } {
  const spider = join(appRoot(), '..', 'shared', 'data', 'spider', 'database', 'concert_singer', 'concert_singer.sqlite')
  if (existsSync(spider)) return { path: spider, name: 'Spider concert_singer' }
  return { path: join(appRoot(), 'resources', 'demo.sqlite'), name: 'the demo database' }
}

/** SQLSTILL_BENCH_BACKEND=cuda|vulkan|… benchmarks the trainer on that device (scripts/device-check.sh); default CPU. */
const backend = process.env.SQLSTILL_BENCH_BACKEND ?? 'cpu'

function runWorker(args: string[]): BenchWorkerResult {
  const run = spawnSync(process.execPath, ['--import', 'tsx', worker, '--backend', backend, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 })
  const line = run.stdout.trim().split('\n').at(-1) ?? ''
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`training bench worker failed (${args.join(' ')}): ${run.stderr.slice(-2000)}`)
  return JSON.parse(line) as BenchWorkerResult
}

/** Median per-step rates (the first step of a worker builds and allocates the graphs, so it is left out when there are more). */
function rates(r: BenchWorkerResult) {
  const measured = r.steps.length > 1 ? r.steps.slice(1) : r.steps
  const sorted = [...measured].sort((a, b) => a.seconds / a.examples - b.seconds / b.examples)
  const s = sorted[Math.floor(sorted.length / 2)]!
  return {
    examplesPerSecond: s.examples / s.seconds,
    completionTokensPerSecond: s.completionTokens / s.seconds,
    computedPerExample: s.computedTokens / s.examples,
    tokensPerExample: s.exampleTokens / s.examples,
    sequences: s.sequences,
    threads: measured.map((x) => x.threads),
  }
}

/** One core kept busy by another process for as long as fn runs. */
function withCompetingLoad<T>(fn: () => T): T {
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })
  try {
    return fn()
  } finally {
    hog.kill('SIGKILL')
  }
}

/**
 * `training`: everything above. `architectures` (its own section, `npm run bench architectures`): only the packed
 * Qwen2.5-0.5B reference and its evaluation rate, then each other architecture against it, in one run.
 */
export async function benchTraining(options: { architecturesOnly?: boolean } = {}): Promise<Omit<SectionResult, 'seconds'>> {
  const archOnly = options.architecturesOnly === true
  const log = (l: string) => process.stdout.write(`  ${l}\n`)
  const model = await syntheticModel('0.5b', log)
  const db = benchDatabase()
  log(`building training data with the customization pipeline on ${db.name}…`)
  const input = await pipelineTrainingInput(model.path, db.path, quick ? 80 : 160)
  const dir = mkdtempSync(join(tmpdir(), 'sqlstill-bench-train-'))
  try {
    const data = join(dir, 'pairs.json')
    writeFileSync(data, JSON.stringify({ examples: input.examples }))
    const defaults = parseTrainConfig({ baseModel: model.path, examples: input.examples })
    const batch = String(defaults.batchSize)
    const pack = String(defaults.packLength)
    const cores = availableParallelism()

    log(`packed: ${batch} examples a step, ${pack}-token sequences…`)
    const packedRun = runWorker(['--model', model.path, '--data', data, '--batch', batch, '--pack', pack, '--steps', quick ? '2' : '3', ...(archOnly ? [] : ['--export'])])
    const packed = rates(packedRun)
    log('evaluation pass (forward only, packed)…')
    const evalRate = rates(runWorker(['--model', model.path, '--data', data, '--batch', batch, '--pack', pack, '--steps', '2', '--eval'])).examplesPerSecond

    // The default customization: 1,000 training pairs for the default epochs, evaluation every evalEvery steps and
    // at the end on the held-out share (evalFraction 0.1 of the synthesized pairs).
    const pairs = 1000
    const evalPairs = Math.round(pairs * 0.1)
    const steps = Math.ceil(pairs / defaults.batchSize) * defaults.epochs
    const evals = (defaults.evalEvery > 0 ? Math.floor((steps - 1) / defaults.evalEvery) : 0) + 1
    const projectMinutes = (exPerSecond: number, evalPerSecond = evalRate) => ((pairs * defaults.epochs) / exPerSecond + (evals * evalPairs) / evalPerSecond) / 60
    const tag = `0.5b ${model.quantization}, real tokenizer, ${db.name}`
    const figures: BenchFigure[] = [
      { name: `[${tag}] tokens per example`, value: packed.tokensPerExample, unit: 'tok', note: 'prompt + completion' },
      { name: `[${tag}] positions computed per example, packed`, value: packed.computedPerExample, unit: 'tok', note: `${batch} examples a step` },
      { name: `[${tag}] examples/s, packed`, value: packed.examplesPerSecond, unit: 'ex/s' },
      { name: `[${tag}] completion tokens/s, packed`, value: packed.completionTokensPerSecond, unit: 'tok/s' },
      { name: `[${tag}] default customization projected, packed`, value: projectMinutes(packed.examplesPerSecond), unit: 'min', goal: { op: '<=', value: 60 } },
      { name: `[${tag}] peak RSS, default (${pack}-token packing)`, value: packedRun.peakRssBytes / 2 ** 20, unit: 'MiB' },
    ]
    const runs: Record<string, unknown> = { packed: packedRun, evalExamplesPerSecond: evalRate }
    if (!archOnly) {
      log('each example alone (no packing)…')
      const aloneRun = runWorker(['--model', model.path, '--data', data, '--batch', '2', '--steps', '1', '--no-packing', '--threads', String(cores)])
      const alone = rates(aloneRun)
      log('peak RSS at ~1,024-token packed sequences…')
      const small = runWorker(['--model', model.path, '--data', data, '--batch', '8', '--pack', '1024', '--steps', '2'])
      const smallTokens = Math.max(...small.steps.map((s) => s.computedTokens / s.sequences))
      log('with another process keeping one core busy: thread governor, then a fixed thread count…')
      const loadedAuto = rates(withCompetingLoad(() => runWorker(['--model', model.path, '--data', data, '--batch', batch, '--pack', pack, '--steps', quick ? '2' : '3'])))
      const quietSmall = rates(runWorker(['--model', model.path, '--data', data, '--batch', '8', '--steps', '2', '--threads', String(cores)]))
      const loadedFixed = rates(withCompetingLoad(() => runWorker(['--model', model.path, '--data', data, '--batch', '8', '--steps', '2', '--threads', String(cores)])))

      figures.push(
        { name: `[${tag}] positions computed per example, alone`, value: alone.computedPerExample, unit: 'tok' },
        {
          name: `[${tag}] fewer positions computed (alone ÷ packed)`,
          value: alone.computedPerExample / packed.computedPerExample,
          unit: '×',
          goal: { op: '>=', value: 5 },
        },
        { name: `[${tag}] examples/s, alone`, value: alone.examplesPerSecond, unit: 'ex/s' },
        { name: `[${tag}] packed ÷ alone examples/s`, value: packed.examplesPerSecond / alone.examplesPerSecond, unit: '×' },
        { name: `[${tag}] default customization projected, alone`, value: projectMinutes(alone.examplesPerSecond), unit: 'min', note: `${pairs} pairs × ${defaults.epochs} epochs + ${evals} evaluations` },
        { name: `[${tag}] peak RSS, ~${Math.round(smallTokens)}-token packed sequences`, value: small.peakRssBytes / 2 ** 20, unit: 'MiB', goal: { op: '<=', value: 3072 } },
        {
          name: `[${tag}] one core busy elsewhere ÷ quiet, thread governor`,
          value: loadedAuto.examplesPerSecond / packed.examplesPerSecond,
          unit: '×',
          note: `threads used: ${loadedAuto.threads.join(', ')} of ${cores}`,
        },
        {
          name: `[${tag}] one core busy elsewhere ÷ quiet, ${cores} fixed threads`,
          value: loadedFixed.examplesPerSecond / quietSmall.examplesPerSecond,
          unit: '×',
          note: 'batch 8; what spinning threads do without the governor',
        },
      )
      if (packedRun.exportSeconds !== undefined) figures.push({ name: '[0.5b] export: fuse + quantize to Q4_K_M', value: packedRun.exportSeconds, unit: 's' })
      Object.assign(runs, { alone: aloneRun, small, loadedAuto, quietSmall, loadedFixed })
    }

    const architectures: Record<string, BenchWorkerResult> = {}
    if (!quick || archOnly) {
      for (const key of Object.keys(STUDENT_SHAPES) as StudentShapeKey[]) {
        const student = await syntheticStudent(key, log)
        log(`${student.shape.name}: its pipeline prompts, packed training…`)
        const studentInput = await pipelineTrainingInput(student.path, db.path, 2 * defaults.batchSize)
        const studentData = join(dir, `${key}.json`)
        writeFileSync(studentData, JSON.stringify({ examples: studentInput.examples }))
        const run = runWorker(['--model', student.path, '--data', studentData, '--batch', batch, '--pack', pack, '--steps', '2'])
        architectures[key] = run
        const r = rates(run)
        const t = `${key} ${student.quantization}, real tokenizer, chat form`
        figures.push(
          { name: `[${t}] tokens per example`, value: r.tokensPerExample, unit: 'tok' },
          { name: `[${t}] positions computed per example, packed`, value: r.computedPerExample, unit: 'tok' },
          { name: `[${t}] examples/s, packed`, value: r.examplesPerSecond, unit: 'ex/s' },
          { name: `[${t}] examples/s ÷ qwen2.5-0.5b's`, value: r.examplesPerSecond / packed.examplesPerSecond, unit: '×' },
          { name: `[${t}] default customization projected, packed`, value: projectMinutes(r.examplesPerSecond, evalRate * (r.examplesPerSecond / packed.examplesPerSecond)), unit: 'min', note: "evaluation at the 0.5b's rate × the training ratio" },
          { name: `[${t}] peak RSS, default packing`, value: run.peakRssBytes / 2 ** 20, unit: 'MiB' },
        )
      }
    }
    return {
      section: archOnly ? 'architectures' : 'training',
      figures,
      details: {
        model: model.path,
        quantization: model.quantization,
        database: db.path,
        defaults: { batchSize: defaults.batchSize, packLength: defaults.packLength, epochs: defaults.epochs, evalEvery: defaults.evalEvery },
        device: packedRun.device,
        backend,
        // per backend, the training-graph ops that run on the CPU: measured for this run's device, from the source for the others
        fallbackOps: { measured: packedRun.fallbackOps, fromSource: BACKEND_FALLBACKS_FROM_SOURCE },
        runs: { ...runs, architectures },
      },
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
