// Training sequences hold exactly the tokens inference feeds the student (ModelEngine.tokenize on prompt +
// completion), plus EOS; the completion starts where the prompt's own tokens stop agreeing.
import { describe, expect, it } from 'vitest'
import { ModelEngine } from '../../src/main/core/llm'
import { tokenizeExamples } from '../../src/main/core/train/data'
import { withTokenizer } from '../../src/main/core/train/tokenizer'
import { storiesF32, storyPairs } from './helpers'

describe('training tokenization', () => {
  it('matches the inference engine token for token', async () => {
    const pairs = [...storyPairs(3), { prompt: 'SELECT name FROM', completion: ' singer WHERE age > 30;' }, { prompt: 'The dog', completion: 'gy ran.' }]
    const outcome = await withTokenizer(storiesF32, (tok) => tokenizeExamples(pairs, tok, { maxLength: 256, overLength: 'skip', appendEos: true }))
    const engine = await ModelEngine.load(storiesF32, { threads: 1, contextSize: 128, backend: 'cpu' })
    try {
      outcome.examples.forEach((ex, i) => {
        const pair = pairs[i]!
        const inference = engine.tokenize(pair.prompt + pair.completion).map(Number)
        expect(ex.tokens.slice(0, -1)).toEqual(inference)
        expect(ex.tokens.at(-1)).toBe(2) // EOS
        const promptTokens = engine.tokenize(pair.prompt).map(Number)
        expect(inference.slice(0, ex.completionStart)).toEqual(promptTokens.slice(0, ex.completionStart))
        expect(ex.completionStart).toBeLessThanOrEqual(promptTokens.length)
      })
    } finally {
      await engine.dispose()
    }
  })
})
