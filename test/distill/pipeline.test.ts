// The whole customization pipeline with the synthesizer as teacher on a Spider database, an injected trainer
// that records what it is given, and a scripted predictor pair for the evaluate stage. Checks: the recorded
// prompts are what `ask` sends the student, counts add up per stage, the user's items land in both splits,
// a planted duplicate is removed by the leakage check, and cancel-then-resume at every stage gives the same
// dataset as an uninterrupted run.
import { expectCountsReconcile } from '../helpers/reconcile'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ask, type SqlGenerator } from '../../src/main/core/ask/ask'
import { extractSql } from '../../src/main/core/ask/extract'
import { openDatabase, type DatabaseHandle } from '../../src/main/core/db'
import { exportDataset, readSplit } from '../../src/main/core/distill/dataset'
import {
  completionFor,
  evaluateAdapterOnRun,
  readManifest,
  resumeCustomization,
  runCustomization,
  STAGES,
  type CustomizeOptions,
  type CustomizeProgress,
  type PredictorFactory,
  trainingPairs,
  type CustomizeSettings,
  type StageName,
  type Trainer,
  type TrainerInput,
} from '../../src/main/core/distill/pipeline'
import type { PromptForm } from '../../src/shared/models'
import type { Schema } from '../../src/shared/schema'
import { SqlstillError } from '../../src/shared/errors'
import { spiderDb, tempDir } from '../helpers/paths'
import { noStudentProfile, promptText } from '../helpers/student'
import { recordingTrainer, scriptedPredictors } from '../helpers/pipelineDoubles'

/** Test double for the student's tokenizer: none is loaded, so prompts are not fitted to a context (as for `ask` with a generator that has no tokenizer). */


const DB = spiderDb('concert_singer')
const RULES = 'A "star" is a singer older than 40.'
const ADD_REF = [{ question: 'How many stadiums hold more than 5000 people?', sql: 'SELECT count(*) FROM stadium WHERE capacity > 5000' }]
const FIX_IT = [
  {
    question: 'List the names of singers from France',
    sql: "SELECT name FROM singer WHERE country = 'France'",
    wrongSql: "SELECT name FROM singer WHERE country = 'french'",
  },
]

function options(outDir: string, extra: Partial<CustomizeOptions> = {}): CustomizeOptions {
  return {
    dbPath: DB,
    outDir,
    teacher: 'synth',
    studentModel: '/models/student.gguf',
    rules: RULES,
    addRef: ADD_REF,
    fixIt: FIX_IT,
    n: 24,
    evalFraction: 0.2,
    seed: 7,
    ...extra,
  }
}

