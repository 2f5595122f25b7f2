import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadedModelCount } from '../../src/main/core/llm/backend'
import { ModelEngine } from '../../src/main/core/llm/engine'
import { readModelInfo } from '../../src/main/core/llm/gguf'
import { SqlstillError } from '../../src/shared/errors'
import { writeSyntheticQwen2 } from '../../src/main/core/gguf/synthetic'
import { noise, writeGguf, writeStoriesLora, type GgufValue } from './ggufWriter'
import { storiesF32, storiesQ8, TEST_THREADS, tempDir } from './models'
import { codeOf } from '../helpers/errors'

const dir = tempDir()
const randomBytes = path.join(dir, 'random.gguf')
const metadataOnly = path.join(dir, 'metadata-only.gguf')
const lora = path.join(dir, 'stories-lora.gguf')

beforeAll(() => {
  writeFileSync(randomBytes, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)))
  writeGguf(metadataOnly, { 'general.architecture': { type: 'string', value: 'llama' } })
  writeStoriesLora(lora)
  mkdirSync(path.join(dir, 'folder.gguf'))
})

describe('GGUF metadata', () => {
  test('reads architecture, parameters, quantization, context length and chat template', async () => {
    const f32 = await readModelInfo(storiesF32)
    const q8 = await readModelInfo(storiesQ8)
    expect(f32).toMatchObject({ architecture: 'llama', quantization: 'F32', contextLength: 512, hasChatTemplate: false })
    expect(q8).toMatchObject({ architecture: 'llama', quantization: 'Q8_0', contextLength: 512 })
    // ~0.29 M parameters, the same weights in both files; Q8_0 is the smaller file.
    expect(f32.parameterCount).toBeGreaterThan(250_000)
    expect(f32.parameterCount).toBeLessThan(330_000)
    expect(q8.parameterCount).toBe(f32.parameterCount)
    expect(q8.sizeBytes).toBeLessThan(f32.sizeBytes)
  })

  test('clear errors: missing file, random bytes, a GGUF without weights, an adapter, a folder', async () => {
    expect(await codeOf(readModelInfo(path.join(dir, 'nope.gguf')))).toBe('NOT_FOUND')
    expect(await codeOf(readModelInfo(randomBytes))).toBe('NOT_A_MODEL')
    expect(await codeOf(readModelInfo(metadataOnly))).toBe('NOT_A_MODEL')
    expect(await codeOf(readModelInfo(lora))).toBe('NOT_A_MODEL')
    expect(await codeOf(readModelInfo(path.join(dir, 'folder.gguf')))).toBe('NOT_A_MODEL')
    expect(await codeOf(ModelEngine.load(randomBytes))).toBe('NOT_A_MODEL')
    expect(await codeOf(ModelEngine.load(path.join(dir, 'nope.gguf')))).toBe('NOT_FOUND')
  })
})

