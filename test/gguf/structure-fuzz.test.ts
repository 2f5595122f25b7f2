// Crafted and damaged GGUF files: every reader refuses them with NOT_A_MODEL, quickly, and nothing dies. The
// reported attack (a 1,084-byte file declaring a 2^40-element array killed the process with 1.7 GB allocated) plus
// a few thousand generated cases: truncations at every header offset, huge counts and lengths written over each
// field, bad value and tensor types, and random byte damage. ggml's own reader (the native addon's) gets the same.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { SqlstillError } from '../../src/shared/errors'
import { checkGgufStructure } from '../../src/main/core/gguf/structure'
import { readGgufHeader } from '../../src/main/core/llm/gguf'
import { readGgufMetadata } from '../../src/main/core/train/native'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt, storiesQ8 } from '../native/helpers/native'

const dir = tempDir('sqlstill-gguf-fuzz-')
const original = readFileSync(storiesQ8)

/** The 1,084-byte file of the report. */
function hugeArrayFile(): Buffer {
  const head = Buffer.alloc(4 + 4 + 8 + 8)
  head.write('GGUF', 0)
  head.writeUInt32LE(3, 4)
  head.writeBigUInt64LE(0n, 8)
  head.writeBigUInt64LE(1n, 16)
  const key = Buffer.from('general.junk')
  const kv = Buffer.alloc(8 + key.length + 4 + 4 + 8)
  kv.writeBigUInt64LE(BigInt(key.length), 0)
  key.copy(kv, 8)
  kv.writeUInt32LE(9, 8 + key.length) // array
  kv.writeUInt32LE(0, 12 + key.length) // of u8
  kv.writeBigUInt64LE(1n << 40n, 16 + key.length)
  return Buffer.concat([head, kv, Buffer.alloc(1084 - head.length - kv.length)])
}

let headerEnd = 0
let caseNo = 0
function write(bytes: Buffer): string {
  const path = join(dir, `case-${caseNo++ % 16}.gguf`)
  writeFileSync(path, bytes)
  return path
}

/** Either it reads (damage in a value can leave a valid file) or it is refused as not a model; nothing else. */
async function expectReadOrRefused(bytes: Buffer, what: string): Promise<'read' | 'refused'> {
  const path = write(bytes)
  try {
    await readGgufHeader(path)
    return 'read'
  } catch (err) {
    if (!(err instanceof SqlstillError) || err.code !== 'NOT_A_MODEL') throw new Error(`${what}: ${String(err)}`)
    return 'refused'
  }
}

/** Deterministic cases over the header: (name, bytes). */
function* cases(): Generator<[string, Buffer]> {
  yield ['the reported 2^40-element array', hugeArrayFile()]
  for (let n = 0; n < headerEnd; n += Math.max(1, Math.floor(headerEnd / 700))) yield [`truncated at ${n}`, original.subarray(0, n)]
  const huge = [0xffffffffffffffffn, 1n << 40n, 1n << 32n, 0x7fffffffn]
  for (let at = 0; at + 8 <= headerEnd; at += Math.max(1, Math.floor(headerEnd / 300))) {
    for (const v of huge) {
      const b = Buffer.from(original)
      b.writeBigUInt64LE(v, at)
      yield [`u64 ${v} at ${at}`, b]
    }
    const t = Buffer.from(original)
    t.writeUInt32LE(9, at) // "array": makes whatever follows a count
    yield [`type array at ${at}`, t]
  }
  let seed = 7
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
  for (let i = 0; i < 800; i++) {
    const b = Buffer.from(original)
    for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) b[Math.floor(rand() * headerEnd)] = Math.floor(rand() * 256)
    yield [`random damage ${i}`, b]
  }
}

describe('GGUF readers against crafted files', () => {
  beforeAll(async () => {
    ensureNativeBuilt()
    headerEnd = (await checkGgufStructure(storiesQ8)).dataOffset
  })

  it('refuses the reported 1,084-byte file with NOT_A_MODEL in milliseconds, not gigabytes', async () => {
    const path = write(hugeArrayFile())
    const before = process.memoryUsage().rss
    const started = Date.now()
    await expect(readGgufHeader(path)).rejects.toMatchObject({ code: 'NOT_A_MODEL', message: expect.stringContaining('array items') })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20)
    expect(() => readGgufMetadata(path)).toThrow(expect.objectContaining({ code: 'NOT_A_MODEL' }))
  })

  it('reads or refuses a few thousand damaged headers, never crashing, never another error', { timeout: 300_000 }, async () => {
    const tally = { read: 0, refused: 0 }
    const rssBefore = process.memoryUsage().rss
    let n = 0
    for (const [what, bytes] of cases()) {
      tally[await expectReadOrRefused(bytes, what)]++
      n++
    }
    console.log(`[gguf fuzz] ${n} cases over a ${headerEnd}-byte header: ${tally.read} still readable, ${tally.refused} refused as NOT_A_MODEL`)
    expect(n).toBeGreaterThan(2000)
    // every truncation inside the header and every impossible count must be among the refused
    expect(tally.refused).toBeGreaterThan(n / 2)
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 << 20)
  })

  it('ggml\'s reader (the native addon) refuses the same damage without dying', { timeout: 300_000 }, () => {
    let refused = 0
    let n = 0
    for (const [what, bytes] of cases()) {
      if (n++ % 3 !== 0) continue // a third of them: the native reader is the same code llama.cpp's loader uses
      const path = write(bytes)
      try {
        readGgufMetadata(path)
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code !== 'NOT_A_MODEL') throw new Error(`${what}: ${String(err)}`)
        refused++
      }
    }
    expect(refused).toBeGreaterThan(0)
  })

  it('still reads every real model it is given', async () => {
    for (const m of [storiesQ8, join(storiesQ8, '..', 'stories260K-f32.gguf'), join(storiesQ8, '..', 'llama-2-tiny-random.gguf')]) {
      const s = await checkGgufStructure(m)
      expect(s.tensorCount).toBeGreaterThan(0)
      expect((await readGgufHeader(m)).architecture).toBe('llama')
    }
  })
})
