// The training prompt is, by construction, the prompt `ask` sends the student: ask() itself runs against a
// generator that records its prompt and stops. So schema linking, budgets and formatting can never drift apart
// between training and inference.
//
// Only the completion form is produced: a chat-template student would need its template rendered to text, which
// only node-llama-cpp can do (ModelEngine.formatChat yields tokens). A student with a chat template is therefore
// trained on the completion form; the trainer writes that into the adapter (sqlstill.prompt.form) and the engine
// asks in that form whenever the adapter, or a model fused from it, is in use.
import type { Schema } from '../../../../shared/schema'
import { ask, type SqlGenerator } from '../../ask/ask'
import type { DatabaseHandle } from '../../db'
import type { PromptInput } from '../../llm/engine'
import { PLAN_PREFIX } from '../../ask/extract'
import type { TokenCounter } from '../../prompt/tokens'

class PromptCaptured extends Error {
  constructor(readonly prompt: PromptInput) {
    super('prompt captured')
  }
}

export interface StudentProfile {
  /** The student's tokenizer and context, when known, so long schemas are fitted exactly as at inference. */
  tokenCounter?: TokenCounter
  contextSize?: number
}

export type StudentPrompter = (question: string) => Promise<string>

export function studentPrompter(
  db: Pick<DatabaseHandle, 'path' | 'name' | 'compile' | 'query'>,
  schema: Schema,
  rules: string,
  profile: StudentProfile = {},
): StudentPrompter {
  const generator: SqlGenerator = {
    modelId: 'prompt-capture',
    adapterId: null,
    promptForm: 'completion',
    tokenCounter: profile.tokenCounter,
    contextSize: profile.contextSize,
    async generate(prompt) {
      throw new PromptCaptured(prompt)
    },
  }
  const handle = { path: db.path, name: db.name, compile: db.compile.bind(db), query: db.query.bind(db), schema: async () => schema }
  return async (question) => {
    try {
      await ask({ generator, db: handle, question, rules: rules || undefined, repair: false, promptForm: 'completion' })
    } catch (err) {
      if (err instanceof PromptCaptured && typeof err.prompt === 'string') return err.prompt
      throw err
    }
    throw new Error('ask() finished without generating')
  }
}

/** What the student must learn to write after the prompt: the SQL and the ';' that stops generation. */
export function completionFor(sql: string, planText?: string, planTargets = false): string {
  const body = sql.trim().replace(/;+\s*$/, '')
  // The plan's steps are joined with ' | ', never ';': generation stops at the first ';', which must end the SQL.
  const steps = planText?.replace(/\s+/g, ' ').replace(/\s*;\s*/g, ' | ').trim()
  const plan = planTargets && steps ? `-- ${PLAN_PREFIX} ${steps}\n` : ''
  return `${plan}${body};`
}
