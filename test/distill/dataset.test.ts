// Browsing and editing a customization dataset before training: paging and search, edits re-validated against
// the database (bad SQL rejected, nothing lost), exclusion honoured by training, and an edit makes the train and
// evaluate stages stale so a resume redoes them with the edited data.
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listExamples, readSplit, updateExample } from '../../src/main/core/distill/dataset'
import { readManifest, resumeCustomization, runCustomization, type Trainer, type TrainerInput } from '../../src/main/core/distill/pipeline'
import { SqlstillError } from '../../src/shared/errors'
import { spiderDb, tempDir } from '../helpers/paths'
import { noStudentProfile, promptText } from '../helpers/student'

/** Test double for the student's tokenizer: none is loaded, so prompts are not fitted to a context (as for `ask` with a generator that has no tokenizer). */


let dir: string
const calls: TrainerInput[] = []
/** Test double: records what it would train on. */
const trainer: Trainer = async (config, outDir) => {
  calls.push(config)
  return { adapterPath: `${outDir}/adapter.gguf` }
}

beforeAll(async () => {
  dir = tempDir('sqlstill-dataset-')
  await runCustomization(
    {
      dbPath: spiderDb('pets_1'),
      outDir: dir,
      teacher: 'synth',
      studentModel: '/models/student.gguf',
      addRef: [{ question: 'How many pets are there?', sql: 'SELECT count(*) FROM pets' }],
      n: 16,
      seed: 11,
    },
    { trainer, skipEvaluate: true, studentProfile: noStudentProfile },
  )
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function rejection(p: Promise<unknown>): Promise<SqlstillError> {
  try {
    await p
  } catch (err) {
    return err as SqlstillError
  }
  throw new Error('expected a rejection')
}

describe('customization dataset', () => {
  it('lists with paging and search', () => {
    const all = listExamples(dir, 'train')
    expect(all.total).toBe(readSplit(dir, 'train').length)
    expect(all.total).toBeGreaterThan(5)
    const page = listExamples(dir, 'train', { offset: 2, limit: 3 })
    expect(page.total).toBe(all.total)
    expect(page.items.map((e) => e.id)).toEqual(all.items.slice(2, 5).map((e) => e.id))
    const found = listExamples(dir, 'eval', { search: 'HOW MANY PETS' })
    expect(found.items.map((e) => e.id)).toEqual(['add_ref-0'])
  })

  it('rejects an edit whose SQL does not compile or run, and keeps the example as it was', async () => {
    const before = readSplit(dir, 'train')[3]
    const bad = await rejection(updateExample(dir, before.id, { sql: 'SELECT nosuchcolumn FROM pets' }))
    expect(bad.code).toBe('SQL_ERROR')
    const write = await rejection(updateExample(dir, before.id, { sql: 'DELETE FROM pets' }))
    expect(write.code).toBe('BAD_REQUEST')
    const missing = await rejection(updateExample(dir, 'no-such-id', { excluded: true }))
    expect(missing.code).toBe('NOT_FOUND')
    expect(readSplit(dir, 'train')[3]).toEqual(before)
    expect(readManifest(dir).stages.train.status).toBe('done')
  })

  it('applies a valid edit to both splits of a user item and makes training stale', async () => {
    const edited = await updateExample(dir, 'add_ref-0', { question: 'How many pets are recorded?', sql: 'SELECT count(*) FROM pets;' })
    expect(edited.sql).toBe('SELECT count(*) FROM pets')
    for (const split of ['train', 'eval'] as const) {
      const e = readSplit(dir, split).find((x) => x.id === 'add_ref-0')!
      expect(e.question).toBe('How many pets are recorded?')
      expect(e.edited).toBe(true)
    }
    expect(readManifest(dir).stages.train.status).toBe('pending')
  })

  it('leaves excluded examples out when training resumes with the edited data', async () => {
    const victim = readSplit(dir, 'train').find((e) => e.origin !== 'user')!
    await updateExample(dir, victim.id, { excluded: true })
    const before = calls.length
    await resumeCustomization(dir, { trainer, skipEvaluate: true, studentProfile: noStudentProfile })
    expect(calls.length).toBe(before + 1)
    const latest = calls.at(-1)!
    const kept = readSplit(dir, 'train').filter((e) => !e.excluded)
    expect(latest.examples).toHaveLength(kept.length)
    expect(latest.examples.some((e) => e.completion === `${victim.sql};`)).toBe(false)
    expect(latest.examples.some((e) => promptText(e).includes('-- Question: How many pets are recorded?'))).toBe(true)
    expect(readManifest(dir).stages.train.status).toBe('done')
  })
})
