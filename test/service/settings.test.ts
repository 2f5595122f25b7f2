// Stored settings are read leniently (an old or hand-edited config.json never stops the app), updates strictly.
import { describe, expect, it } from 'vitest'
import { MemoryStore, readSettings, writeSettings } from '../../src/main/core/settings/keyValueStore'
import { DEFAULT_ANSWER_MAX_TOKENS, DEFAULT_SETTINGS, normalizeSettings, settingsPatchSchema } from '../../src/shared/settings'

describe('sampling settings', () => {
  it('default to greedy answers of at most DEFAULT_ANSWER_MAX_TOKENS tokens, also for a config saved before they existed', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({ temperature: 0, maxTokens: DEFAULT_ANSWER_MAX_TOKENS })
    const store = new MemoryStore()
    const { temperature: _t, maxTokens: _m, ...older } = { ...DEFAULT_SETTINGS, rowCap: 99 }
    store.set('settings', older)
    expect(readSettings(store)).toEqual({ ...DEFAULT_SETTINGS, rowCap: 99 })
  })

  it('keep valid stored values and replace invalid ones by the defaults', () => {
    expect(normalizeSettings({ temperature: 0.7, maxTokens: 1024 })).toMatchObject({ temperature: 0.7, maxTokens: 1024 })
    expect(normalizeSettings({ temperature: 2, maxTokens: 16 })).toMatchObject({ temperature: 2, maxTokens: 16 })
    for (const bad of [
      { temperature: 2.5, maxTokens: 8 },
      { temperature: -0.1, maxTokens: 4097 },
      { temperature: '0.5', maxTokens: 100.5 },
      { temperature: null, maxTokens: Number.NaN },
    ]) {
      expect(normalizeSettings(bad), JSON.stringify(bad)).toMatchObject({ temperature: 0, maxTokens: DEFAULT_ANSWER_MAX_TOKENS })
    }
    const store = new MemoryStore()
    writeSettings(store, { ...DEFAULT_SETTINGS, temperature: 1.2, maxTokens: 512 })
    expect(readSettings(store)).toMatchObject({ temperature: 1.2, maxTokens: 512 })
  })

  it('are checked strictly when updated', () => {
    expect(settingsPatchSchema.safeParse({ temperature: 0.3, maxTokens: 300 }).success).toBe(true)
    for (const bad of [{ temperature: 2.1 }, { temperature: -1 }, { maxTokens: 15 }, { maxTokens: 5000 }, { maxTokens: 64.5 }]) {
      expect(settingsPatchSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })
})
