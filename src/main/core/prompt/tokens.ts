// Token counts for prompt budgeting. The cheap estimate is deliberately a little pessimistic for code-like text
// (identifiers split into many BPE pieces), so a schema that "fits" by estimate rarely overflows for real.

export type TokenCounter = (text: string) => number

export const CHARS_PER_TOKEN = 3.5

export const estimateTokens: TokenCounter = (text) => Math.ceil(text.length / CHARS_PER_TOKEN)
