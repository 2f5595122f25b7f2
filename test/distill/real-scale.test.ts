// The whole default customization on a student of real shape where it matters for prompts and training: Qwen2.5's
// real tokenizer and vocabulary (151,936 rows, tied head), its 32k context and chat template — only the width and
// depth are small, so it trains in minutes on a CPU. The real pipeline on a Spider database: the synthesizer as
// teacher, every filter, the student's own tokenizer fitting the real `ask` prompt (no example is refused as too
// long: the trainer's maxLength follows the prompts), packed training in the child process, and the evaluation of
// base vs. customized through node-llama-cpp exactly as `ask` runs. It must learn: the training loss falls to a
// fraction of where it started, and so does the loss on the held-out split.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { QWEN25_SHAPES, writeSyntheticQwen2 } from '../../src/main/core/gguf/synthetic'
import { qwen25Vocab } from '../../src/main/bench/realVocabs'
import { readManifest, runCustomization } from '../../src/main/core/distill/pipeline'
import type { TrainResult } from '../../src/shared/train'
import { spiderDb, tempDir } from '../helpers/paths'
import { ensureNativeBuilt } from '../native/helpers/native'

ensureNativeBuilt()

describe('customization at real scale (Qwen2.5 tokenizer and vocabulary, small width)', () => {
  it('runs the default pipeline end to end on concert_singer, and the student learns', { timeout: 900_000 }, async () => {
    const dir = tempDir('sqlstill-real-scale-')
    const student = join(dir, 'qwen2.5-shape-small.gguf')
    const shape = { ...QWEN25_SHAPES['0.5b'], name: 'Qwen2.5 vocabulary, small width', layers: 2, embd: 64, heads: 4, kvHeads: 2, ffn: 192 }
    // random weights, with a final norm of a trained model's size (see SyntheticOptions): else no logit can stand out
    writeSyntheticQwen2(student, shape, 'F16', qwen25Vocab(shape.vocab), { outputNormMean: 8 })
    const started = Date.now()
    const result = await runCustomization({
      dbPath: spiderDb('concert_singer'),
      outDir: join(dir, 'run'),
      teacher: 'synth',
      studentModel: student,
      n: 160,
      seed: 5,
      // a randomly initialised model learns nothing at a real student's learning rate in a few dozen steps
      train: { learningRate: 1e-2, epochs: 8 },
    })
    const seconds = (Date.now() - started) / 1000
    const m = readManifest(join(dir, 'run'))
    for (const stage of Object.values(m.stages)) expect(stage.status).toBe('done')

    // the real prompts, fitted by the student's own tokenizer: none refused, maxLength from the data
    const train = JSON.parse(readFileSync(join(dir, 'run', 'train', 'result.json'), 'utf8')) as TrainResult
    expect(train.examples.skippedTooLong).toBe(0)
    expect(m.stages.train.out).toBe(m.stages.train.in)
    const maxLength = m.stages.train.extra?.maxLength as number
    expect(maxLength).toBeGreaterThanOrEqual(512) // concert_singer's schema prompt is ~550 Qwen tokens
    expect(maxLength).toBeLessThanOrEqual(1024)
    // packed: the shared schema prompt is computed once per sequence, not once per example
    expect(train.tokens.computed).toBeLessThan(train.tokens.examples / 4)

    // it learns: per-step loss and the held-out loss fall
    const steps = readFileSync(join(dir, 'run', 'train', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number; evalLoss?: number })
    const first = steps[0]!.loss
    const last = steps.slice(-3).reduce((s, x) => s + x.loss, 0) / 3
    console.log(
      `real-scale: ${train.examples.train} examples × ${steps.length} steps in ${seconds.toFixed(0)} s (${train.examplesPerSecond.toFixed(1)} ex/s); ` +
        `loss ${first.toFixed(2)} → ${last.toFixed(3)}, eval loss ${train.finalEvalLoss?.toFixed(3)}; ` +
        `positions computed ${train.tokens.computed} of ${train.tokens.examples}; EX ${(100 * (result.evaluation?.base.all ?? 0)).toFixed(1)}% → ${(100 * (result.evaluation?.customized.all ?? 0)).toFixed(1)}%`,
    )
    expect(last).toBeLessThan(first * 0.45)
    expect(train.finalEvalLoss).not.toBeNull()
    expect(train.finalEvalLoss!).toBeLessThan(first * 0.5)
    // evaluated both ways through node-llama-cpp, as `ask` runs the student
    expect(result.evaluation?.base.all).not.toBeNull()
    expect(result.evaluation?.customized.all).not.toBeNull()
  })
})
