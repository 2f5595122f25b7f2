// A model's tokenizer as GGUF metadata (tokenizer.ggml.*), from a Hugging Face tokenizer.json (byte-level BPE:
// Qwen2/Qwen3, Llama 3) or made up for tiny test models. llama.cpp tokenizes from exactly these keys, so a model that
// carries a real vocabulary tokenizes every prompt to the length the real model would see.
import type { GgufValue } from './writer'

/** llama.cpp's token types (gguf TokenType). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const

export interface GgufVocab {
  /** tokenizer.ggml.model: 'gpt2' for byte-level BPE, 'llama' for SentencePiece (scores, byte fallback). */
  model: 'gpt2' | 'llama'
  /** tokenizer.ggml.pre: the pre-tokenizer llama.cpp applies ('qwen2', 'llama-bpe', 'default', …). */
  pre: string
  tokens: string[]
  types: number[]
  /** BPE merges ('gpt2'); empty for SentencePiece. */
  merges: string[]
  /** SentencePiece piece scores ('llama'): llama.cpp merges the adjacent pair whose merged piece scores highest. */
  scores?: number[]
  unk?: number
  /** SentencePiece: prepend a space to the text (false for Gemma). */
  addSpacePrefix?: boolean
  bos: number | null
  eos: number
  /** End-of-turn token of a chat model, when it differs from eos. */
  eot?: number
  pad: number | null
  addBos: boolean
  chatTemplate?: string
}

export function vocabMetadata(v: GgufVocab): Record<string, GgufValue> {
  const meta: Record<string, GgufValue> = {
    'tokenizer.ggml.model': { type: 'string', value: v.model },
    'tokenizer.ggml.pre': { type: 'string', value: v.pre },
    'tokenizer.ggml.tokens': { type: 'string[]', value: v.tokens },
    'tokenizer.ggml.token_type': { type: 'i32[]', value: v.types },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: v.eos },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: v.addBos },
  }
  if (v.merges.length) meta['tokenizer.ggml.merges'] = { type: 'string[]', value: v.merges }
  if (v.scores) meta['tokenizer.ggml.scores'] = { type: 'f32[]', value: v.scores }
  if (v.unk !== undefined) meta['tokenizer.ggml.unknown_token_id'] = { type: 'u32', value: v.unk }
  if (v.addSpacePrefix !== undefined) meta['tokenizer.ggml.add_space_prefix'] = { type: 'bool', value: v.addSpacePrefix }
  if (v.bos !== null) meta['tokenizer.ggml.bos_token_id'] = { type: 'u32', value: v.bos }
  if (v.pad !== null) meta['tokenizer.ggml.padding_token_id'] = { type: 'u32', value: v.pad }
  if (v.eot !== undefined) meta['tokenizer.ggml.eot_token_id'] = { type: 'u32', value: v.eot }
  if (v.chatTemplate) meta['tokenizer.chat_template'] = { type: 'string', value: v.chatTemplate }
  return meta
}

/** The parts of a Hugging Face tokenizer.json this needs. */
export interface HfTokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[] }
  added_tokens: { id: number; content: string; special: boolean }[]
}

export interface HfVocabOptions {
  /** Vocabulary rows of the model (the embedding's height): ids past the tokenizer's are padding, as llama.cpp's
   * converter writes them ("[PAD<id>]", unused). */
  size: number
  pre: string
  /** Added tokens with a larger id are left out (e.g. Qwen3's <think> tokens for a Qwen2.5 model). */
  maxAddedId?: number
  bos: string | null
  eos: string
  eot?: string
  pad: string | null
  addBos: boolean
  chatTemplate?: string
}

