// The wizard's training-time line: the size it asks the estimate for, and how the answer reads.
import { describe, expect, it } from 'vitest'
import { DEFAULT_FORM, estimateLine, estimateRequest } from '../../src/renderer/src/lib/customize'
import { formatRoughDuration } from '../../src/renderer/src/lib/units'

describe('the customize wizard’s estimate line', () => {
  it('sizes the run as up to n synthesized pairs plus the user’s own examples, over the epochs and step cap', () => {
    const refs = [
      { question: 'How many pets?', sql: 'SELECT count(*) FROM Pets' },
      { question: 'half typed', sql: '' },
    ]
    const marks = { right: 3, corrected: 2 }
    expect(estimateRequest({ ...DEFAULT_FORM, n: '30', epochs: '4', refs }, marks)).toEqual({ examples: 36, epochs: 4 })
    expect(estimateRequest({ ...DEFAULT_FORM, n: '30', epochs: '4', maxSteps: '4', refs, useHistory: false }, marks)).toEqual({ examples: 31, epochs: 4, maxSteps: 4 })
    expect(estimateRequest({ ...DEFAULT_FORM, n: '300' }, null)).toEqual({ examples: 300, epochs: 2 })
    for (const bad of [{ n: '0' }, { epochs: '' }, { maxSteps: 'x' }]) expect(estimateRequest({ ...DEFAULT_FORM, ...bad }, marks), JSON.stringify(bad)).toBeNull()
  })

  it('reads as a rough duration with what it was measured on, or says nothing was measured yet', () => {
    const basis = { runId: 'pets_1-2026-12-02T18-00-00-000Z', examples: 27, epochs: 4, secondsPerExampleEpoch: 0.05, measuredAt: '2026-12-02T18:01:00.000Z' }
    expect(estimateLine({ seconds: 725, basis })).toBe(
      'Training ≈ 12 min on this machine (measured on run pets_1-2026-12-02T18-00-00-000Z: 27 examples × 4 epochs)',
    )
    expect(estimateLine({ seconds: 5.4, basis: { ...basis, epochs: 1 } })).toMatch(/^Training ≈ 5 s on this machine \(.*: 27 examples × 1 epoch\)$/)
    expect(estimateLine({ seconds: null, reason: 'none' })).toBe('No measurement yet: the first customization on this machine measures the training speed')
    expect([0.2, 59.4, 60, 725, 3600, 7530].map(formatRoughDuration)).toEqual(['1 s', '59 s', '1 min', '12 min', '1 h 0 min', '2 h 6 min'])
  })
})
