import { describe, expect, it } from 'vitest'
import { teacherThroughputParts } from '../../src/renderer/src/lib/customize'

describe('teacherThroughputParts (the SQL stage line in the Customize window)', () => {
  it('says concurrency, rate, requests, tokens and cost of an HTTP teacher', () => {
    const parts = teacherThroughputParts({
      concurrency: 8,
      asked: 10_000,
      seconds: 1260,
      questionsPerSecond: 7.936,
      usage: { requests: 30_012, cacheHits: 12, retries: 3, promptTokens: 41_230_000, completionTokens: 2_100_400, costUsd: 12.3456 },
    })
    expect(parts).toEqual([
      '8 at a time',
      '10,000 asked in 21 min',
      '7.94 questions/s',
      '30,012 requests, 12 from the cache, 3 retried',
      '41,230,000 prompt + 2,100,400 completion tokens',
      '$12.35',
    ])
  })

  it('shows no cost without prices, fractions of a cent to 4 places, and nothing about usage for a local teacher', () => {
    const base = { concurrency: 2, asked: 40, seconds: 30, questionsPerSecond: 1.333 }
    expect(teacherThroughputParts({ ...base, usage: { requests: 40, cacheHits: 0, retries: 0, promptTokens: 900, completionTokens: 100 } }).join(' · ')).toBe(
      '2 at a time · 40 asked in 30 s · 1.33 questions/s · 40 requests · 900 prompt + 100 completion tokens',
    )
    expect(teacherThroughputParts({ ...base, usage: { requests: 1, cacheHits: 0, retries: 0, promptTokens: 9, completionTokens: 1, costUsd: 0.00042 } }).at(-1)).toBe('$0.0004')
    expect(teacherThroughputParts({ ...base, questionsPerSecond: null })).toEqual(['2 at a time', '40 asked in 30 s'])
  })
})
