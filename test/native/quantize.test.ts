// quantizeModel (llama_model_quantize from node-llama-cpp's libllama), separate input/label tokens, and the AdamW
// state accessors used by checkpoints.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadNative, quantizeModel, readGgufMetadata } from '../../src/main/core/train/native'
import { createTrainer } from '../../src/main/core/train/trainer'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt, storiesF32 } from './helpers/native'

beforeAll(() => ensureNativeBuilt())

describe('quantizeModel', () => {
  it('writes each type through a temporary file and falls back per tensor where rows do not fit', () => {
    const dir = tempDir()
    for (const [type, tensorType] of [['Q8_0', 'q8_0'], ['Q4_0', 'q4_0'], ['F16', 'f16']] as const) {
      const out = join(dir, `${type}.gguf`)
      quantizeModel(storiesF32, out, type, 1)
      const meta = readGgufMetadata(out)
      expect(meta.tensors.find((t) => t.name === 'blk.0.ffn_up.weight')!.type).toBe(tensorType)
    }
    // 64-wide rows cannot be Q4_K (256-element blocks): llama.cpp picks a fallback type itself
    const k = join(dir, 'q4km.gguf')
    loadNative().quantizeModel(storiesF32, k, 'Q4_K_M', 1)
    expect(readGgufMetadata(k).tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.type).not.toBe('f32')
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('reports bad input clearly and leaves nothing behind', () => {
    const dir = tempDir()
    expect(() => quantizeModel(storiesF32, join(dir, 'x.gguf'), 'Q3_X' as never)).toThrow(/unknown quantization type 'Q3_X'/)
    expect(() => quantizeModel(join(dir, 'missing.gguf'), join(dir, 'x.gguf'), 'Q8_0')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))
    expect(() => quantizeModel(storiesF32, join(dir, 'no', 'such', 'dir', 'x.gguf'), 'Q8_0')).toThrow(/quantizing .* failed/)
    expect(existsSync(join(dir, 'x.gguf'))).toBe(false)
  })
})

describe('trainer extensions', () => {
  const tokens = [1, 403, 407, 261, 378, 300, 429, 267, 305, 433, 289, 302]
  it('labels equal to the tokens change nothing; different labels change the loss', () => {
    const t = createTrainer({ modelPath: storiesF32, rank: 2, alpha: 4, targets: ['attn_q', 'ffn_up'], lr: 1e-3, threads: 1, maxLength: 32 })
    try {
      const plain = t.evalLoss([{ tokens, completionStart: 5 }]).loss
      expect(t.evalLoss([{ tokens, completionStart: 5, labels: tokens }]).loss).toBe(plain)
      const other = [...tokens]
      other[8] = 9
      expect(t.evalLoss([{ tokens, completionStart: 5, labels: other }]).loss).not.toBeCloseTo(plain, 3)
      expect(() => t.evalLoss([{ tokens, completionStart: 5, labels: [1, 2] }])).toThrow(/labels must have as many entries/)
      const pred = t.predictTokens(tokens)
      expect(pred.length).toBe(tokens.length)
    } finally {
      t.dispose()
    }
  })

  it('exposes and restores AdamW moments and the step count', () => {
    const opts = { modelPath: storiesF32, rank: 2, alpha: 4, targets: ['attn_v'] as const, lr: 1e-2, threads: 1, maxLength: 32, seed: 3 }
    const a = createTrainer(opts)
    const b = createTrainer(opts)
    try {
      const batch = [{ tokens, completionStart: 5 }]
      for (let i = 0; i < 3; i++) a.trainStep(batch)
      for (const name of a.info().tensorNames) {
        const { m, v } = a.getMoments(name)
        expect(m.some((x) => x !== 0)).toBe(true)
        b.setTensor(name, a.getTensor(name))
        b.setMoments(name, m, v)
      }
      b.setSteps(a.info().steps)
      // same state in, same update out
      a.trainStep(batch)
      b.trainStep(batch)
      for (const name of a.info().tensorNames) expect(Array.from(b.getTensor(name))).toEqual(Array.from(a.getTensor(name)))
    } finally {
      a.dispose()
      b.dispose()
    }
  })
})