export function vocabFromTokenizerJson(json: HfTokenizerJson, o: HfVocabOptions): GgufVocab {
  if (json.model.type !== 'BPE') throw new Error(`only byte-level BPE tokenizers are supported (got ${json.model.type})`)
  const tokens: (string | undefined)[] = new Array(o.size)
  const types: number[] = new Array(o.size).fill(TOKEN_TYPE.normal)
  for (const [piece, id] of Object.entries(json.model.vocab)) {
    if (id < o.size) tokens[id] = piece
  }
  for (const t of json.added_tokens) {
    if (t.id >= o.size || (o.maxAddedId !== undefined && t.id > o.maxAddedId)) continue
    tokens[t.id] = t.content
    types[t.id] = t.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined
  }
  for (let i = 0; i < o.size; i++) {
    if (tokens[i] === undefined) {
      tokens[i] = `[PAD${i}]`
      types[i] = TOKEN_TYPE.unused
    }
  }
  const ids = tokens as string[]
  const idOf = (piece: string | null | undefined): number | null => {
    if (piece == null) return null
    const id = ids.indexOf(piece)
    if (id < 0) throw new Error(`token ${piece} is not in the vocabulary`)
    return id
  }
  const merges = json.model.merges.map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`))
  return {
    model: 'gpt2',
    pre: o.pre,
    tokens: ids,
    types,
    merges,
    bos: idOf(o.bos),
    eos: idOf(o.eos)!,
    ...(o.eot ? { eot: idOf(o.eot)! } : {}),
    pad: idOf(o.pad),
    addBos: o.addBos,
    ...(o.chatTemplate ? { chatTemplate: o.chatTemplate } : {}),
  }
}

export interface SentencePieceOptions {
  size: number
  bos: string
  eos: string
  eot?: string
  pad: string | null
  unk: string
  addBos: boolean
  chatTemplate?: string
}

/**
 * A SentencePiece BPE vocabulary (Gemma's) from its Hugging Face tokenizer.json: llama.cpp's SentencePiece tokenizer
 * merges the adjacent pair whose merged piece has the highest score, so each piece scores minus the rank of the first
 * merge that makes it (the order SentencePiece's own scores give the merges), pieces no merge makes score lowest,
 * <0xNN> pieces are byte fallback, and added tokens are control (special) or user-defined.
 */
export function vocabFromSentencePieceJson(json: HfTokenizerJson, o: SentencePieceOptions): GgufVocab {
  if (json.model.type !== 'BPE') throw new Error(`expected a BPE model converted from SentencePiece (got ${json.model.type})`)
  const tokens: (string | undefined)[] = new Array(o.size)
  for (const [piece, id] of Object.entries(json.model.vocab)) if (id < o.size) tokens[id] = piece
  for (let i = 0; i < o.size; i++) tokens[i] ??= `[PAD${i}]`
  const ids = tokens as string[]
  const idOf = new Map<string, number>()
  ids.forEach((t, i) => idOf.set(t, i))
  const scores = new Array<number>(o.size).fill(-1e9)
  json.model.merges.forEach((m, rank) => {
    const merged = typeof m === 'string' ? m.replace(' ', '') : m[0] + m[1]
    const id = idOf.get(merged)
    if (id !== undefined && scores[id] === -1e9) scores[id] = -rank
  })
  const types: number[] = ids.map((t) => (/^<0x[0-9A-F]{2}>$/.test(t) ? TOKEN_TYPE.byte : TOKEN_TYPE.normal))
  for (const t of json.added_tokens) {
    if (t.id >= o.size || /^<0x[0-9A-F]{2}>$/.test(t.content)) continue
    types[t.id] = t.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined
  }
  const need = (piece: string) => {
    const id = idOf.get(piece)
    if (id === undefined) throw new Error(`token ${piece} is not in the vocabulary`)
    return id
  }
  types[need(o.unk)] = TOKEN_TYPE.unknown
  return {
    model: 'llama',
    pre: 'default',
    tokens: ids,
    types,
    merges: [],
    scores,
    bos: need(o.bos),
    eos: need(o.eos),
    ...(o.eot ? { eot: need(o.eot) } : {}),
    pad: o.pad ? need(o.pad) : null,
    unk: need(o.unk),
    addBos: o.addBos,
    addSpacePrefix: false,
    ...(o.chatTemplate ? { chatTemplate: o.chatTemplate } : {}),
  }
}

/** GPT-2's byte → printable-character map, which byte-level BPE vocabularies are written in. */
function byteChars(): string[] {
  const printable = new Set<number>()
  for (let b = 0x21; b <= 0x7e; b++) printable.add(b)
  for (let b = 0xa1; b <= 0xac; b++) printable.add(b)
  for (let b = 0xae; b <= 0xff; b++) printable.add(b)
  let extra = 0
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable.has(b) ? b : 256 + extra++))
}

const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

/**
 * A made-up byte-level BPE vocabulary of `size` tokens (every byte, then two- and three-byte pieces, then Qwen's
 * three special tokens) with a ChatML template: for tiny test models, where a real 152k vocabulary would dominate
 * the model's size. Prompts tokenize about twice as long as with a real vocabulary.
 */
export function byteLevelVocab(size: number): GgufVocab {
  const bytes = byteChars()
  const tokens: string[] = [...bytes]
  const merges: string[] = []
  const regularCount = size - SPECIAL_TOKENS.length
  // Two-byte then three-byte pieces, each reachable through a merge, until the vocabulary is full.
  outer: for (const a of bytes)
    for (const b of bytes) {
      if (tokens.length >= regularCount) break outer
      tokens.push(a + b)
      merges.push(`${a} ${b}`)
    }
  for (let i = 0; tokens.length < regularCount; i++) {
    const pair = tokens[256 + (i % 65536)]!
    const c = bytes[Math.floor(i / 65536) % 256]!
    tokens.push(pair + c)
    merges.push(`${pair} ${c}`)
  }
  tokens.push(...SPECIAL_TOKENS)
  const types = tokens.map((_, i) => (i >= regularCount ? TOKEN_TYPE.control : TOKEN_TYPE.normal))
  return { model: 'gpt2', pre: 'qwen2', tokens, types, merges, bos: size - 3, eos: size - 1, pad: size - 3, addBos: false, chatTemplate: CHATML_TEMPLATE }
}
