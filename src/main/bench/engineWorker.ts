// One model per process, so peak RSS belongs to that model alone. Measures, in this order and in this one
// process: node-llama-cpp's lowest-level API (a context sequence, evaluate tokens directly), then our engine
// on the same model, threads and tokens; then the schema-prefix cache and end-to-end `ask` on the demo
// database. Prints one JSON line.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Token } from 'node-llama-cpp'
import { ask } from '../core/ask/ask'
import { openDatabase } from '../core/db'
import { ModelEngine } from '../core/llm'
import { demoDatabasePath, resourcesDir } from '../core/platform/paths'
import { buildPrompt } from '../core/prompt'
import { percentile } from './report'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!)
const modelPath = args.get('model')!
const threads = Number(args.get('threads') ?? 2)
const promptLength = Number(args.get('prompt') ?? 128)
const decodeTokens = Number(args.get('decode') ?? 24)
const askQuestions = Number(args.get('questions') ?? 20)
const askMaxTokens = Number(args.get('ask-max-tokens') ?? 24)
const contextSize = 2048
const rounds = Number(args.get('rounds') ?? 3)

const now = () => performance.now()

/** node-llama-cpp's lowest level on the same loaded weights and threads: a context sequence fed tokens directly. */
async function baseline(engine: ModelEngine, tokens: Token[]) {
  const context = await engine.model.createContext({ contextSize, threads, sequences: 1 })
  const sequence = context.getSequence()
  // Same definitions as our engine reports: prompt time = until the first generated token; decode = after it.
  const t0 = now()
  let generated = 0
  let firstAt = 0
  for await (const _token of sequence.evaluate(tokens, { temperature: 0 })) {
    if (++generated === 1) firstAt = now()
    if (generated >= decodeTokens) break
  }
  const ppMs = firstAt - t0
  const decodeMs = now() - firstAt
  await context.dispose()
  return { ppTokensPerSecond: tokens.length / (ppMs / 1000), decodeTokensPerSecond: (generated - 1) / (decodeMs / 1000) }
}

const median = (values: number[]) => percentile(values, 50)

async function main() {
  const ours = await ModelEngine.load(modelPath, { contextSize, threads, backend: 'cpu' })
  const vocab = ours.model.tokenize('SELECT name , count ( * ) FROM tracks JOIN albums ON tracks.album_id = albums.album_id GROUP BY 1 ORDER BY 2 DESC ; ')
  const tokens = Array.from({ length: promptLength }, (_, i) => vocab[i % vocab.length]!) as Token[]

  // Alternate the two paths over a few rounds so drift in machine load hits both alike; report medians.
  const base = { pp: [] as number[], decode: [] as number[] }
  const mine = { pp: [] as number[], decode: [] as number[] }
  for (let round = 0; round < rounds; round++) {
    const b = await baseline(ours, tokens)
    base.pp.push(b.ppTokensPerSecond)
    base.decode.push(b.decodeTokensPerSecond)
    // Prompt processing: generate exactly one token, so the time is the prompt's evaluation plus one sample.
    const pp = await ours.generate({ tokens }, { maxTokens: 1, reusePrefix: false })
    const decode = await ours.generate({ tokens }, { maxTokens: decodeTokens, reusePrefix: false })
    mine.pp.push(tokens.length / (pp.timeToFirstTokenMs / 1000))
    mine.decode.push(decode.tokensPerSecond)
  }
  const baselineFigures = { ppTokensPerSecond: median(base.pp), decodeTokensPerSecond: median(base.decode) }
  const engineFigures = { ppTokensPerSecond: median(mine.pp), decodeTokensPerSecond: median(mine.decode) }

  // Schema prefix cache: the same demo-database prompt with a different question, cached vs not.
  const db = await openDatabase(demoDatabasePath())
  const schema = await db.schema()
  const promptFor = (question: string) => {
    const built = buildPrompt({ schema, question, link: { budgetTokens: 400, countTokens: ours.tokenCounter } })
    return ours.promptForm === 'chat' ? { messages: built.messages } : built.completion
  }
  // Linking depends on the question, so both questions name the same tables and the schema part is identical.
  await ours.generate(promptFor('How many tracks does each album have?'), { maxTokens: 1, reusePrefix: false })
  const cached = await ours.generate(promptFor('Which album has the most tracks?'), { maxTokens: 1 })
  const uncached = await ours.generate(promptFor('Which album has the most tracks?'), { maxTokens: 1, reusePrefix: false })

  // End-to-end ask on the demo database.
  const questions = (JSON.parse(readFileSync(join(resourcesDir(), 'demo-questions.json'), 'utf8')) as { questions: { question: string }[] }).questions.slice(0, askQuestions)
  const askMs: number[] = []
  for (const q of questions) {
    const t = now()
    await ask({ generator: ours, db, question: q.question, maxTokens: askMaxTokens, schemaBudget: 400 })
    askMs.push(now() - t)
  }
  await db.close()
  await ours.dispose()

  process.stdout.write(
    JSON.stringify({
      baseline: baselineFigures,
      engine: engineFigures,
      prefix: { cachedTtftMs: cached.timeToFirstTokenMs, uncachedTtftMs: uncached.timeToFirstTokenMs, reused: cached.reusedPromptTokens, promptTokens: cached.promptTokens },
      ask: { questions: askMs.length, p50Ms: percentile(askMs, 50), p90Ms: percentile(askMs, 90), maxTokens: askMaxTokens },
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    }) + '\n',
  )
}

await main()
