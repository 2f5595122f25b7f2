// Hand-made predictions against a real database, scored end to end (execution in the db host, timeouts,
// DISTINCT removal, ORDER BY detection) — each case is one the official rules decide.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runEvaluation, type EvalItem, type ItemRecord, type Predictor } from '../../src/main/core/eval'
import { buildPetsDb, tempDir } from './fixtures'

interface Case {
  name: string
  gold: string
  pred: string
  verdict: ItemRecord['verdict']
}

const CASES: Case[] = [
  { name: 'identical', gold: 'SELECT name FROM pet', pred: 'SELECT name FROM pet', verdict: 'ok' },
  { name: 'wrong column', gold: 'SELECT name FROM pet', pred: 'SELECT kind FROM pet', verdict: 'wrong_result' },
  { name: 'missing row', gold: 'SELECT name FROM pet', pred: 'SELECT name FROM pet WHERE id < 5', verdict: 'wrong_result' },
  {
    name: 'extra duplicate row (multiset)',
    gold: 'SELECT name FROM owner',
    pred: 'SELECT name FROM owner UNION ALL SELECT name FROM owner WHERE id = 1',
    verdict: 'wrong_result',
  },
  {
    name: 'duplicates are not collapsed: kinds with repeats vs distinct kinds',
    gold: 'SELECT kind FROM pet',
    pred: 'SELECT kind FROM pet GROUP BY kind',
    verdict: 'wrong_result',
  },
  {
    name: 'wrong order under gold ORDER BY',
    gold: 'SELECT name FROM pet ORDER BY age',
    pred: 'SELECT name FROM pet ORDER BY age DESC',
    verdict: 'wrong_result',
  },
  {
    name: 'same rows in another order without ORDER BY',
    gold: 'SELECT name FROM pet',
    pred: 'SELECT name FROM pet ORDER BY name DESC',
    verdict: 'ok',
  },
  {
    name: 'reordered columns',
    gold: 'SELECT name, kind, age FROM pet WHERE weight > 4',
    pred: 'SELECT age, name, kind FROM pet WHERE weight > 4',
    verdict: 'ok',
  },
  {
    name: 'reordered columns under ORDER BY',
    gold: 'SELECT name, age FROM pet ORDER BY age',
    pred: 'SELECT age, name FROM pet ORDER BY age',
    verdict: 'ok',
  },
  { name: 'DISTINCT difference only', gold: 'SELECT DISTINCT kind FROM pet', pred: 'SELECT kind FROM pet', verdict: 'ok' },
  { name: 'DISTINCT on the prediction only', gold: 'SELECT city FROM owner', pred: 'SELECT DISTINCT city FROM owner', verdict: 'ok' },
  {
    name: 'both empty',
    gold: "SELECT name FROM pet WHERE kind = 'bird'",
    pred: 'SELECT name, age FROM pet WHERE age > 100',
    verdict: 'ok',
  },
  { name: 'prediction empty, gold not', gold: 'SELECT name FROM pet', pred: "SELECT name FROM pet WHERE kind = 'bird'", verdict: 'empty' },
  { name: 'integer vs real of the same value', gold: 'SELECT weight FROM pet WHERE id = 2', pred: 'SELECT 4', verdict: 'ok' },
  { name: 'Spider-style double-quoted value', gold: 'SELECT name FROM pet WHERE kind = "dog"', pred: "SELECT name FROM pet WHERE kind = 'dog'", verdict: 'ok' },
  { name: 'syntax error', gold: 'SELECT name FROM pet', pred: 'SELECT name FORM pet', verdict: 'parse' },
  { name: 'unknown table', gold: 'SELECT name FROM pet', pred: 'SELECT name FROM pets', verdict: 'unknown_identifier' },
  { name: 'unknown column', gold: 'SELECT name FROM pet', pred: 'SELECT nme FROM pet', verdict: 'unknown_identifier' },
  { name: 'two statements', gold: 'SELECT name FROM pet', pred: 'SELECT name FROM pet; SELECT 1', verdict: 'parse' },
  // A write is refused by the read-only connection: a runtime error, not a crash.
  { name: 'tries to write', gold: 'SELECT name FROM pet', pred: "UPDATE pet SET name = 'x'", verdict: 'runtime_error' },
  { name: 'not SQL at all', gold: 'SELECT name FROM pet', pred: 'Sorry, I cannot answer that.', verdict: 'no_sql' },
  {
    name: 'runs past the time limit',
    gold: 'SELECT count(*) FROM pet',
    pred: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n',
    verdict: 'timeout',
  },
  // The timeout stopped the database host; the next item must get a working one.
  { name: 'after a timeout', gold: 'SELECT name FROM owner', pred: 'SELECT name FROM owner', verdict: 'ok' },
]

describe('official execution-accuracy rules, end to end', () => {
  let dir: string
  let records: ItemRecord[]

  beforeAll(async () => {
    dir = tempDir('rules')
    const dbPath = buildPetsDb(dir)
    const items: EvalItem[] = CASES.map((c, i) => ({ id: String(i), dbId: 'pets', question: c.name, gold: c.gold }))
    const predict: Predictor = async (item) => ({ sql: CASES[Number(item.id)].pred, totalMs: 5 })
    const run = await runEvaluation({
      items,
      predict,
      dbResolver: (id) => (id === 'pets' ? dbPath : null),
      outFile: join(dir, 'items.jsonl'),
      timeoutMs: 400,
    })
    records = run.records
  }, 120_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const [i, c] of CASES.entries()) {
    it(`${c.name} → ${c.verdict}`, () => {
      const r = records[i]
      expect(r.question).toBe(c.name)
      expect(r.verdict, r.detail).toBe(c.verdict)
    })
  }

  it('keeps the error text for failures and the latency fields', () => {
    const unknown = records.find((r) => r.question === 'unknown table')!
    expect(unknown.detail).toMatch(/no such table: pets/)
    expect(records[0].totalMs).toBe(5)
    expect(typeof records[0].execMs).toBe('number')
  })

  it('skips items whose database is missing and reports a failing predictor as no_sql', async () => {
    const items: EvalItem[] = [
      { id: 'a', dbId: 'nowhere', question: 'q', gold: 'SELECT 1' },
      { id: 'b', dbId: 'pets', question: 'q', gold: 'SELECT 1' },
    ]
    const run = await runEvaluation({
      items,
      predict: async () => {
        throw new Error('model crashed')
      },
      dbResolver: (id) => (id === 'pets' ? join(dir, 'pets.sqlite') : null),
      outFile: join(dir, 'other.jsonl'),
    })
    expect(run.records.map((r) => r.verdict)).toEqual(['skipped', 'no_sql'])
    expect(run.records[0].detail).toMatch(/not found/)
    expect(run.records[1].detail).toMatch(/model crashed/)
  })
})
