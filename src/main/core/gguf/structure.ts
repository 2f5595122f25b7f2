// A bounded walk over a GGUF header before any parser that trusts it sees the file. node-llama-cpp's reader allocates
// whatever an array count says (a 1 KB file declaring 2^40 elements made V8 die of memory); ggml's own reader bounds
// counts by the remaining bytes, and this does the same in TypeScript without allocating anything proportional to a
// count: every count and length is checked against the bytes left in the file, strings and arrays are skipped, not
// read. What passes is a file whose header a parser can read in memory proportional to the header's size.
import { open, type FileHandle } from 'node:fs/promises'
import { SqlstillError } from '../../../shared/errors'

// ggml's limits (ggml.h, gguf.cpp): 4 dimensions, names under 64 bytes, type ids below GGML_TYPE_COUNT (40 today; 64
// leaves room for new ones), no nested arrays.
const GGML_MAX_DIMS = 4
const GGML_MAX_NAME = 64
const GGML_TYPE_LIMIT = 64
/** No real vocabulary comes near: Gemma 3 has 262,144 tokens, Llama 3's merges 280,147. */
const MAX_ARRAY_ITEMS = 1 << 24
const MAX_KEY_BYTES = 64 << 10
const MAX_KEYS = 1 << 16
const MAX_TENSORS = 1 << 20

/** Value types of the GGUF format; the size of each fixed-width one. */
const FIXED_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }
const TYPE_STRING = 8
const TYPE_ARRAY = 9

class Malformed extends Error {}

/** Reads forward through a file in 1 MiB windows; every read and skip is checked against the file's size. */
class BoundedReader {
  private buf = Buffer.alloc(1 << 20)
  private start = 0
  private end = 0
  pos = 0
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  get remaining(): number {
    return this.size - this.pos
  }

  private async fill(n: number): Promise<void> {
    if (n > this.remaining) throw new Malformed(`needs ${n} more bytes at offset ${this.pos}, the file has ${this.remaining}`)
    if (this.pos >= this.start && this.pos + n <= this.end) return
    const { bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, this.pos)
    this.start = this.pos
    this.end = this.pos + bytesRead
    if (bytesRead < n) throw new Malformed(`file ended at offset ${this.end} (changed while reading?)`)
  }

  async u32(): Promise<number> {
    await this.fill(4)
    const v = this.buf.readUInt32LE(this.pos - this.start)
    this.pos += 4
    return v
  }

  /** A u64 as a number; anything beyond 2^53 is beyond every file this can be. */
  async u64(what: string): Promise<number> {
    await this.fill(8)
    const v = this.buf.readBigUInt64LE(this.pos - this.start)
    this.pos += 8
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Malformed(`${what} ${v} is impossibly large`)
    return Number(v)
  }

  async text(n: number): Promise<string> {
    await this.fill(n)
    const s = this.buf.toString('utf8', this.pos - this.start, this.pos - this.start + n)
    this.pos += n
    return s
  }

  /** Skips a string whose length is already in the window without an await (vocabularies are 100k+ strings). */
  skipBufferedString(what: string): boolean {
    if (this.pos < this.start || this.pos + 8 > this.end) return false
    const length = this.buf.readBigUInt64LE(this.pos - this.start)
    if (length > BigInt(this.remaining - 8)) throw new Malformed(`${what} of ${length} bytes at offset ${this.pos} runs past the end of the file`)
    this.pos += 8 + Number(length)
    return true
  }

  skip(n: number, what: string): void {
    if (n > this.remaining) throw new Malformed(`${what} of ${n} bytes at offset ${this.pos} runs past the end of the file (${this.remaining} bytes left)`)
    this.pos += n
  }
}

async function skipString(r: BoundedReader, what: string): Promise<void> {
  const length = await r.u64(`${what} length`)
  r.skip(length, what)
}

async function skipValue(r: BoundedReader, type: number, key: string): Promise<void> {
  if (FIXED_SIZE[type] !== undefined) return r.skip(FIXED_SIZE[type]!, `value of ${key}`)
  if (type === TYPE_STRING) return skipString(r, `string value of ${key}`)
  if (type !== TYPE_ARRAY) throw new Malformed(`${key} has unknown value type ${type}`)
  const itemType = await r.u32()
  const count = await r.u64(`array length of ${key}`)
  if (count > MAX_ARRAY_ITEMS) throw new Malformed(`${key} declares ${count} array items (more than any model has)`)
  if (itemType === TYPE_ARRAY) throw new Malformed(`${key} is an array of arrays, which GGUF readers refuse`)
  if (itemType === TYPE_STRING) {
    // each string needs its 8-byte length at least: a count the file cannot hold is refused before the loop
    if (count * 8 > r.remaining) throw new Malformed(`${key} declares ${count} strings, the file has room for ${Math.floor(r.remaining / 8)}`)
    for (let i = 0; i < count; i++) if (!r.skipBufferedString(`item ${i} of ${key}`)) await skipString(r, `item ${i} of ${key}`)
    return
  }
  const size = FIXED_SIZE[itemType]
  if (size === undefined) throw new Malformed(`${key} has arrays of unknown type ${itemType}`)
  r.skip(count * size, `array ${key}`)
}

