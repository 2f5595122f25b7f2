// The training prompt is, by construction, the prompt `ask` sends the student: ask() itself runs against a
// generator that records its prompt and stops. So schema linking, budgets and formatting can never drift apart
// between training and inference.
//
// The form is the student's (ModelEngine.promptForm): chat messages for a model with a chat template, which the
// trainer renders with that template and the exported model is asked through in Ollama, LM Studio or
// llama-server chat; plain text for a base model. The trainer records the form in the adapter (sqlstill.prompt.form)
// and the engine asks in it whenever the adapter, or a model fused from it, is in use.
import type { Schema } from '../../../../shared/schema'
import { ask, type SqlGenerator } from '../../ask/ask'
import type { DatabaseHandle } from '../../db'
import type { PromptInput } from '../../llm/engine'
import type { ChatMessage } from '../../prompt/build'
import type { PromptForm } from '../../../../shared/models'
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
  /** The form the student is asked in; the completion form when unknown. */
  promptForm?: PromptForm
}

/** A training prompt in the student's form. */
export type StudentPrompt = { prompt: string } | { messages: ChatMessage[] }
export type StudentPrompter = (question: string) => Promise<StudentPrompt>

export function studentPrompter(
  db: Pick<DatabaseHandle, 'path' | 'name' | 'compile' | 'query'>,
  schema: Schema,
  rules: string,
  profile: StudentProfile = {},
): StudentPrompter {
  const form = profile.promptForm ?? 'completion'
  const generator: SqlGenerator = {
    modelId: 'prompt-capture',
    adapterId: null,
    promptForm: form,
    tokenCounter: profile.tokenCounter,
    contextSize: profile.contextSize,
    async generate(prompt) {
      throw new PromptCaptured(prompt)
    },
  }
  const handle = { path: db.path, name: db.name, compile: db.compile.bind(db), query: db.query.bind(db), schema: async () => schema }
  return async (question) => {
    try {
      await ask({ generator, db: handle, question, rules: rules || undefined, repair: false, promptForm: form })
    } catch (err) {
      if (!(err instanceof PromptCaptured)) throw err
      const p = err.prompt
      if (typeof p === 'string') return { prompt: p }
      if ('messages' in p) return { messages: p.messages }
      throw err
    }
    throw new Error('ask() finished without generating')
  }
}

/**
 * What the student must learn to write after the prompt. The completion form: the SQL and the ';' that stops
 * generation. The chat form: the reply the system prompt asks for, the SQL in a ```sql block (the trainer adds the
 * end-of-turn token that stops it).
 */
export function completionFor(sql: string, planText?: string, planTargets = false, form: PromptForm = 'completion'): string {
  const body = sql.trim().replace(/;+\s*$/, '')
  // The plan's steps are joined with ' | ', never ';': generation stops at the first ';', which must end the SQL.
  const steps = planText?.replace(/\s+/g, ' ').replace(/\s*;\s*/g, ' | ').trim()
  const plan = planTargets && steps ? `-- ${PLAN_PREFIX} ${steps}\n` : ''
  return form === 'chat' ? `\`\`\`sql\n${plan}${body};\n\`\`\`` : `${plan}${body};`
}
