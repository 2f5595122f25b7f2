// The student as an evaluation predictor: the same prompt (policy: promptPolicy.ts), generation, validation and
// repair as `ask`, without history, so accuracy figures measure exactly what users get.
import type { ModelPredictor, ModelPredictorOptions } from '../eval/predictors'
import { ModelEngine } from '../llm'
import { ask } from './ask'
import { examplesForItem, promptRules } from './promptPolicy'

export async function createStudentPredictor(modelPath: string, opts: ModelPredictorOptions = {}): Promise<ModelPredictor> {
  const engine = await ModelEngine.load(modelPath, {
    contextSize: opts.contextSize,
    threads: opts.threads,
    adapter: opts.adapter ? { path: opts.adapter, scale: opts.adapterScale } : null,
  })
  return {
    async predict(item, db) {
      const { record } = await ask({
        generator: engine,
        db: db.handle,
        question: item.question,
        rules: promptRules(opts.rules, engine.trainedRules),
        examples: examplesForItem(opts.examples ?? [], item.question),
        maxTokens: opts.maxTokens,
        // Greedy on purpose, whatever the user's temperature setting: evaluation (and the customization's before/after
        // figures) must give the same accuracy on every run, so no temperature is passed and ask() decodes at 0.
        repair: opts.repair ?? true,
        schemaBudget: opts.schemaBudget,
      })
      return {
        sql: record.sql ?? '',
        ttftMs: record.timeToFirstTokenMs,
        totalMs: record.totalMs,
        tokensPerSecond: record.tokensPerSecond,
        promptTokens: record.promptTokens,
      }
    },
    close: () => engine.dispose(),
  }
}
