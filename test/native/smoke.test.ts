// Milestone 1: the addon builds, loads in Node, and reads GGUF headers with clear errors for bad input.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { SqlstillError } from '../../src/shared/errors'
import { ggmlInfo, modelHparams, nativeAddonPath, readGgufMetadata } from '../../src/main/core/train/native'
import { repoRoot, tempDir } from '../helpers/paths'
import { ensureNativeBuilt, storiesF32, storiesQ8 } from './helpers/native'

beforeAll(() => ensureNativeBuilt())

/** A minimal GGUF v3 file: no tensors, string metadata only. */
function tinyGguf(path: string, kv: Record<string, string>): void {
  const parts: Buffer[] = [Buffer.from('GGUF')]
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b) }
  const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b) }
  const str = (s: string) => { u64(Buffer.byteLength(s)); parts.push(Buffer.from(s)) }
  u32(3)
  u64(0)
  u64(Object.keys(kv).length)
  for (const [k, v] of Object.entries(kv)) {
    str(k)
    u32(8) // GGUF_TYPE_STRING
    str(v)
  }
  writeFileSync(path, Buffer.concat(parts))
}

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(SqlstillError)
  expect((caught as SqlstillError).code).toBe(code)
}

describe('native addon: build and smoke', () => {
  it('lives under native/build and loads the CPU backend', () => {
    expect(nativeAddonPath()).toBe(join(repoRoot, 'native', 'build', 'sqlstill_native.node'))
    const info = ggmlInfo()
    expect(info.backends).toContain('CPU')
    expect(info.nThreads).toBeGreaterThanOrEqual(1)
    expect(info.libDir).toContain(join('@node-llama-cpp'))
  })

  it('reads GGUF metadata and tensor descriptions', () => {
    const meta = readGgufMetadata(storiesF32)
    expect(meta.version).toBe(3)
    expect(meta.architecture).toBe('llama')
    expect(meta.metadata['llama.embedding_length']).toBe(64)
    expect(meta.metadata['llama.block_count']).toBe(5)
    expect(meta.metadata['llama.attention.head_count']).toBe(8)
    expect(meta.metadata['llama.attention.head_count_kv']).toBe(4)
    expect(meta.metadata['llama.feed_forward_length']).toBe(172)
    expect(meta.metadata['tokenizer.ggml.tokens']).toEqual({ arrayType: 'str', length: 512 })
    const byName = new Map(meta.tensors.map((t) => [t.name, t]))
    expect(byName.get('token_embd.weight')).toEqual({ name: 'token_embd.weight', type: 'f32', shape: [64, 512] })
    expect(byName.get('blk.0.attn_k.weight')?.shape).toEqual([64, 32])
    expect(byName.get('blk.4.ffn_down.weight')?.shape).toEqual([172, 64])
    expect(readGgufMetadata(storiesQ8).tensors.find((t) => t.name === 'blk.0.attn_q.weight')?.type).toBe('q8_0')
  })

  it('derives hyperparameters for our graph', () => {
    expect(modelHparams(storiesF32)).toMatchObject({
      architecture: 'llama',
      nVocab: 512,
      nEmbd: 64,
      nLayer: 5,
      nHead: 8,
      nHeadKv: 4,
      nFf: 172,
      headDim: 8,
      ropeFreqBase: 10000,
      ropeMode: 'normal',
    })
  })

  it('rejects files that are not GGUF models with clear errors, without crashing', () => {
    const dir = tempDir()
    expectCode(() => readGgufMetadata(join(repoRoot, 'package.json')), 'NOT_A_MODEL')
    expectCode(() => readGgufMetadata(join(dir, 'missing.gguf')), 'NOT_FOUND')
    mkdirSync(join(dir, 'a-directory.gguf'))
    expectCode(() => readGgufMetadata(join(dir, 'a-directory.gguf')), 'NOT_A_MODEL')
    const truncated = join(dir, 'truncated.gguf')
    writeFileSync(truncated, readFileSync(storiesF32).subarray(0, 2000))
    expectCode(() => readGgufMetadata(truncated), 'NOT_A_MODEL')
    expectCode(() => modelHparams(truncated), 'NOT_A_MODEL')
  })

  it('refuses architectures it cannot train', () => {
    const path = join(tempDir(), 'gpt2.gguf')
    tinyGguf(path, { 'general.architecture': 'gpt2' })
    expect(readGgufMetadata(path).architecture).toBe('gpt2')
    expectCode(() => modelHparams(path), 'UNSUPPORTED')
  })
})
