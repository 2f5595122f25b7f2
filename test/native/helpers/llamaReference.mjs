// Reference logits from node-llama-cpp (llama.cpp's own graph), run in a child process so its copy of the ggml
// backends never shares a process with our addon under test.
// Usage: node llamaReference.mjs '<json: { modelPath, sequences: number[][], lora?: { filePath, scale },
//   greedy?: { prompts: number[][], maxTokens, stopToken? }, tokenize?: string[] }>'   (or the JSON on stdin)
// Prints JSON: { logits: number[][][] (per sequence, position, vocab), greedy?: number[][] (stops after EOS or stopToken), tokens?: number[][] }
import { readFileSync } from 'node:fs'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'

const req = JSON.parse(process.argv[2] ?? readFileSync(0, 'utf8'))
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error })
const model = await llama.loadModel({ modelPath: req.modelPath, gpuLayers: 0 })
const context = await model.createContext({
  contextSize: 512,
  sequences: 1,
  // one thread: tiny models gain nothing from more, and spinning threads crawl on a loaded CI machine
  threads: 1,
  flashAttention: false,
  // F32 cache: the default F16 cache would round K/V and blur a parity check
  experimentalKvCacheKeyType: 'F32',
  experimentalKvCacheValueType: 'F32',
  ...(req.lora ? { lora: { adapters: [{ filePath: req.lora.filePath, scale: req.lora.scale ?? 1 }] } } : {}),
})
const sequence = context.getSequence()
const out = { logits: [] }
if (req.tokenize) out.tokens = req.tokenize.map((text) => Array.from(model.tokenize(text, true)))
for (const tokens of req.sequences) {
  await sequence.clearHistory()
  const input = tokens.map((t) => [t, { generateNext: { logits: true } }])
  const res = await sequence.controlledEvaluate(input)
  out.logits.push(
    res.map((r) => {
      const row = []
      for (const [tok, value] of r.next.logits) row[tok] = value
      return row
    }),
  )
}
if (req.greedy) {
  out.greedy = []
  for (const prompt of req.greedy.prompts) {
    await sequence.clearHistory()
    const generated = []
    let input = prompt
    for (let i = 0; i < req.greedy.maxTokens; i++) {
      const res = await sequence.controlledEvaluate(input.map((t, j) => (j === input.length - 1 ? [t, { generateNext: { logits: true } }] : t)))
      let best = -1
      let bestValue = -Infinity
      for (const [tok, value] of res[input.length - 1].next.logits) {
        if (value > bestValue) {
          bestValue = value
          best = tok
        }
      }
      generated.push(best)
      if (best === model.tokens.eos || best === req.greedy.stopToken) break
      input = [best]
    }
    out.greedy.push(generated)
  }
}
await context.dispose()
await model.dispose()
process.stdout.write(JSON.stringify(out))
