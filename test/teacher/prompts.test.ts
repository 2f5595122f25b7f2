// Reading teacher replies (verdicts, questions) and the prompts the teachers send.
import { describe, expect, test } from 'vitest'
import { judgePrompt, parseQuestion, parseVerdict, questionPrompt, sqlPrompt } from '../../src/main/core/teacher'
import { schema } from './fixtures'

describe('parseVerdict', () => {
  test.each([
    ['{"agrees": true, "reason": "Correct filter."}', true, 'Correct filter.'],
    ['```json\n{"agrees": false, "reason": "Misses the join."}\n```', false, 'Misses the join.'],
    ['Sure! Here is my verdict: {"agrees": "yes", "reason": "fine"} Hope it helps.', true, 'fine'],
    ['{"correct": false, "explanation": "wrong table"}', false, 'wrong table'],
    ['Yes. The query counts singers over 40.', true, 'The query counts singers over 40.'],
    [' no, because it ignores the year', false, 'it ignores the year'],
    ['Verdict: NO - wrong column', false, 'wrong column'],
    ['**Verdict:** yes', true, ''],
    ['Correct', true, ''],
  ])('%j', (reply, agrees, reason) => {
    expect(parseVerdict(reply)).toEqual({ agrees, reason, parsed: true })
  })

  test.each(['', 'Once upon a time there was a little girl named Lily.', '{"agrees": "maybe"}', '{not json', 'Yesterday I saw'])(
    'unreadable %j is a defined no',
    (reply) => {
      expect(parseVerdict(reply)).toEqual({ agrees: false, reason: 'unparseable', parsed: false })
    },
  )
})

describe('parseQuestion', () => {
  test.each([
    ['How many singers are there?', 'How many singers are there?'],
    ['Question: "Which singers are older than 40?"\n\nThis asks for names.', 'Which singers are older than 40?'],
    ['\n\n**Question:** List every concert year.  ', 'List every concert year.'],
    ['- *Natural language question*: Which singer is the oldest?', 'Which singer is the oldest?'],
    ['```\nWhat is the average age?\n```', 'What is the average age?'],
    ['', ''],
    ['?? 12 ::', ''],
  ])('%j', (reply, question) => {
    expect(parseQuestion(reply)).toBe(question)
  })
})

describe('teacher prompts', () => {
  test('the SQL prompt is the student prompt: chat and completion forms carry the schema and the question', () => {
    const p = sqlPrompt({ schema, question: 'Names of singers over 40?', n: 3 })
    expect(p.messages[0].role).toBe('system')
    expect(p.messages[1].content).toContain('CREATE TABLE singer')
    expect(p.messages[1].content).toContain('Question: Names of singers over 40?')
    expect(p.completion.endsWith('-- SQL:\n')).toBe(true)
    expect(p.completionStops).toContain(';')
  })

  test('question and judge prompts show the SQL, the schema and the plan', () => {
    const q = questionPrompt({ sql: 'SELECT count(*) FROM concert;;', schema, plan: 'count the concerts' })
    expect(q.messages[1].content).toContain('SQL:\nSELECT count(*) FROM concert;')
    expect(q.messages[1].content).toContain('What the query does: count the concerts')
    expect(q.completion).toMatch(/-- Question:$/)
    const j = judgePrompt({ question: 'How many concerts?', sql: 'SELECT count(*) FROM concert', schema })
    expect(j.messages[0].content).toContain('"agrees"')
    expect(j.messages[1].content).toContain('CREATE TABLE concert')
    expect(j.completion).toMatch(/-- Verdict:$/)
  })
})
