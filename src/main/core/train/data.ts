// Turning text pairs into training sequences, ordering them into length-bucketed batches, and KID's corruption.
import { createHash } from 'node:crypto'
import { SqlstillError } from '../../../shared/errors'
import { isChatExample, type ChatExample, type TextExample } from './config'

export interface TokenizedExample {
  tokens: number[]
  completionStart: number
  /** Index in the dataset it came from. */
  source: number
}

export interface Tokenizer {
  /** Exactly the tokens inference feeds for this text (BOS and all). */
  tokenize(text: string): number[]
  eos: number | null
  /** Chat messages rendered with the model's chat template up to where the assistant's reply begins (ModelEngine.formatChat). */
  chat?(messages: ChatExample['messages']): number[]
  /** A reply's own tokens, as the model generates them after the chat prompt (no BOS). */
  reply?(text: string): number[]
  /** The token that ends an assistant turn (end-of-turn, else end-of-sequence). */
  eot?: number | null
}

export interface TokenizeOutcome {
  examples: TokenizedExample[]
  /** Left out because prompt + completion exceeded maxLength (overLength 'skip', or a prompt too long to cut). */
  skippedTooLong: number
  /** Kept with the completion's tail cut to fit maxLength (overLength 'truncate'). */
  truncated: number
  /** Left out because nothing of the completion remained as tokens. */
  skippedEmpty: number
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/**
 * Tokenizes prompt + completion as one text, as inference sees it; the completion starts where that stops agreeing
 * with the prompt's own tokenization (a token merged across the boundary counts as completion).
 */
export function tokenizeExamples(
  data: readonly TextExample[],
  tok: Tokenizer,
  opts: { maxLength: number; overLength: 'skip' | 'truncate'; appendEos: boolean },
): TokenizeOutcome {
  const out: TokenizeOutcome = { examples: [], skippedTooLong: 0, truncated: 0, skippedEmpty: 0 }
  data.forEach((ex, source) => {
    let full: number[]
    let completionStart: number
    if (isChatExample(ex)) {
      // the chat form: the template's prompt, then the reply and the end of the turn, which is what stops generation
      if (!tok.chat || !tok.reply) throw new SqlstillError('BAD_REQUEST', 'chat-form examples need a model with a chat template')
      const prompt = tok.chat(ex.messages)
      full = [...prompt, ...tok.reply(ex.completion)]
      completionStart = Math.max(1, prompt.length)
      const end = tok.eot ?? tok.eos
      if (end != null) full.push(end)
    } else {
      full = tok.tokenize(ex.prompt + ex.completion)
      const prompt = tok.tokenize(ex.prompt)
      completionStart = Math.max(1, commonPrefix(full, prompt))
      if (opts.appendEos && tok.eos != null) full.push(tok.eos)
    }
    if (full.length - completionStart < 1) {
      out.skippedEmpty++
      return
    }
    if (full.length > opts.maxLength) {
      // at least two completion tokens must survive a cut, else the example teaches nothing useful
      if (opts.overLength === 'skip' || completionStart + 2 > opts.maxLength) {
        out.skippedTooLong++
        return
      }
      full.length = opts.maxLength
      out.truncated++
    }
    out.examples.push({ tokens: full, completionStart, source })
  })
  return out
}

/** mulberry32: small, fast, and the same on every platform; enough for shuffles and KID draws. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function mixSeed(...parts: number[]): number {
  let h = 2166136261
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 16777619)
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995)
  }
  return h >>> 0
}

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/**
 * One epoch's batches as indexes into `examples`: a seeded shuffle, then sorting within windows of 8 batches by
 * length (so a batch's sequences land in few graph buckets), then a shuffle of the batches. A function of (seed,
 * epoch) only, so a resumed job recomputes exactly the order it was in.
 */
export function epochBatches(examples: readonly TokenizedExample[], batchSize: number, seed: number, epoch: number): number[][] {
  const next = rng(mixSeed(seed, epoch, 0x5eed))
  const order = shuffle(
    examples.map((_, i) => i),
    next,
  )
  const window = batchSize * 8
  const batches: number[][] = []
  for (let w = 0; w < order.length; w += window) {
    const chunk = order.slice(w, w + window).sort((a, b) => examples[a]!.tokens.length - examples[b]!.tokens.length)
    for (let b = 0; b < chunk.length; b += batchSize) batches.push(chunk.slice(b, b + batchSize))
  }
  return shuffle(batches, next)
}

export interface KidExample {
  tokens: number[]
  labels: number[]
  completionStart: number
  /** Completion input positions that were replaced (the prediction may equal the original token). */
  replaced: number
  /** Completion input positions whose input now differs from the label. */
  differing: number
}

/**
 * KID: each completion input position p (tokens[p], p ≥ completionStart, not the last token, which no row reads
 * as a prediction target input) is replaced with probability alpha by the student's argmax prediction for p — the
 * argmax of row p-1's logits. Labels stay the original tokens.
 */
export function kidCorrupt(
  ex: { tokens: readonly number[]; completionStart: number },
  predicted: ArrayLike<number>,
  alpha: number,
  next: () => number,
): KidExample {
  const tokens = [...ex.tokens]
  let replaced = 0
  let differing = 0
  for (let p = ex.completionStart; p < tokens.length - 1; p++) {
    if (next() >= alpha) continue
    replaced++
    const guess = predicted[p - 1]!
    if (guess !== tokens[p]) differing++
    tokens[p] = guess
  }
  return { tokens, labels: [...ex.tokens], completionStart: ex.completionStart, replaced, differing }
}

/** Completion input positions KID may replace in one example. */
export function kidPositions(ex: { tokens: readonly number[]; completionStart: number }): number {
  return Math.max(0, ex.tokens.length - 1 - ex.completionStart)
}

export function datasetHash(examples: readonly TextExample[]): string {
  const h = createHash('sha256')
  for (const e of examples) h.update(JSON.stringify(isChatExample(e) ? [e.messages, e.completion] : [e.prompt, e.completion])).update('\n')
  return h.digest('hex')
}

export function requireUsable(outcome: TokenizeOutcome, total: number, maxLength: number): void {
  if (outcome.examples.length > 0) return
  if (outcome.skippedTooLong === total) {
    throw new SqlstillError('BAD_REQUEST', `all ${total} training examples are longer than maxLength (${maxLength} tokens); raise maxLength or use overLength 'truncate'`, {
      skippedTooLong: outcome.skippedTooLong,
    })
  }
  throw new SqlstillError('BAD_REQUEST', `no usable training examples (${outcome.skippedTooLong} too long, ${outcome.skippedEmpty} with an empty completion)`, {
    skippedTooLong: outcome.skippedTooLong,
    skippedEmpty: outcome.skippedEmpty,
  })
}
