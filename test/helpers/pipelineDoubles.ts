// Test doubles for the customization pipeline's trainer and student, shared by the pipeline tests on every engine.
import { join } from 'node:path'
import type { PredictorFactory, Trainer, TrainerInput } from '../../src/main/core/distill/pipeline'

/** Test double for the trainer: records its input and writes nothing but a placeholder adapter path. */
export function recordingTrainer(): { trainer: Trainer; calls: TrainerInput[] } {
  const calls: TrainerInput[] = []
  return {
    calls,
    trainer: async (config, outDir) => {
      calls.push(config)
      return { adapterPath: join(outDir, 'adapter.gguf') }
    },
  }
}

/**
 * Test double for the student: the base "model" answers nothing, the customized one (with an adapter) answers
 * with the gold SQL for questions it was trained on — enough to exercise the comparison and the decision.
 */
export function scriptedPredictors(trained: () => TrainerInput | undefined): PredictorFactory {
  return async (_model, opts) => ({
    predict: async (item) => {
      if (!opts.adapter) return { sql: '' }
      const seen = trained()?.examples.some((e) => e.completion === `${item.gold};`)
      return { sql: seen ? item.gold : '' }
    },
    close: async () => undefined,
  })
}
