// One prompt policy for every shell (issue 15): the app's ask, the CLI's ask, the training prompts of a
// customization and its evaluation all put the same rules and the user's examples into the student's prompt.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SqlGenerator } from '../../src/main/core/ask'
import { ask, AskHistory } from '../../src/main/core/ask'
import { examplesForItem, promptRules, userExamples } from '../../src/main/core/ask/promptPolicy'
import type { DatabaseHandle } from '../../src/main/core/db'
import { openDatabase } from '../../src/main/core/db'
import { studentPrompter } from '../../src/main/core/distill/pipeline'
import type { PromptInput } from '../../src/main/core/llm/engine'
import type { AskRecord } from '../../src/main/core/ask/types'
import type { PromptForm } from '../../src/shared/models'
import { spiderDbPath } from '../prompt/spider'
import { repoRoot, storiesF32, tempDir } from './models'

const RULES = 'A senior singer is older than 40.'

function record(dbPath: string, question: string, sql: string): AskRecord {
  return {
    id: `id-${question.length}-${Math.random().toString(36).slice(2)}`,
    createdAt: new Date().toISOString(),
    dbPath,
    dbName: 'concert_singer',
    question,
    sql,
    validation: 'ok',
    attempts: [],
    modelId: 'm',
    adapterId: null,
    promptForm: 'completion',
    promptTokens: 0,
    schemaTables: [],
    schemaPruned: false,
    timeToFirstTokenMs: 0,
    totalMs: 0,
    tokensPerSecond: 0,
    result: null,
  }
}

/** What ask() sends a model in this form, recorded. */
async function sentBy(db: DatabaseHandle, question: string, examples: { question: string; sql: string }[], form: PromptForm): Promise<PromptInput> {
  let sent: PromptInput | undefined
  const generator: SqlGenerator = {
    modelId: 'recorder',
    adapterId: null,
    promptForm: form,
    async generate(prompt) {
      sent = prompt
      return { text: 'SELECT 1', stopReason: 'stop' as const, promptTokens: 1, reusedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 1, totalMs: 1, tokensPerSecond: 1 }
    },
  }
  await ask({ generator, db, question, rules: RULES, examples, repair: false })
  return sent!
}

describe('the prompt policy', () => {
  let db: DatabaseHandle
  let dataDir: string
  let history: AskHistory
  const dbPath = spiderDbPath('concert_singer')!

  beforeAll(async () => {
    db = await openDatabase(dbPath)
    dataDir = tempDir()
    history = new AskHistory(dataDir)
    const wrong = history.append(record(dbPath, 'How many singers are there?', 'SELECT 1'))
    history.mark(dbPath, wrong.id, 'wrong', 'SELECT count(*) FROM singer')
    const right = history.append(record(dbPath, 'List the stadium names.', 'SELECT name FROM stadium'))
    history.mark(dbPath, right.id, 'right')
    history.append(record(dbPath, 'An unmarked question', 'SELECT 2')) // no verdict: not an example
  })
  afterAll(() => db.close())

  test('the user examples are the marked answers, oldest first, corrections with their corrected SQL', () => {
    expect(userExamples(history, dbPath)).toEqual([
      { question: 'How many singers are there?', sql: 'SELECT count(*) FROM singer' },
      { question: 'List the stadium names.', sql: 'SELECT name FROM stadium' },
    ])
    expect(userExamples(history, '/another/db.sqlite')).toEqual([])
  })

  test('rules: the given ones, else the adapter’s', () => {
    expect(promptRules('mine', 'trained')).toBe('mine')
    expect(promptRules(undefined, 'trained')).toBe('trained')
    expect(promptRules('  ', 'trained')).toBe('trained')
    expect(promptRules(undefined, null)).toBeUndefined()
  })

  for (const form of ['completion', 'chat'] as const) {
    test(`a training prompt is the prompt ask sends, examples and rules included (${form} form)`, async () => {
      const schema = await db.schema()
      const examples = userExamples(history, dbPath)
      const prompter = studentPrompter(schema, { rules: RULES, examples }, { promptForm: form })
      const question = 'What is the average age of singers from France?'
      const trained = prompter(question)
      const sent = await sentBy(db, question, examples, form)
      expect('prompt' in trained ? trained.prompt : { messages: trained.messages }).toEqual(sent)
      const text = JSON.stringify(sent)
      expect(text).toContain('SELECT count(*) FROM singer')
      expect(text).toContain(RULES)
    })
  }

  test("a dataset item's prompt leaves out its own question: the example would hand the model the answer", async () => {
    const schema = await db.schema()
    const examples = userExamples(history, dbPath)
    expect(examplesForItem(examples, '  how many SINGERS are  there? ')).toEqual([examples[1]])
    const trained = studentPrompter(schema, { rules: '', examples }, {})('How many singers are there?')
    expect('prompt' in trained && trained.prompt).not.toContain('SELECT count(*) FROM singer')
    expect('prompt' in trained && trained.prompt).toContain('SELECT name FROM stadium')
  })

  test('the CLI asks through the same service: a correction in the history enters its prompt', () => {
    const cliData = tempDir()
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), 'ask', dbPath, ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, SQLSTILL_DATA_DIR: cliData },
        timeout: 120_000,
      })
      expect(r.stdout, r.stderr).toMatch(/^\{/)
      return JSON.parse(r.stdout) as AskRecord
    }
    // a small schema budget and 4 tokens keep the prompt inside the toy model's context, so nothing is fitted away
    const args = ['--model', storiesF32, '--json', '--no-repair', '--budget', '60', '--max-tokens', '4', '--threads', '1']
    const question = 'How old is the oldest singer?'
    const before = cli(question, ...args)
    new AskHistory(cliData).mark(dbPath, before.id, 'wrong', 'SELECT max(age) FROM singer')
    const after = cli(question, ...args)
    expect(after.promptTokens).toBeGreaterThan(before.promptTokens + 5)
    expect(cli(question, ...args, '--rules', 'Ages are in years.').promptTokens).toBeGreaterThan(after.promptTokens)
  }, 180_000)
})
