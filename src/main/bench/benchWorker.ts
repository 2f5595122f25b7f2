// Training benchmark worker, in its own process so that peak RSS is the trainer's alone. Trains a few steps on
// prompt/completion pairs (the pipeline's real ones, see bench/trainingData.ts) with the job's own tokenization, and
// prints one JSON line of what it measured.
// Usage: node --import tsx benchWorker.ts --model M --data pairs.json [--batch 32] [--pack 2048] [--steps 2]
//        [--threads auto|N] [--no-packing] [--eval] [--offset K] [--export] [--backend cpu|vulkan|cuda|…]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fuseAndQuantize } from '../core/export/fuse'
import { tokenizeExamples } from '../core/train/data'
import { ThreadGovernor } from '../core/train/cpuShare'
import { prepareTrainBackend, type TrainBackend } from '../core/train/devices'
import { LORA_TARGETS, type TrainExample } from '../core/train/native'
import { withTokenizer } from '../core/train/tokenizer'
import { LoraTrainer } from '../core/train/trainer'

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}

export interface BenchWorkerResult {
  loadSeconds: number
  /** One entry per measured step (or evaluation pass). */
  steps: { seconds: number; examples: number; exampleTokens: number; computedTokens: number; completionTokens: number; sequences: number; threads: number }[]
  peakRssBytes: number
  device: string
  /** Ops the scheduler ran on the CPU instead of the device (empty on the CPU backend). */
  fallbackOps: Record<string, number>
  /** Fuse + quantize to Q4_K_M of the trained adapter (--export). */
  exportSeconds?: number
}

const model = arg('model')!
const data = JSON.parse(readFileSync(arg('data')!, 'utf8')) as { examples: { prompt: string; completion: string }[] }
const batchSize = Number(arg('batch', '32'))
const packLength = Number(arg('pack', '2048'))
const steps = Number(arg('steps', '2'))
const threadsArg = arg('threads', 'auto')!
const packing = !process.argv.includes('--no-packing')
const evalOnly = process.argv.includes('--eval')
const offset = Number(arg('offset', '0'))
const backend = prepareTrainBackend((arg('backend', 'cpu') as TrainBackend))

const tokenized = await withTokenizer(model, (tok) => tokenizeExamples(data.examples, tok, { maxLength: 8192, overLength: 'skip', appendEos: true }))
const examples: TrainExample[] = tokenized.examples.map((e) => ({ tokens: e.tokens, completionStart: e.completionStart }))
const maxLength = Math.max(...examples.map((e) => e.tokens.length))
const maxThreads = threadsArg === 'auto' ? availableParallelism() : Number(threadsArg)
const governor = threadsArg === 'auto' ? new ThreadGovernor(maxThreads) : null

const t0 = performance.now()
const trainer = LoraTrainer.create({ modelPath: model, rank: 8, alpha: 16, targets: LORA_TARGETS, lr: 2e-4, threads: maxThreads, maxLength, packLength, packing, backend, seed: 1 })
const loadSeconds = (performance.now() - t0) / 1000
const result: BenchWorkerResult = { loadSeconds, steps: [], peakRssBytes: 0, device: trainer.deviceInfo().description, fallbackOps: {} }
let threads = maxThreads
for (let i = 0; i < steps; i++) {
  const start = (offset + i * batchSize) % Math.max(1, examples.length - batchSize + 1)
  const batch = examples.slice(start, start + batchSize)
  if (governor && governor.next() !== threads) trainer.setThreads((threads = governor.threads))
  const s = performance.now()
  const r = evalOnly ? trainer.evalLoss(batch) : trainer.trainStep(batch)
  result.steps.push({
    seconds: (performance.now() - s) / 1000,
    examples: batch.length,
    exampleTokens: r.exampleTokens,
    computedTokens: r.computedTokens,
    completionTokens: r.tokens,
    sequences: r.sequences,
    threads,
  })
}
result.peakRssBytes = process.resourceUsage().maxRSS * 1024
result.fallbackOps = trainer.deviceInfo().fallbackOps
if (process.argv.includes('--export')) {
  const dir = mkdtempSync(join(tmpdir(), 'sqlstill-bench-export-'))
  try {
    const adapter = join(dir, 'adapter.gguf')
    trainer.saveAdapter(adapter)
    trainer.dispose()
    result.exportSeconds = fuseAndQuantize({ base: model, adapter, type: 'Q4_K_M', out: join(dir, 'fused.gguf'), threads: maxThreads }).seconds
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
trainer.dispose()
process.stdout.write(JSON.stringify(result) + '\n')
