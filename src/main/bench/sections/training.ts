// LoRA training speed on the synthetic Qwen2.5-0.5B-shaped student (full depth, Q4_K_M as shipped), in its own
// process: training tokens/s, one training step's time ÷ one forward pass over the same tokens (goal ≤ 3.5),
// peak RSS while training, and the export (fuse + Q4_K_M) time.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchFigure, SectionResult } from '../report'
import { syntheticModel } from '../syntheticModels'

const worker = fileURLToPath(new URL('../../core/train/benchWorker.ts', import.meta.url))

export async function benchTraining(threads = 2, seq = 128, batch = 2): Promise<Omit<SectionResult, 'seconds'>> {
  const model = await syntheticModel('0.5b', (l) => process.stdout.write(`  ${l}\n`))
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', worker, '--model', model.path, '--threads', String(threads), '--seq', String(seq), '--batch', String(batch)],
    { encoding: 'utf8', maxBuffer: 16 << 20 },
  )
  const line = run.stdout.trim().split('\n').at(-1) ?? ''
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`training bench worker failed: ${run.stderr.slice(-2000)}`)
  const r = JSON.parse(line) as {
    loadSeconds: number
    tokensPerStep: number
    trainStepSeconds: number
    forwardSeconds: number
    trainTokensPerSecond: number
    trainPeakRssBytes: number
    peakRssBytes: number
    exportSeconds: number | null
    exportBytes: number | null
  }
  const tag = `0.5b ${model.quantization}, rank 8, 7 targets, ${batch}×${seq} tokens`
  const figures: BenchFigure[] = [
    { name: `[${tag}] training throughput`, value: r.trainTokensPerSecond, unit: 'tok/s' },
    {
      name: `[${tag}] training step ÷ forward pass`,
      value: r.trainStepSeconds / r.forwardSeconds,
      unit: '×',
      note: 'forward + backward + AdamW vs forward (with loss) over the same tokens',
      goal: { op: '<=', value: 3.5 },
    },
    { name: `[${tag}] peak RSS while training`, value: r.trainPeakRssBytes / 2 ** 20, unit: 'MiB' },
  ]
  if (r.exportSeconds !== null) figures.push({ name: '[0.5b] export: fuse + quantize to Q4_K_M', value: r.exportSeconds, unit: 's' })
  return { section: 'training', figures, details: { model: model.path, quantization: model.quantization, threads, ...r } }
}
