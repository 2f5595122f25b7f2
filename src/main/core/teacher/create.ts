// A teacher from its saved configuration. The configuration is plain data safe to keep in settings: it never holds
// an API key (see openaiTeacher.ts for where keys come from).
import type { EngineOptions } from '../llm/engine'
import { LocalTeacher } from './localTeacher'
import type { SecretStore } from './openaiTeacher'
import { OpenAiTeacher } from './openaiTeacher'
import type { Teacher } from './types'
import type { TeacherConfig } from '../../../shared/teacher'

// Plain data the UI edits too: src/shared/teacher.ts.
export type { TeacherConfig }

export interface TeacherRuntime {
  /** Response cache folder for HTTP teachers (e.g. <dataDir>/teacher-cache). */
  cacheDir?: string
  secretStore?: SecretStore
  /** Only from an explicit user action (a CLI flag); never persisted. */
  apiKey?: string
  engine?: Pick<EngineOptions, 'backend'>
}

export async function createTeacher(config: TeacherConfig, runtime: TeacherRuntime = {}): Promise<Teacher> {
  if (config.kind === 'local') {
    return LocalTeacher.load(config.modelPath, {
      temperature: config.temperature,
      seed: config.seed,
      engine: { ...runtime.engine, contextSize: config.contextSize, threads: config.threads },
    })
  }
  return new OpenAiTeacher({
    baseUrl: config.baseUrl,
    model: config.model,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    concurrency: config.concurrency,
    pricing: config.pricing,
    temperature: config.temperature,
    seed: config.seed,
    cacheDir: runtime.cacheDir,
    secretStore: runtime.secretStore,
    apiKey: runtime.apiKey,
  })
}
