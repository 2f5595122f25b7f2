// Inference speed and memory of the student, per synthetic size, each in its own process (engineWorker.ts):
// our engine vs node-llama-cpp's lowest-level API (overhead ratio, goal ≤ 1.05), vs the memory-bandwidth
// roof, the schema prefix cache, peak RSS, and end-to-end `ask` latency on the demo database.
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { measureMemcpyBandwidth } from '../bandwidth'
import type { BenchFigure, SectionResult } from '../report'
import { syntheticModel, type SyntheticSize } from '../syntheticModels'

const worker = fileURLToPath(new URL('../engineWorker.ts', import.meta.url))

// End-to-end ask runs 20 demo questions on the 0.5B student; the 1.5B gets a few, as its decode is ~3× slower.
const ASK_QUESTIONS: Record<SyntheticSize, number> = { '0.5b': 20, '1.5b': 4 }

export async function benchEngine(sizes: SyntheticSize[] = ['0.5b', '1.5b'], threads = 2): Promise<Omit<SectionResult, 'seconds'>> {
  const figures: BenchFigure[] = []
  const details: Record<string, unknown> = {}
  const bandwidth = measureMemcpyBandwidth().gbPerSecond
  for (const size of sizes) {
    const model = await syntheticModel(size, (l) => process.stdout.write(`  ${l}\n`))
    const run = spawnSync(process.execPath, ['--import', 'tsx', worker, '--model', model.path, '--threads', String(threads), '--questions', String(ASK_QUESTIONS[size])], {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    })
    const line = run.stdout.trim().split('\n').at(-1) ?? ''
    if (run.status !== 0 || !line.startsWith('{')) throw new Error(`engine worker failed for ${size}: ${run.stderr.slice(-2000)}`)
    const r = JSON.parse(line) as {
      baseline: { ppTokensPerSecond: number; decodeTokensPerSecond: number }
      engine: { ppTokensPerSecond: number; decodeTokensPerSecond: number }
      prefix: { cachedTtftMs: number; uncachedTtftMs: number; reused: number; promptTokens: number }
      ask: { questions: number; p50Ms: number; p90Ms: number }
      peakRssBytes: number
    }
    // Decoding reads every weight once per token (the tied output head reads the embedding matrix too).
    const weightBytes = statSync(model.path).size
    const roof = (bandwidth * 1e9) / weightBytes
    const tag = `${size} ${model.quantization}`
    figures.push(
      { name: `[${tag}] decode, our engine`, value: r.engine.decodeTokensPerSecond, unit: 'tok/s' },
      { name: `[${tag}] decode, node-llama-cpp low-level`, value: r.baseline.decodeTokensPerSecond, unit: 'tok/s' },
      { name: `[${tag}] decode overhead (low-level ÷ ours)`, value: r.baseline.decodeTokensPerSecond / r.engine.decodeTokensPerSecond, unit: '×', goal: { op: '<=', value: 1.05 } },
      { name: `[${tag}] prompt processing, our engine`, value: r.engine.ppTokensPerSecond, unit: 'tok/s' },
      { name: `[${tag}] prompt overhead (low-level ÷ ours)`, value: r.baseline.ppTokensPerSecond / r.engine.ppTokensPerSecond, unit: '×', goal: { op: '<=', value: 1.05 } },
      { name: `[${tag}] decode ÷ bandwidth roof`, value: r.engine.decodeTokensPerSecond / roof, unit: '×', note: `roof ${roof.toFixed(1)} tok/s = ${bandwidth.toFixed(1)} GB/s ÷ ${(weightBytes / 1e9).toFixed(2)} GB` },
      { name: `[${tag}] schema prefix cache TTFT (cached ÷ uncached)`, value: r.prefix.cachedTtftMs / r.prefix.uncachedTtftMs, unit: '×', note: `${r.prefix.reused}/${r.prefix.promptTokens} prompt tokens reused` },
      { name: `[${tag}] peak RSS while answering`, value: r.peakRssBytes / 2 ** 20, unit: 'MiB' },
      { name: `[${tag}] ask latency p50 (demo db, ${r.ask.questions} questions)`, value: r.ask.p50Ms, unit: 'ms' },
    )
    details[size] = { model: model.path, weightBytes, bandwidthGBs: bandwidth, ...r }
  }
  return { section: 'engine', figures, details }
}
