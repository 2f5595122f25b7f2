// A model's tokenizer as GGUF metadata (tokenizer.ggml.*), from a Hugging Face tokenizer.json (byte-level BPE:
// Qwen2/Qwen3, Llama 3) or made up for tiny test models. llama.cpp tokenizes from exactly these keys, so a model that
// carries a real vocabulary tokenizes every prompt to the length the real model would see.
import type { GgufValue } from './writer'

/** llama.cpp's token types (gguf TokenType). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const

export interface GgufVocab {
  /** tokenizer.ggml.model: 'gpt2' for byte-level BPE. */
  model: 'gpt2'
  /** tokenizer.ggml.pre: the pre-tokenizer llama.cpp applies ('qwen2', 'llama-bpe', …). */
  pre: string
  tokens: string[]
  types: number[]
  merges: string[]
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
    'tokenizer.ggml.merges': { type: 'string[]', value: v.merges },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: v.eos },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: v.addBos },
  }
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
