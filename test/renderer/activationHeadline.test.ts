// The report's sentence about the adapter follows whether it is on now, with the run's decision as history: it
// used to say "not activated" beside the "active on …" chip after the user activated it by hand (issue 14.8).
import { describe, expect, it } from 'vitest'
import { activationHeadline } from '../../src/shared/customize'

const better = { activate: true, activated: false, reason: 'customized beats base' }
const worse = { activate: false, activated: false, reason: 'no better than base' }
const auto = { activate: true, activated: true, reason: 'customized beats base' }

describe('activationHeadline', () => {
  it('says active whenever the adapter is on, whatever the run decided', () => {
    for (const d of [better, worse, auto, null]) {
      const h = activationHeadline(d, true)
      expect(h.text).toMatch(/^The adapter is active/)
      expect(h.text).not.toMatch(/not/)
      expect(h.note).toBeNull()
    }
  })

  it('says not active when it is off, keeping why', () => {
    for (const d of [better, worse, auto, null]) expect(activationHeadline(d, false).text).toMatch(/not active/)
    expect(activationHeadline(auto, false).note).toMatch(/chosen since/)
    expect(activationHeadline(better, false).note).toMatch(/activation is off/)
  })
})