describe('generation on stories260K', () => {
  let engine: ModelEngine
  let baseline: string
  beforeAll(async () => {
    engine = await ModelEngine.load(storiesF32, { contextSize: 512, threads: TEST_THREADS })
    baseline = (await engine.generate('Once upon a time', { maxTokens: 24 })).text
  })
  afterAll(() => engine?.dispose())

  test('greedy generation is coherent and deterministic; text streams in pieces as tokens arrive', async () => {
    // a real, trained model: English words (which ones depends on the CPU kernels ggml picks, so none is named)
    expect(baseline.match(/\b[a-z]+\b/gi)?.length ?? 0).toBeGreaterThan(8)
    const chunks: { text: string; at: number }[] = []
    let tokens = 0
    const result = await engine.generate('Once upon a time', {
      maxTokens: 24,
      onToken: () => tokens++,
      onTextChunk: (text) => chunks.push({ text, at: performance.now() }),
    })
    const finishedAt = performance.now()
    expect(result.text).toBe(baseline)
    expect(chunks.map((c) => c.text).join('')).toBe(result.text)
    expect(chunks.length).toBeGreaterThan(10)
    expect(tokens).toBe(result.generatedTokens)
    expect(chunks[0].at).toBeLessThan(chunks[chunks.length - 1].at)
    expect(chunks[0].at).toBeLessThan(finishedAt)
    expect(result.stopReason).toBe('maxTokens')
    expect(result.generatedTokens).toBe(24)
    expect(result.tokensPerSecond).toBeGreaterThan(0)
  })

  test('stop sequences end generation before the stop text', async () => {
    const result = await engine.generate('Once upon a time', { maxTokens: 100, stop: ['.'] })
    expect(result.stopReason).toBe('stop')
    expect(result.text).not.toContain('.')
    expect(baseline.startsWith(result.text)).toBe(true)
  })

  test('abort mid-generation rejects quickly with CANCELLED, and the engine keeps working', async () => {
    const controller = new AbortController()
    let seen = 0
    const started = performance.now()
    const run = engine.generate('Once upon a time', {
      maxTokens: 400,
      signal: controller.signal,
      onToken: () => {
        if (++seen === 3) controller.abort()
      },
    })
    let error: unknown
    await run.catch((err) => (error = err))
    expect(error).toBeInstanceOf(SqlstillError)
    expect((error as SqlstillError).code).toBe('CANCELLED')
    expect(seen).toBeLessThan(10)
    expect(performance.now() - started).toBeLessThan(5000)
    expect(await codeOf(engine.generate('Once', { signal: AbortSignal.abort() }))).toBe('CANCELLED')
    expect((await engine.generate('Once upon a time', { maxTokens: 24 })).text).toBe(baseline)
  })

  test('a context beyond the training context is clamped; a prompt that does not fit is BAD_REQUEST', async () => {
    const big = await ModelEngine.load(storiesF32, { contextSize: 100_000, threads: TEST_THREADS })
    try {
      expect(big.contextSize).toBe(512)
      expect(big.contextClamped).toBe(true)
      expect(engine.contextClamped).toBe(false)
      // Both engines share one loaded copy of the weights.
      expect(loadedModelCount()).toBe(1)
      const long = 'Once upon a time there was a cat. '.repeat(80)
      expect(await codeOf(big.generate(long))).toBe('BAD_REQUEST')
    } finally {
      await big.dispose()
    }
    expect(await codeOf(ModelEngine.load(storiesF32, { contextSize: 3 }))).toBe('BAD_REQUEST')
  })

  test('chat messages are formatted with a chat wrapper (here the fallback: stories260K has no template)', async () => {
    expect(engine.hasChatTemplate).toBe(false)
    const { tokens } = engine.formatChat([
      { role: 'system', content: 'You write SQL.' },
      { role: 'user', content: 'How many cats are there?' },
    ])
    const text = engine.model.detokenize(tokens)
    expect(text.indexOf('You write SQL.')).toBeGreaterThanOrEqual(0)
    expect(text.indexOf('How many cats are there?')).toBeGreaterThan(text.indexOf('You write SQL.'))
    const r = await engine.generate({ messages: [{ role: 'user', content: 'Once upon a time' }] }, { maxTokens: 8 })
    expect(r.promptTokens).toBeGreaterThan(5)
    expect(r.generatedTokens).toBeGreaterThan(0)
  })

  test('Q8_0 weights load and generate', async () => {
    const q8 = await ModelEngine.load(storiesQ8, { contextSize: 512, threads: TEST_THREADS })
    try {
      const r = await q8.generate('Once upon a time', { maxTokens: 12 })
      expect(r.generatedTokens).toBe(12)
      expect(r.text.length).toBeGreaterThan(10)
    } finally {
      await q8.dispose()
    }
  })

  test('a LoRA adapter changes the output; unloading it restores the baseline', async () => {
    await engine.setAdapter({ path: lora, scale: 1 })
    expect(engine.adapterId).toBe('stories-lora.gguf')
    const adapted = (await engine.generate('Once upon a time', { maxTokens: 24 })).text
    expect(adapted).not.toBe(baseline)
    await engine.setAdapter({ path: lora, scale: 0 })
    expect((await engine.generate('Once upon a time', { maxTokens: 24 })).text).toBe(baseline)
    await engine.setAdapter(null)
    expect(engine.adapter).toBeNull()
    expect((await engine.generate('Once upon a time', { maxTokens: 24 })).text).toBe(baseline)
    // A model file is not an adapter; the engine keeps working without one.
    expect(await codeOf(engine.setAdapter({ path: storiesQ8 }))).toBe('NOT_A_MODEL')
    expect(engine.adapter).toBeNull()
    expect((await engine.generate('Once upon a time', { maxTokens: 24 })).text).toBe(baseline)
    console.log(`baseline: ${JSON.stringify(baseline)}\nwith LoRA: ${JSON.stringify(adapted)}`)
  })
})

describe('prompt form', () => {
  test('a chat-template model is asked in chat form until an adapter fine-tuned on plain text is active', async () => {
    const qwen = path.join(dir, 'qwen2-tiny.gguf')
    writeSyntheticQwen2(
      qwen,
      { name: 'qwen2 tiny', layers: 1, embd: 64, heads: 4, kvHeads: 2, ffn: 128, vocab: 1024, contextLength: 256, ropeFreqBase: 1_000_000, tiedEmbeddings: true },
      'F32',
    )
    const adapter = (file: string, extra: Record<string, GgufValue>) => {
      writeGguf(
        path.join(dir, file),
        {
          'general.architecture': { type: 'string', value: 'qwen2' },
          'general.type': { type: 'string', value: 'adapter' },
          'adapter.type': { type: 'string', value: 'lora' },
          'adapter.lora.alpha': { type: 'f32', value: 4 },
          ...extra,
        },
        [
          { name: 'blk.0.attn_q.weight.lora_a', ne: [64, 4], data: noise(256, 1, 0.1) },
          { name: 'blk.0.attn_q.weight.lora_b', ne: [4, 64], data: noise(256, 2, 0.1) },
        ],
      )
      return path.join(dir, file)
    }
    const ours = adapter('qwen-sqlstill.gguf', { 'sqlstill.prompt.form': { type: 'string', value: 'completion' } })
    const foreign = adapter('qwen-foreign.gguf', {})
    const chat = await ModelEngine.load(qwen, { contextSize: 256, threads: TEST_THREADS })
    try {
      expect(chat.hasChatTemplate).toBe(true)
      expect(chat.promptForm).toBe('chat')
      await chat.setAdapter({ path: ours })
      expect(chat.promptForm).toBe('completion')
      // an adapter that does not say how it was trained leaves the model's own form
      await chat.setAdapter({ path: foreign })
      expect(chat.promptForm).toBe('chat')
      // a failed switch keeps the previous adapter and its form
      await chat.setAdapter({ path: ours })
      expect(await codeOf(chat.setAdapter({ path: lora }))).toBe('NOT_A_MODEL')
      expect(chat.adapterId).toBe('qwen-sqlstill.gguf')
      expect(chat.promptForm).toBe('completion')
      await chat.setAdapter(null)
      expect(chat.promptForm).toBe('chat')
    } finally {
      await chat.dispose()
    }
    // without a template, plain text is the only form
    const plain = await ModelEngine.load(storiesF32, { contextSize: 64, threads: TEST_THREADS })
    try {
      expect(plain.promptForm).toBe('completion')
    } finally {
      await plain.dispose()
    }
  })
})
