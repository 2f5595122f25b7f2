// A chat-template student is trained in the chat form it is used in: its own template renders the prompt (the loss
// on the assistant's reply and its end-of-turn token only), the adapter and the fused export record the form, and
// the export answers through node-llama-cpp's chat session with the model's template and through `sqlstill serve`'s
// /v1/chat/completions, as in Ollama, LM Studio or llama-server chat.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getLlama, LlamaChatSession, LlamaLogLevel } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { completionFor } from '../../src/main/core/distill/pipeline/studentPrompt'
import { fuseAndQuantize } from '../../src/main/core/export/fuse'
import { STUDENT_SHAPES, writeSyntheticModel, type ModelShape } from '../../src/main/core/gguf/synthetic'
import { ModelEngine } from '../../src/main/core/llm'
import type { ChatExample } from '../../src/main/core/train/config'
import { loadPairsJsonl } from '../../src/main/core/train/dataset'
import { tokenizeExamples } from '../../src/main/core/train/data'
import { startTraining } from '../../src/main/core/train/job'
import { LORA_TARGETS, readGgufMetadata } from '../../src/main/core/train/native'
import { withTokenizer } from '../../src/main/core/train/tokenizer'
import { tempDir } from '../helpers/paths'
import { shortSpiderPairs } from '../helpers/spiderPairs'
import { startWebHost, type RunningHost } from '../helpers/webHost'

// A tiny qwen3 whose byte-level vocabulary carries <|im_start|>/<|im_end|> and a ChatML template; untied, so the
// LoRA may adapt the head (a random model's head cannot single out the SQL's tokens otherwise).
const SHAPE: ModelShape = { ...STUDENT_SHAPES['qwen3-0.6b'], layers: 2, embd: 64, heads: 4, kvHeads: 2, headDim: 32, ffn: 128, vocab: 1024, tiedEmbeddings: false, name: 'tiny chat qwen3' }
const SYSTEM = 'Write one SQLite query.'
const N = 30

const dir = tempDir('sqlstill-chat-form-')
const base = join(dir, 'student.gguf')
const pairs = shortSpiderPairs(N)
const examples: ChatExample[] = pairs.map((p) => ({
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: p.question },
  ],
  completion: completionFor(p.sql, undefined, false, 'chat'),
}))

beforeAll(() => {
  writeSyntheticModel(base, SHAPE, 'F32', undefined, { outputNormMean: 6, seed: 2 })
})

describe('training in the chat form', () => {
  it('renders the prompt with the model template as inference does, the loss on the reply and its end-of-turn token', async () => {
    const engine = await ModelEngine.load(base)
    let inference: number[]
    try {
      expect(engine.promptForm).toBe('chat')
      inference = engine.formatChat(examples[0]!.messages).tokens.map(Number)
    } finally {
      await engine.dispose()
    }
    await withTokenizer(base, (tok) => {
      const [ex] = tokenizeExamples([examples[0]!], tok, { maxLength: 512, overLength: 'skip', appendEos: true }).examples
      expect(ex!.tokens.slice(0, ex!.completionStart)).toEqual(inference)
      const reply = ex!.tokens.slice(ex!.completionStart)
      expect(reply.at(-1)).toBe(tok.eot)
      expect(reply.slice(0, -1)).toEqual(tok.reply!(examples[0]!.completion))
    })
    // one form per dataset: a mix is refused before any work
    await expect(startTraining({ baseModel: base, examples: [examples[0]!, { prompt: 'x', completion: 'y' }] }, join(dir, 'mixed'))).rejects.toThrow(/mix the chat form/)
  })

  describe('a student trained on chat-form examples, exported fused', () => {
    const fused = join(dir, 'student-sql.gguf')
    let host: RunningHost | undefined

    beforeAll(async () => {
      // through the JSONL reader the CLI uses, so its chat lines are read as the trainer takes them
      const data = join(dir, 'chat.jsonl')
      writeFileSync(data, examples.map((e) => JSON.stringify(e)).join('\n') + '\n')
      const result = await startTraining(
        {
          baseModel: base,
          examples: loadPairsJsonl(data),
          targets: [...LORA_TARGETS, 'output'],
          rank: 16,
          alpha: 32,
          learningRate: 1e-2,
          minLrRatio: 0.2,
          epochs: 100,
          batchSize: 10,
          maxLength: 256,
          // one thread: for a model this small ggml's threads would only wait on each other
          threads: 1,
          seed: 4,
        },
        join(dir, 'train'),
      )
      console.log(`chat-form training: final loss ${result.finalLoss?.toFixed(4)} after ${result.steps} steps, ${result.seconds.toFixed(0)} s`)
      expect(readGgufMetadata(result.adapterPath).metadata['sqlstill.prompt.form']).toBe('chat')
      fuseAndQuantize({ base, adapter: result.adapterPath, type: 'F32', out: fused })
      expect(readGgufMetadata(fused).metadata['sqlstill.prompt.form']).toBe('chat')
    }, 600_000)

    afterAll(async () => {
      await host?.stop()
    })

    it("answers the trained SQL through node-llama-cpp's chat session with the model's own template", { timeout: 300_000 }, async () => {
      const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error })
      const model = await llama.loadModel({ modelPath: fused })
      // one thread, as ModelEngine picks for a small model: the library's default spins 4 threads on 2 cores (~250 ms a token)
      const context = await model.createContext({ contextSize: 512, threads: 1 })
      let exact = 0
      try {
        for (const [i, e] of examples.entries()) {
          const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: SYSTEM, autoDisposeSequence: true })
          const answer = await session.prompt(pairs[i]!.question, { maxTokens: 96 })
          session.dispose()
          if (answer === e.completion) exact++
          else console.log(`chat session: ${JSON.stringify(answer)} (trained: ${JSON.stringify(e.completion)})`)
        }
      } finally {
        await context.dispose()
        await model.dispose()
      }
      console.log(`chat session: ${exact}/${N} exact trained replies`)
      expect(exact).toBeGreaterThanOrEqual(27)
    })

    it('answers the trained SQL through sqlstill serve /v1/chat/completions', { timeout: 300_000 }, async () => {
      host = await startWebHost({ args: ['--model', fused, '--no-demo'] })
      let exact = 0
      for (const [i, e] of examples.entries()) {
        const res = await fetch(`${host.origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${host.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ messages: e.messages, max_tokens: 96 }),
        })
        expect(res.status).toBe(200)
        const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] }
        const [choice] = body.choices
        if (choice!.message.content === e.completion && choice!.finish_reason === 'stop') exact++
        else console.log(`serve: ${JSON.stringify(choice)} (trained: ${JSON.stringify(e.completion)}; question ${pairs[i]!.question})`)
      }
      console.log(`serve /v1/chat/completions: ${exact}/${N} exact trained replies, stopped by the end of turn`)
      expect(exact).toBeGreaterThanOrEqual(27)
    })
  })
})
