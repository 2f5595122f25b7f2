// Text-to-SQL prompts in two forms: chat messages (models with a chat template) and a plain completion prompt
// (base models and the tiny test models). Everything that is the same for every question on a database —
// instructions, schema, rules, examples — comes first, so the model's KV cache can be reused across questions.
import { ENGINE_DIALECTS } from '../../../shared/engine'
import type { Schema } from '../../../shared/schema'
import type { LinkedSchema, LinkOptions } from './link'
import { linkSchema } from './link'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface FewShotExample {
  question: string
  sql: string
}

export interface PromptInput {
  schema: Schema
  question: string
  /** Free-text business rules the user wrote for this database ("revenue means price * quantity"). */
  rules?: string
  examples?: FewShotExample[]
  /** Overrides the dialect named by the schema's engine (SQLite when it names none). */
  dialect?: string
  link?: LinkOptions
}

export interface BuiltPrompt {
  system: string
  /** The user turn of the chat form. */
  user: string
  messages: ChatMessage[]
  /** The plain completion form: ends with "-- SQL:\n" so the model continues with the query. */
  completion: string
  /** Stop sequences that end the query in the completion form. */
  completionStops: string[]
  linked: LinkedSchema
}

/** Where a failed attempt went wrong, for the repair round. */
export interface RepairInput {
  failedSql: string
  error: string
}

export function systemPrompt(dialect = 'SQLite'): string {
  return (
    `You are an expert ${dialect} data analyst. Given a database schema and a question, write one ${dialect} ` +
    'SELECT query that answers the question. Use only tables and columns from the schema. ' +
    'Reply with the SQL in a ```sql code block and nothing else.'
  )
}

function rulesLines(rules: string | undefined): string[] {
  return (rules ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function sqlBody(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '')
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const dialect = input.dialect ?? ENGINE_DIALECTS[input.schema.engine ?? 'sqlite']
  const linked = linkSchema(input.schema, input.question, input.link)
  const rules = rulesLines(input.rules)
  const examples = input.examples ?? []
  const question = oneLine(input.question)

  const userParts = [`Database schema:\n${linked.text}`]
  if (rules.length) userParts.push(`Business rules:\n${rules.map((r) => `- ${r}`).join('\n')}`)
  if (examples.length) {
    userParts.push(
      `Examples:\n${examples.map((e) => `Question: ${oneLine(e.question)}\nSQL: ${oneLine(sqlBody(e.sql))};`).join('\n\n')}`,
    )
  }
  userParts.push(`Question: ${question}`)
  const user = userParts.join('\n\n')
  const system = systemPrompt(dialect)

  const completionParts = [`-- ${dialect} database schema:\n${linked.text}`]
  if (rules.length) completionParts.push(`-- Business rules:\n${rules.map((r) => `-- ${r}`).join('\n')}`)
  for (const e of examples) completionParts.push(`-- Question: ${oneLine(e.question)}\n-- SQL:\n${sqlBody(e.sql)};`)
  completionParts.push(`-- Question: ${question}\n-- SQL:\n`)

  return {
    system,
    user,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
    completion: completionParts.join('\n\n'),
    completionStops: [';', '\n\n', '\n--'],
    linked,
  }
}

/** The repair round: the same prompt, plus the failed query and what went wrong. */
export function buildRepairPrompt(prompt: BuiltPrompt, repair: RepairInput): { messages: ChatMessage[]; completion: string } {
  const failed = sqlBody(repair.failedSql) || '(no SQL)'
  const error = oneLine(repair.error)
  return {
    messages: [
      ...prompt.messages,
      { role: 'assistant', content: `\`\`\`sql\n${failed};\n\`\`\`` },
      {
        role: 'user',
        content: `That query failed: ${error}\nWrite a corrected query for the same question, in a \`\`\`sql code block.`,
      },
    ],
    completion: `${prompt.completion}${oneLine(failed)};\n-- Error: ${error}\n-- Corrected SQL:\n`,
  }
}
