// The training prompt is, by construction, the prompt `ask` sends the student: both come from preparePrompt(),
// with the prompt policy's rules and examples (promptPolicy.ts). So schema linking, budgets, examples and
// formatting can never drift apart between training, evaluation and inference.
//
// The form is the student's (ModelEngine.promptForm): chat messages for a model with a chat template, which the
// trainer renders with that template and the exported model is asked through in Ollama, LM Studio or
// llama-server chat; plain text for a base model. The trainer records the form in the adapter (sqlstill.prompt.form)
// and the engine asks in it whenever the adapter, or a model fused from it, is in use.
import type { Schema } from '../../../../shared/schema'
import { preparePrompt } from '../../ask/ask'
import { examplesForItem } from '../../ask/promptPolicy'
import type { ChatMessage, FewShotExample } from '../../prompt/build'
import type { PromptForm } from '../../../../shared/models'
import { PLAN_PREFIX } from '../../ask/extract'
import type { TokenCounter } from '../../prompt/tokens'

export interface StudentProfile {
  /** The student's tokenizer and context, when known, so long schemas are fitted exactly as at inference. */
  tokenCounter?: TokenCounter
  contextSize?: number
  /** The form the student is asked in; the completion form when unknown. */
  promptForm?: PromptForm
}

/** A training prompt in the student's form. */
export type StudentPrompt = { prompt: string } | { messages: ChatMessage[] }
export type StudentPrompter = (question: string) => StudentPrompt

/** The prompt policy's part of a run: its rules and the user's examples, as recorded in its settings. */
export interface PromptContext {
  rules: string
  examples: readonly FewShotExample[]
}

export function studentPrompter(schema: Schema, context: PromptContext, profile: StudentProfile = {}): StudentPrompter {
  const form = profile.promptForm ?? 'completion'
  const generator = { promptForm: form, tokenCounter: profile.tokenCounter, contextSize: profile.contextSize }
  return (question) => {
    const { input } = preparePrompt({
      generator,
      schema,
      question,
      rules: context.rules || undefined,
      examples: examplesForItem(context.examples, question),
      promptForm: form,
    })
    if (typeof input === 'string') return { prompt: input }
    if ('messages' in input) return { messages: input.messages }
    throw new Error('preparePrompt gave tokens, not text') // it never does: tokens are the engine's rendering
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
