// The teacher's prompts, in the two forms the student's prompts have: chat messages (servers and models with a chat
// template) and plain completion text (base models). Text-to-SQL reuses the student's own prompt so the teacher
// answers the question the student will be trained on; question writing and judging get their own instructions.
// Also the readers of the replies, which must never throw: a teacher's reply is untrusted text.
import type { Schema } from '../../../shared/schema'
import type { ChatMessage } from '../prompt/build'
import { buildPrompt } from '../prompt/build'
import { linkSchema } from '../prompt/link'
import type { TokenCounter } from '../prompt/tokens'
import type { TeacherJudgeRequest, TeacherQuestionRequest, TeacherSqlRequest, TeacherVerdict } from './types'
import { DEFAULT_TEACHER_SCHEMA_BUDGET } from './types'

export interface TeacherPrompt {
  messages: ChatMessage[]
  completion: string
  /** Stops for the completion form only (chat templates bring their own). */
  completionStops: string[]
}

export interface PromptOptions {
  countTokens?: TokenCounter
  schemaBudgetTokens?: number
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function sqlBody(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '')
}

/** The schema part for prompts about a given SQL: linking on the SQL's own words keeps the tables it touches. */
function schemaFor(schema: Schema, text: string, options: PromptOptions): string {
  return linkSchema(schema, text, {
    budgetTokens: options.schemaBudgetTokens ?? DEFAULT_TEACHER_SCHEMA_BUDGET,
    ...(options.countTokens ? { countTokens: options.countTokens } : {}),
  }).text
}

export function sqlPrompt(req: TeacherSqlRequest, options: PromptOptions = {}): TeacherPrompt {
  const built = buildPrompt({
    schema: req.schema,
    question: req.question,
    rules: req.rules,
    examples: req.examples,
    link: {
      budgetTokens: req.schemaBudgetTokens ?? options.schemaBudgetTokens ?? DEFAULT_TEACHER_SCHEMA_BUDGET,
      ...(options.countTokens ? { countTokens: options.countTokens } : {}),
    },
  })
  return { messages: built.messages, completion: built.completion, completionStops: built.completionStops }
}

const QUESTION_SYSTEM =
  'You write questions for a text-to-SQL dataset. Given a SQLite database schema and a SQL query, write the one ' +
  'question a business user would ask, in plain English, that this query answers exactly: mention every filter, ' +
  'grouping, ordering and limit it applies, and nothing it does not. Do not mention SQL. ' +
  'Reply with the question only, on one line.'

export function questionPrompt(req: TeacherQuestionRequest, options: PromptOptions = {}): TeacherPrompt {
  const sql = sqlBody(req.sql)
  const schemaText = schemaFor(req.schema, sql, options)
  const plan = req.plan ? oneLine(req.plan) : ''
  const user = [`Database schema:\n${schemaText}`, `SQL:\n${sql};`, ...(plan ? [`What the query does: ${plan}`] : []), 'Question:'].join(
    '\n\n',
  )
  const completion = [
    `-- SQLite database schema:\n${schemaText}`,
    `-- SQL:\n${sql};`,
    ...(plan ? [`-- What the query does: ${plan}`] : []),
    '-- The question this query answers, in plain English:\n-- Question:',
  ].join('\n\n')
  return {
    messages: [
      { role: 'system', content: QUESTION_SYSTEM },
      { role: 'user', content: user },
    ],
    completion,
    completionStops: ['\n'],
  }
}

const JUDGE_SYSTEM =
  'You review text-to-SQL training data. Given a SQLite database schema, a question and a SQL query, decide whether ' +
  'the query answers the question correctly and completely: the right tables and joins, filters, aggregation, ' +
  'grouping, ordering and limit. Reply with JSON only, in this form: {"agrees": true, "reason": "one short sentence"}.'

export function judgePrompt(req: TeacherJudgeRequest, options: PromptOptions = {}): TeacherPrompt {
  const sql = sqlBody(req.sql)
  const question = oneLine(req.question)
  const schemaText = schemaFor(req.schema, `${question} ${sql}`, options)
  return {
    messages: [
      { role: 'system', content: JUDGE_SYSTEM },
      { role: 'user', content: `Database schema:\n${schemaText}\n\nQuestion: ${question}\n\nSQL:\n${sql};` },
    ],
    completion:
      `-- SQLite database schema:\n${schemaText}\n\n-- Question: ${question}\n-- SQL:\n${sql};\n\n` +
      '-- Does the SQL answer the question correctly and completely? Answer yes or no, then give the reason.\n-- Verdict:',
    completionStops: ['\n\n'],
  }
}

const QUESTION_LABEL = /^[\s#>*_-]*(?:natural[- ]language\s+)?question\s*\**\s*:\s*\**\s*/i
const MAX_QUESTION_CHARS = 500

/** The question in a teacher's reply: the first line with words, without labels, quotes or fences. */
export function parseQuestion(reply: string): string {
  const text = reply.replace(/```[A-Za-z]*\n?/g, '\n')
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(QUESTION_LABEL, '').trim()
    line = line.replace(/^[\s"'“”‘’`*_]+|[\s"'“”‘’`*_]+$/g, '').trim()
    if (!/[A-Za-z]{2}/.test(line)) continue
    return oneLine(line).slice(0, MAX_QUESTION_CHARS)
  }
  return ''
}

const UNPARSEABLE: TeacherVerdict = { agrees: false, reason: 'unparseable', parsed: false }
const YES = /^(?:yes|y|true|correct|agree|agrees|right|valid)$/i
const NO = /^(?:no|n|false|incorrect|wrong|disagree|disagrees|invalid)$/i
const MAX_REASON_CHARS = 300

function verdictWord(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    const word = value.trim().replace(/[.!]+$/, '')
    if (YES.test(word)) return true
    if (NO.test(word)) return false
  }
  return null
}

function fromJson(candidate: string): TeacherVerdict | null {
  let value: unknown
  try {
    value = JSON.parse(candidate)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const record = value as Record<string, unknown>
  for (const key of ['agrees', 'agree', 'correct', 'verdict', 'answer', 'valid']) {
    const agrees = verdictWord(record[key])
    if (agrees === null) continue
    const reason = typeof record.reason === 'string' ? record.reason : typeof record.explanation === 'string' ? record.explanation : ''
    return { agrees, reason: oneLine(reason).slice(0, MAX_REASON_CHARS), parsed: true }
  }
  return null
}

/**
 * A juror's verdict from its reply: JSON (`{"agrees": …, "reason": …}`, also inside a code fence or prose), or a
 * reply that starts with yes/no (after an optional "Verdict:" label). Anything else is unparseable, which never
 * counts as agreement.
 */
export function parseVerdict(reply: string): TeacherVerdict {
  for (const match of reply.matchAll(/\{[^{}]*\}/g)) {
    const verdict = fromJson(match[0])
    if (verdict) return verdict
  }
  const text = reply.replace(/```[A-Za-z]*/g, '').trim()
  const m = /^(?:\**\s*(?:verdict|answer)\s*\**\s*:\s*)?\**\s*([A-Za-z]+)\b\**[\s.,:;!\-–—]*([\s\S]*)$/i.exec(text)
  if (!m) return UNPARSEABLE
  const agrees = verdictWord(m[1])
  if (agrees === null) return UNPARSEABLE
  const reason = oneLine(m[2].replace(/^(?:reason|because)\s*:?\s*/i, '')).slice(0, MAX_REASON_CHARS)
  return { agrees, reason, parsed: true }
}
