// Training benchmark worker (own process, so peak RSS is the trainer's): times training steps against forward-only
// passes over the same tokens, then the export (fuse + Q4_K_M). Prints one JSON line.
// Usage: node --import tsx benchWorker.ts --model M [--threads N] [--seq 128] [--batch 2] [--steps 3] [--no-export]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fuseAndQuantize } from '../export/fuse'
import { LORA_TARGETS } from './native'
import { LoraTrainer } from './trainer'

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}

const model = arg('model')!
const threads = Number(arg('threads', '2'))
const seq = Number(arg('seq', '128'))
const batchSize = Number(arg('batch', '2'))
const steps = Number(arg('steps', '3'))
const doExport = !process.argv.includes('--no-export')

const t0 = performance.now()
const trainer = LoraTrainer.create({ modelPath: model, rank: 8, alpha: 16, targets: LORA_TARGETS, lr: 1e-4, threads, maxLength: seq, seed: 1 })
const loadSeconds = (performance.now() - t0) / 1000
const nVocab = trainer.info().hparams.nVocab
let s = 12345
const nextToken = () => {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0
  return 300 + (s % Math.min(nVocab - 300, 20000))
}
const batch = Array.from({ length: batchSize }, () => ({ tokens: Array.from({ length: seq }, nextToken), completionStart: Math.floor(seq / 4) }))
const tokens = batchSize * seq

// first calls build and allocate the graphs
trainer.trainStep(batch)
trainer.evalLoss(batch)
const time = (fn: () => void) => {
  const start = performance.now()
  fn()
  return (performance.now() - start) / 1000
}
const train: number[] = []
const forward: number[] = []
for (let i = 0; i < steps; i++) {
  forward.push(time(() => trainer.evalLoss(batch)))
  train.push(time(() => trainer.trainStep(batch)))
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
const trainRss = process.resourceUsage().maxRSS * 1024

let exportSeconds: number | null = null
let exportBytes: number | null = null
if (doExport) {
  const dir = mkdtempSync(join(tmpdir(), 'sqlstill-bench-train-'))
  try {
    const adapter = join(dir, 'adapter.gguf')
    trainer.saveAdapter(adapter)
    trainer.dispose()
    const r = fuseAndQuantize({ base: model, adapter, type: 'Q4_K_M', out: join(dir, 'fused-q4_k_m.gguf'), threads })
    exportSeconds = r.seconds
    exportBytes = r.bytes
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

process.stdout.write(
  JSON.stringify({
    loadSeconds,
    tokensPerStep: tokens,
    trainStepSeconds: median(train),
    forwardSeconds: median(forward),
    trainTokensPerSecond: tokens / median(train),
    trainPeakRssBytes: trainRss,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    exportSeconds,
    exportBytes,
  }) + '\n',
)
