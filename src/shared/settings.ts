import { z } from 'zod'
import { DEFAULT_QUERY_TIMEOUT_MS, DEFAULT_ROW_CAP } from './query'

// User settings. Persisted by electron-store in the desktop app and by a JSON file in the same app-data
// folder in browser mode — both behind the core's SettingsStore interface.

export const settingsSchema = z.object({
  queryTimeoutMs: z.number().int().min(100).max(3_600_000),
  rowCap: z.number().int().min(1).max(10_000_000),
  theme: z.enum(['system', 'light', 'dark']),
  /** Inference backend: 'auto' lets node-llama-cpp pick Metal / CUDA / Vulkan / CPU. */
  backend: z.enum(['auto', 'metal', 'cuda', 'vulkan', 'cpu']),
  threads: z.number().int().min(0).max(256), // 0 = automatic
  contextSize: z.number().int().min(256).max(131_072),
  schemaPromptBudget: z.number().int().min(200).max(100_000),
  repairOnFailure: z.boolean(),
  /** Sampling temperature for the assistant's answers; 0 = greedy (always the most likely SQL). */
  temperature: z.number().min(0).max(2),
  /** Most tokens an answer may generate. */
  maxTokens: z.number().int().min(16).max(4096),
})

export type Settings = z.infer<typeof settingsSchema>

export const settingsPatchSchema = settingsSchema.partial().strict()
export type SettingsPatch = z.infer<typeof settingsPatchSchema>

/** Most tokens an answer generates unless the settings or the request say otherwise. */
export const DEFAULT_ANSWER_MAX_TOKENS = 256

export const DEFAULT_SETTINGS: Settings = {
  queryTimeoutMs: DEFAULT_QUERY_TIMEOUT_MS,
  rowCap: DEFAULT_ROW_CAP,
  theme: 'system',
  backend: 'auto',
  threads: 0,
  contextSize: 4096,
  schemaPromptBudget: 1500,
  repairOnFailure: true,
  temperature: 0,
  maxTokens: DEFAULT_ANSWER_MAX_TOKENS,
}

/** Reads stored settings leniently: unknown keys dropped, invalid values replaced by defaults. */
export function normalizeSettings(stored: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS }
  if (typeof stored !== 'object' || stored === null) return out
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const parsed = settingsSchema.shape[key].safeParse((stored as Record<string, unknown>)[key])
    if (parsed.success) (out as Record<string, unknown>)[key] = parsed.data
  }
  return out
}
