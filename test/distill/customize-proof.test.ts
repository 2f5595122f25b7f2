// Proof that "customize on my schema" teaches: the real pipeline (schema-grounded synthesizer as teacher, our native
// LoRA trainer in its child process, the student predictor exactly as `ask` runs it) on the tiny stories260K model
// and a Spider database it has never seen. Execution accuracy on the run's held-out synthesized questions (the eval
// split: disjoint questions, leakage-checked) must rise by at least 50 points, and the run's own decision must say so.
//
// Two settings make a 260K-parameter model able to learn this, both documented choices rather than shortcuts:
// - the LoRA also adapts the output head ('output' target): in stories260K the byte-fallback rows of the head are
//   near-identical (mean cosine 0.99), so '_', '=' and EOS cannot be singled out by projection LoRA alone;
// - the synthesizer works on one table of the database (Pets) and asks for 'easy' questions first; that table
//   has only ~100 distinct easy questions, so the synthesizer tops the set up with medium/hard/extra ones on the
//   same table (the eval split then holds all four levels). The criterion is about synthesized questions; the whole
//   schema with its many numeric/name values to copy is beyond a model this small (measurements below).
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSplit } from '../../src/main/core/distill/dataset'
import { readManifest, runCustomization } from '../../src/main/core/distill/pipeline'
import { ensureNativeBuilt } from '../native/helpers/native'
import { modelsDir, spiderDb, tempDir } from '../helpers/paths'

ensureNativeBuilt()

const dir = tempDir('sqlstill-customize-proof-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// What decides it is how much the synthesizer writes, not how long the student trains: at the same ~1000 optimizer
// steps, measured on this 2-core machine (base EX 0% every time), 100 pairs × 40 epochs gave 50% (eval 44), 200 × 40
// gave 54% (eval 87), 400 × 20 gave 71.5% (eval 130: easy 12/15, medium 33/42, hard 23/34, extra 25/39) and, with
// seed 11, 81.5%. With few pairs the student memorizes them (train loss ~0.001) and misreads "at least"/"at most"
// and values on new ones.
// The large eval split keeps the measurement itself from swinging by a question or two.
describe('customization teaches the tiny student a new schema', () => {
  it('raises execution accuracy on held-out synthesized questions by at least 50 points', { timeout: 3_000_000 }, async () => {
    const started = Date.now()
    const result = await runCustomization({
      dbPath: spiderDb('pets_1'),
      outDir: dir,
      teacher: 'synth',
      studentModel: join(modelsDir, 'stories260K-f32.gguf'),
      n: 400,
      evalFraction: 0.2,
      seed: 7,
      synthesis: { mix: { easy: 1, medium: 0, hard: 0, extra: 0 }, tables: ['Pets'] },
      train: {
        targets: ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down', 'output'],
        rank: 8,
        alpha: 16,
        learningRate: 5e-3,
        epochs: 20,
        batchSize: 8,
        threads: 2,
      },
    })
    const base = result.evaluation!.base.all!
    const customized = result.evaluation!.customized.all!
    console.log(`customize-proof: EX ${(100 * base).toFixed(1)}% → ${(100 * customized).toFixed(1)}% in ${((Date.now() - started) / 1000).toFixed(0)} s`)

    // held out for real: the eval questions are not in the training split
    const trainQuestions = new Set(readSplit(dir, 'train').map((e) => e.question))
    const evalSet = readSplit(dir, 'eval')
    expect(evalSet.length).toBeGreaterThanOrEqual(100)
    expect(evalSet.filter((e) => trainQuestions.has(e.question))).toEqual([])

    expect(customized - base).toBeGreaterThanOrEqual(0.5)
    expect(result.decision?.activate).toBe(true)
    expect(result.decision?.reason).toMatch(/^better on the eval split \(\d+\.\d% → \d+\.\d%\)$/)
    const m = readManifest(dir)
    expect(m.stages.evaluate.status).toBe('done')
    for (const [label, figure] of [['base', base], ['customized', customized]] as const) {
      const report = JSON.parse(readFileSync(join(dir, 'evaluate', label, 'report.json'), 'utf8'))
      expect(report.items.length).toBe(evalSet.length)
      const correct = report.items.filter((i: { verdict: string }) => i.verdict === 'ok').length
      expect(correct / report.items.length).toBeCloseTo(figure, 6)
    }
  })
})
