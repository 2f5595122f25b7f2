// A small BM25 (Okapi) index over short documents: table and column names, sample values. Identifiers are split
// on snake_case and camelCase and words are lightly stemmed, so "students" in a question meets "Student_ID".

const STOPWORDS = new Set(
  ('a an the of in on at to for from by with and or not is are was were be been what which who whom whose ' +
    'how many much list show give find return all each every their its his her there that this these those ' +
    'do does did have has had than then as it they them me my i you your we our any some most least more ' +
    'less also only please')
    .split(' '),
)

/** Light suffix stripping: enough for plural/singular and a few verb forms, cheap and predictable. */
export function stem(word: string): string {
  if (word.length < 3) return word
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`
  if (word.endsWith('sses')) return word.slice(0, -2)
  if (word.endsWith('ches') || word.endsWith('shes') || word.endsWith('xes')) return word.slice(0, -2)
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1)
  return word
}

const enum Kind {
  Other,
  Lower,
  Upper,
  Digit,
}

function kindOf(code: number): Kind {
  if (code >= 97 && code <= 122) return Kind.Lower
  if (code >= 65 && code <= 90) return Kind.Upper
  if (code >= 48 && code <= 57) return Kind.Digit
  return Kind.Other
}

/**
 * Splits text and identifiers into lowercase stemmed terms: on anything not a letter or digit, at camelCase
 * humps ("courseName"), and after an acronym that starts a word ("HTTPServer"; "IDs" stays one word).
 * A hand-written scanner: schema linking runs this over every name and sample of big schemas.
 */
export function terms(text: string, keepStopwords = false): string[] {
  const out: string[] = []
  let start = -1
  const flush = (end: number) => {
    if (start < 0) return
    const word = text.slice(start, end).toLowerCase()
    start = -1
    if (!keepStopwords && STOPWORDS.has(word)) return
    out.push(stem(word))
  }
  let prev = Kind.Other
  for (let i = 0; i < text.length; i++) {
    const kind = kindOf(text.charCodeAt(i))
    if (kind === Kind.Other) {
      flush(i)
    } else if (start < 0) {
      start = i
    } else if (kind === Kind.Upper && (prev === Kind.Lower || prev === Kind.Digit)) {
      flush(i)
      start = i
    } else if (
      kind === Kind.Lower &&
      prev === Kind.Upper &&
      i - start >= 2 &&
      kindOf(text.charCodeAt(i + 1)) === Kind.Lower &&
      kindOf(text.charCodeAt(i + 2)) === Kind.Lower
    ) {
      // "HTTPServer": the last capital starts the next word, when a real word (3+ letters) follows.
      flush(i - 1)
      start = i - 1
    }
    prev = kind
  }
  flush(text.length)
  return out
}

export interface Bm25Options {
  k1?: number
  b?: number
}

export class Bm25Index {
  private readonly docs: Map<string, number>[] = []
  private readonly lengths: number[] = []
  private readonly docFreq = new Map<string, number>()
  private readonly k1: number
  private readonly b: number

  constructor(options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2
    this.b = options.b ?? 0.75
  }

  /** Adds a document given as terms; returns its index. */
  add(docTerms: string[]): number {
    const tf = new Map<string, number>()
    for (const t of docTerms) tf.set(t, (tf.get(t) ?? 0) + 1)
    for (const t of tf.keys()) this.docFreq.set(t, (this.docFreq.get(t) ?? 0) + 1)
    this.docs.push(tf)
    this.lengths.push(docTerms.length)
    return this.docs.length - 1
  }

  get size(): number {
    return this.docs.length
  }

  idf(term: string): number {
    const n = this.docs.length
    const df = this.docFreq.get(term) ?? 0
    // The "+1" variant (Lucene's) keeps idf positive for terms in most documents.
    return Math.log(1 + (n - df + 0.5) / (df + 0.5))
  }

  /** Scores every document against the query terms (duplicates in the query count once). */
  scoreAll(queryTerms: string[]): number[] {
    const scores = new Array<number>(this.docs.length).fill(0)
    if (!this.docs.length) return scores
    const avg = this.lengths.reduce((s, l) => s + l, 0) / this.docs.length || 1
    for (const term of new Set(queryTerms)) {
      if (!this.docFreq.has(term)) continue
      const idf = this.idf(term)
      for (let i = 0; i < this.docs.length; i++) {
        const f = this.docs[i].get(term)
        if (!f) continue
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[i]) / avg)
        scores[i] += (idf * f * (this.k1 + 1)) / (f + norm)
      }
    }
    return scores
  }
}