export interface GgufStructure {
  version: number
  tensorCount: number
  keyCount: number
  /** Where tensor data starts (after the header, aligned). */
  dataOffset: number
}

async function walk(r: BoundedReader): Promise<GgufStructure> {
  if ((await r.text(4)) !== 'GGUF') throw new Malformed('bad magic (not a GGUF file)')
  const version = await r.u32()
  if (version !== 2 && version !== 3) throw new Malformed(`GGUF version ${version} is not supported (2 and 3 are)`)
  const tensorCount = await r.u64('tensor count')
  const keyCount = await r.u64('metadata key count')
  // a key needs 8 (length) + 4 (type) + 1 byte; a tensor 8 + 4 + 8 + 4 + 8
  if (keyCount > MAX_KEYS || keyCount * 13 > r.remaining) throw new Malformed(`declares ${keyCount} metadata keys`)
  if (tensorCount > MAX_TENSORS || tensorCount * 32 > r.remaining) throw new Malformed(`declares ${tensorCount} tensors`)
  let alignment = 32
  for (let i = 0; i < keyCount; i++) {
    const keyLength = await r.u64(`length of key ${i}`)
    if (keyLength > MAX_KEY_BYTES) throw new Malformed(`key ${i} is ${keyLength} bytes long`)
    const key = await r.text(keyLength)
    const type = await r.u32()
    if (key === 'general.alignment') {
      if (type !== 4) throw new Malformed('general.alignment is not a u32')
      alignment = await r.u32()
      if (alignment === 0 || (alignment & (alignment - 1)) !== 0) throw new Malformed(`general.alignment ${alignment} is not a power of two`)
      continue
    }
    await skipValue(r, type, JSON.stringify(key.slice(0, 80)))
  }
  const offsets: Array<{ index: number; offset: number }> = []
  for (let i = 0; i < tensorCount; i++) {
    const nameLength = await r.u64(`name length of tensor ${i}`)
    if (nameLength >= GGML_MAX_NAME) throw new Malformed(`tensor ${i}'s name is ${nameLength} bytes long (ggml allows ${GGML_MAX_NAME - 1})`)
    r.skip(nameLength, `name of tensor ${i}`)
    const dims = await r.u32()
    if (dims < 1 || dims > GGML_MAX_DIMS) throw new Malformed(`tensor ${i} has ${dims} dimensions`)
    let elements = 1
    for (let d = 0; d < dims; d++) {
      elements *= await r.u64(`dimension ${d} of tensor ${i}`)
      if (elements > Number.MAX_SAFE_INTEGER) throw new Malformed(`tensor ${i} has too many elements`)
    }
    const type = await r.u32()
    if (type >= GGML_TYPE_LIMIT) throw new Malformed(`tensor ${i} has unknown ggml type ${type}`)
    offsets.push({ index: i, offset: await r.u64(`data offset of tensor ${i}`) })
  }
  const dataOffset = Math.ceil(r.pos / alignment) * alignment
  for (const t of offsets) {
    if (t.offset % alignment !== 0) throw new Malformed(`tensor ${t.index}'s data offset ${t.offset} is not aligned to ${alignment}`)
    if (dataOffset + t.offset > r.size) throw new Malformed(`tensor ${t.index}'s data starts past the end of the file`)
  }
  return { version, tensorCount, keyCount, dataOffset }
}

/**
 * Checks that `path`'s GGUF header is well formed and fits in the file, reading it in bounded windows. Throws
 * NOT_A_MODEL with what is wrong; I/O errors (missing file, no permission) are the caller's to classify.
 */
export async function checkGgufStructure(path: string): Promise<GgufStructure> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    return await walk(new BoundedReader(fh, size))
  } catch (err) {
    if (err instanceof Malformed) throw new SqlstillError('NOT_A_MODEL', `${path} is not a valid GGUF file: ${err.message}`, { path })
    throw err
  } finally {
    await fh.close()
  }
}