const dirs: string[] = []
function freshDir(): string {
  const d = tempDir('sqlstill-customize-')
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

let handle: DatabaseHandle
let schema: Schema
beforeAll(async () => {
  handle = await openDatabase(DB)
  schema = await handle.schema()
})
afterAll(async () => {
  await handle?.close()
})

/** What `ask` really sends a student of this form for this question (a generator that records and stops). */
async function askPrompt(question: string, rules: string, promptForm: PromptForm = 'completion'): Promise<unknown> {
  let sent: unknown
  const generator: SqlGenerator = {
    modelId: 'recorder',
    adapterId: null,
    promptForm,
    async generate(prompt) {
      sent = prompt
      return { text: 'SELECT 1', stopReason: 'stop' as const, promptTokens: 1, reusedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 1, totalMs: 1, tokensPerSecond: 1 }
    },
  }
  await ask({ generator, db: handle, question, rules, repair: false })
  return sent
}

function datasetText(outDir: string): string {
  return readFileSync(join(outDir, 'dataset', 'train.jsonl'), 'utf8') + readFileSync(join(outDir, 'dataset', 'eval.jsonl'), 'utf8')
}

describe('customization pipeline with the synthesizer as teacher', () => {
  const uninterrupted = { dir: '', calls: [] as TrainerInput[] }

  beforeAll(async () => {
    uninterrupted.dir = freshDir()
    const rec = recordingTrainer()
    uninterrupted.calls = rec.calls
    const progress: CustomizeProgress[] = []
    const result = await runCustomization(options(uninterrupted.dir, { train: { kid: { alpha: 0.25 }, epochs: 2, rank: 4 } }), {
      trainer: rec.trainer,
      studentProfile: noStudentProfile,
      predictorFactory: scriptedPredictors(() => rec.calls[0]),
      onProgress: (p) => progress.push(p),
      activate: () => undefined,
    })
    expect(result.adapterPath).toBe(join(uninterrupted.dir, 'train', 'adapter.gguf'))
    expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(STAGES))
  }, 120_000)

  it('finishes every stage and records counts that add up', () => {
    const m = readManifest(uninterrupted.dir)
    for (const s of STAGES) expect(m.stages[s].status, s).toBe('done')
    const sum = (r: Record<string, number> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + b, 0)
    // info: in = out + rejected
    expect(m.stages.info.in).toBe(2)
    expect(m.stages.info.out).toBe(2)
    // questions, sql: whatever came in went out or was dropped for a counted reason
    for (const s of ['questions', 'sql'] as StageName[]) {
      expect(m.stages[s].in!, s).toBe(m.stages[s].out! + sum(m.stages[s].dropped))
    }
    expect(m.stages.sql.in).toBe(m.stages.questions.out)
    expect(m.stages.filters.in).toBe(m.stages.sql.out)
    // filters: each filter's input is the previous one's passes; pass + fail = in
    const f = m.stages.filters.filters!
    const chain = ['compile', 'only_select', 'identifiers', 'executes', 'non_degenerate', 'dedupe']
    expect(Object.keys(f)).toEqual([...chain, 'leakage']) // no jury with the synthesizer
    expect(f.compile.in).toBe(m.stages.filters.in)
    for (const name of Object.keys(f)) {
      expect(f[name].pass + f[name].fail, name).toBe(f[name].in)
      expect(sum(f[name].reasons), name).toBe(f[name].fail)
    }
    for (let i = 1; i < chain.length; i++) expect(f[chain[i]].in, chain[i]).toBe(f[chain[i - 1]].pass)
    const extra = m.stages.filters.extra as { train: number; eval: number }
    expect(f.dedupe.pass).toBe(f.leakage.in + extra.eval)
    expect(m.stages.filters.out).toBe(f.leakage.pass - sum(m.stages.filters.dropped) + extra.eval)
    expect(extra.train).toBeLessThanOrEqual(24)
    expect(extra.train).toBeGreaterThan(10)
    expect(extra.eval).toBeGreaterThan(0)
    // dataset: synthetic items once each, user items in both splits
    const train = readSplit(uninterrupted.dir, 'train')
    const evalSet = readSplit(uninterrupted.dir, 'eval')
    expect(train.length + evalSet.length).toBe(m.stages.filters.out! + 2 * 2)
  })

  it('puts the AddRef and FixIt items in both splits, with provenance on every example', () => {
    const train = readSplit(uninterrupted.dir, 'train')
    const evalSet = readSplit(uninterrupted.dir, 'eval')
    for (const split of [train, evalSet]) {
      expect(split.find((e) => e.scenario === 'add_ref')?.sql).toBe(ADD_REF[0].sql)
      expect(split.find((e) => e.scenario === 'fix_it' && e.origin === 'user')?.sql).toBe(FIX_IT[0].sql)
    }
    for (const e of [...train, ...evalSet]) {
      expect(['learn_prior', 'add_ref', 'fix_it', 'synthetic']).toContain(e.scenario)
      expect(e.teacher).toMatch(/^(synth|user)$/)
      expect(Object.keys(e.verdicts).length).toBeGreaterThan(0)
      expect(e.agreement).toBe(1)
      expect(['easy', 'medium', 'hard', 'extra', 'unknown']).toContain(e.hardness)
    }
    // FixIt seeded variations on the same tables (the singer table)
    const variations = train.filter((e) => e.origin === 'fix_it_variation')
    expect(variations.length).toBeGreaterThan(0)
    for (const v of variations) expect(v.tables).toContain('singer')
    // no synthetic training SQL is in the eval split
    const evalSql = new Set(evalSet.map((e) => e.sql))
    for (const e of train.filter((t) => t.origin !== 'user')) expect(evalSql.has(e.sql)).toBe(false)
  })

  it('trains on exactly the prompt ask sends the student, with SQL + ";" as the completion', async () => {
    const [config] = uninterrupted.calls
    const train = readSplit(uninterrupted.dir, 'train')
    expect(config.baseModel).toBe('/models/student.gguf')
    expect(config.examples).toHaveLength(train.length)
    expect(config.evalExamples).toHaveLength(readSplit(uninterrupted.dir, 'eval').length)
    for (const i of [0, 1, train.length - 1]) {
      expect(promptText(config.examples[i])).toBe(await askPrompt(train[i].question, RULES))
      expect(config.examples[i].completion).toBe(`${train[i].sql};`)
    }
    expect(promptText(config.examples[0]).endsWith('-- SQL:\n')).toBe(true)
    expect(config).toMatchObject({ kid: { alpha: 0.25 }, epochs: 2, rank: 4, seed: 7 })
    expect(promptText(config.examples[0])).toContain('-- Business rules:')
  })

  it('writes Struct-SQL plan targets only behind the experiment flag', () => {
    expect(completionFor('SELECT name FROM singer;', 'the name of every singer')).toBe('SELECT name FROM singer;')
    expect(completionFor('SELECT name FROM singer', 'the name of\nevery singer', true)).toBe('-- plan: the name of every singer\nSELECT name FROM singer;')
    expect(completionFor('SELECT 1', undefined, true)).toBe('SELECT 1;')
    // plan steps never contain the ';' that stops generation, and ask() reads the SQL after the plan line
    const completion = completionFor('SELECT name FROM pets WHERE age > 2', 'FROM pets; WHERE age > 2; SELECT name', true)
    expect(completion).toBe('-- plan: FROM pets | WHERE age > 2 | SELECT name\nSELECT name FROM pets WHERE age > 2;')
    expect(completion.indexOf(';')).toBe(completion.length - 1)
    expect(extractSql(completion)).toBe('SELECT name FROM pets WHERE age > 2')
  })

  it('trains a chat-template student on the chat messages ask sends it, the reply a ```sql block', async () => {
    const train = readSplit(uninterrupted.dir, 'train').filter((e) => !e.excluded).slice(0, 3)
    const settings = { rules: RULES, train: { planTargets: false } } as CustomizeSettings
    const pairs = trainingPairs(train, schema, settings, { promptForm: 'chat' })
    for (const [i, pair] of pairs.entries()) {
      expect({ messages: 'messages' in pair ? pair.messages : null }).toEqual(await askPrompt(train[i]!.question, RULES, 'chat'))
      expect(pair.completion).toBe(`\`\`\`sql\n${train[i]!.sql.replace(/;+\s*$/, '')};\n\`\`\``)
      // ask() reads back exactly the trained SQL from such a reply
      expect(extractSql(pair.completion)).toBe(train[i]!.sql.replace(/;+\s*$/, ''))
    }
  })

  it('exports the dataset for other trainers with the exact training prompts, in both forms, and an axolotl recipe', async () => {
    const [config] = uninterrupted.calls
    const out = join(freshDir(), 'export')
    const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))

    // completion-form student: {prompt, completion}, line for line what the trainer was given
    const pc = await exportDataset({ runDir: uninterrupted.dir, format: 'prompt-completion', split: 'train', out: join(out, 'pc.jsonl'), studentProfile: noStudentProfile })
    expect(pc).toMatchObject({ examples: config.examples.length, promptForm: 'completion' })
    expect(lines(pc.out)).toEqual(config.examples.map((e) => ({ prompt: promptText(e), completion: e.completion })))
    const evalOut = await exportDataset({ runDir: uninterrupted.dir, format: 'prompt-completion', split: 'eval', out: join(out, 'eval.jsonl'), studentProfile: noStudentProfile })
    expect(evalOut.examples).toBe(config.evalExamples.length)
    // chat messages cannot carry a plain completion prompt exactly: refused, not approximated
    await expect(exportDataset({ runDir: uninterrupted.dir, format: 'messages', split: 'train', out: join(out, 'm.jsonl'), studentProfile: noStudentProfile })).rejects.toMatchObject({ code: 'UNSUPPORTED' })

    // chat-form student: the conversation ask sends, with the reply as the assistant turn
    const chatProfile = async () => ({ promptForm: 'chat' as const, close: async () => undefined })
    const m = await exportDataset({ runDir: uninterrupted.dir, format: 'messages', split: 'train', out: join(out, 'm.jsonl'), recipe: join(out, 'axolotl.yml'), studentProfile: chatProfile })
    const train = readSplit(uninterrupted.dir, 'train').filter((e) => !e.excluded)
    const first = lines(m.out)[0]
    expect(first.messages.slice(0, -1)).toEqual((await askPrompt(train[0]!.question, RULES, 'chat') as { messages: unknown[] }).messages)
    expect(first.messages.at(-1)).toEqual({ role: 'assistant', content: `\`\`\`sql\n${train[0]!.sql.replace(/;+\s*$/, '')};\n\`\`\`` })
    const conv = await exportDataset({ runDir: uninterrupted.dir, format: 'prompt-completion', split: 'train', out: join(out, 'conv.jsonl'), studentProfile: chatProfile })
    expect(lines(conv.out)[0]).toEqual({ prompt: first.messages.slice(0, -1), completion: [first.messages.at(-1)] })

    // the recipe carries the run's LoRA settings under the Hugging Face module names
    const recipe = readFileSync(m.recipe!, 'utf8')
    expect(recipe).toMatch(/^lora_r: 4$/m)
    expect(recipe).toMatch(/^num_epochs: 2$/m)
    expect(recipe).toMatch(/^lora_target_modules: \["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"\]$/m)
    expect(recipe).toContain(`path: ${JSON.stringify(m.out)}`)
    // the student here names no Hugging Face source: the recipe says to set it instead of guessing one
    expect(m.recipeNeedsBaseModel).toBe(true)
    expect(recipe).not.toMatch(/^base_model:/m)
    await expect(exportDataset({ runDir: uninterrupted.dir, format: 'prompt-completion', split: 'train', out: join(out, 'x.jsonl'), recipe: join(out, 'x.yml'), studentProfile: noStudentProfile })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('judges another adapter (an imported one) on the run\'s eval split against the run\'s base, without asking the base again', async () => {
    const adapter = join(freshDir(), 'imported.gguf')
    writeFileSync(adapter, 'an adapter file')
    let basePredictions = 0
    const counting: PredictorFactory = async (model, opts) => {
      const inner = await scriptedPredictors(() => uninterrupted.calls[0])(model, opts)
      return { ...inner, predict: async (item, ...rest) => (opts.adapter || basePredictions++, inner.predict(item, ...rest)) }
    }
    const result = await evaluateAdapterOnRun({ runDir: uninterrupted.dir, adapterPath: adapter, predictorFactory: counting })
    const run = readManifest(uninterrupted.dir).stages.evaluate.extra!
    expect(result.base).toEqual(run.base)
    expect(result.customized).toEqual(run.customized)
    expect(result.decision.activate).toBe(run.decision.activate)
    expect(basePredictions).toBe(0) // the base's records came from the run's own evaluation
    expect(result.evalDir).toBe(join(uninterrupted.dir, 'evaluate-adapters', 'imported.gguf'))
  })

  it('every stage count reconciles: in = out + each rejection and drop reason', () => {
    expectCountsReconcile(readManifest(uninterrupted.dir))
  })

  it('evaluates base vs customized, reports the user-items figure and decides to activate', () => {
    const m = readManifest(uninterrupted.dir)
    const extra = m.stages.evaluate.extra as {
      base: { all: number; userItems: number }
      customized: { all: number; userItems: number }
      decision: { activate: boolean; activated: boolean }
    }
    expect(extra.base.all).toBe(0)
    expect(extra.customized.userItems).toBe(1) // the user's items are trained on and evaluated
    expect(extra.customized.all).toBeGreaterThan(0)
    expect(extra.decision.activate).toBe(true)
    expect(extra.decision.activated).toBe(true)
    const comparison = JSON.parse(readFileSync(join(uninterrupted.dir, 'evaluate', 'comparison.json'), 'utf8'))
    expect(comparison.overall.delta).toBeGreaterThan(0)
  })

  it('removes a planted training duplicate of an evaluation item (leakage)', async () => {
    // Plant: an AddRef pair (always an eval item) whose SQL is one the synthesizer will produce for training.
    const synthetic = readSplit(uninterrupted.dir, 'train').find((e) => e.origin === 'synth_template')!
    const dir = freshDir()
    const rec = recordingTrainer()
    await runCustomization(options(dir, { addRef: [...ADD_REF, { question: 'Planted: the same query again', sql: synthetic.sql }] }), {
      trainer: rec.trainer,
      studentProfile: noStudentProfile,
      skipEvaluate: true,
    })
    const m = readManifest(dir)
    expect(m.stages.filters.filters!.leakage.fail).toBeGreaterThanOrEqual(1)
    const train = readSplit(dir, 'train')
    expect(train.filter((e) => e.sql === synthetic.sql).map((e) => e.origin)).toEqual(['user'])
  }, 120_000)

  it('cancelled in the middle of every stage, then resumed, builds the same dataset', async () => {
    const dir = freshDir()
    const rec = recordingTrainer()
    let cancels = 0
    const cancelledIn: string[] = []
    for (const target of STAGES) {
      // Abort once this stage has reported progress (mid-stage where it reports per item).
      const controller = new AbortController()
      const deps = {
        trainer: (async (config, outDir, o) => {
          if (target === 'train') {
            controller.abort()
            throw new SqlstillError('CANCELLED', 'stopped mid-training')
          }
          return rec.trainer(config, outDir, o)
        }) as Trainer,
        predictorFactory: scriptedPredictors(() => rec.calls[0]),
        studentProfile: noStudentProfile,
        signal: controller.signal,
        onProgress: (p: CustomizeProgress) => {
          if (p.stage === target && (p.done >= 2 || target === 'info' || target === 'dataset') && p.message !== 'done') controller.abort()
        },
      }
      try {
        if (cancels === 0) await runCustomization(options(dir), deps)
        else await resumeCustomization(dir, deps)
      } catch (err) {
        expect((err as SqlstillError).code).toBe('CANCELLED')
        cancels++
        const m = readManifest(dir)
        cancelledIn.push(target)
        expect(m.stages[target].status).toBe('cancelled')
        continue
      }
    }
    expect(cancelledIn).toEqual([...STAGES])
    await resumeCustomization(dir, { trainer: rec.trainer,
      studentProfile: noStudentProfile, predictorFactory: scriptedPredictors(() => rec.calls[0]) })
    const m = readManifest(dir)
    for (const s of STAGES) expect(m.stages[s].status).toBe('done')
    expect(datasetText(dir)).toBe(datasetText(uninterrupted.dir))
    expect(rec.calls.at(-1)!.examples).toEqual(uninterrupted.calls[0].examples)
  }, 240_000)
})
