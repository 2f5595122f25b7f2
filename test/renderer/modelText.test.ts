// Issue 14.9: the model's prose was shown under "Query failed SQL_ERROR"; it now goes apart, collapsed, and only
// when the model wrote more than the SQL taken from its answer.
import { describe, expect, it } from 'vitest'
import type { AskAttempt } from '../../src/shared/ask'
import { modelTextBeside } from '../../src/renderer/src/lib/modelText'

function attempt(output: string, sql: string | null): AskAttempt {
  return { kind: 'initial', output, sql, validation: 'syntax', promptTokens: 1, reusedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 1, totalMs: 1, tokensPerSecond: 1 }
}

describe('modelTextBeside', () => {
  it('gives the prose around a failed query', () => {
    const prose = 'To find the singers, you would select from the singer table.'
    expect(modelTextBeside({ sql: 'select from the singer table.', attempts: [attempt(prose, 'select from the singer table.')] })).toBe(prose)
  })
  it('gives nothing when the model wrote only the SQL', () => {
    expect(modelTextBeside({ sql: 'SELECT nope FROM t', attempts: [attempt('SELECT nope FROM t\n', 'SELECT nope FROM t')] })).toBeNull()
  })
})
