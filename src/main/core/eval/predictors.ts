// Where model-backed predictors come from. The evaluation core does not know about inference engines; whoever
// owns one registers a factory here at start-up, and `eval --model` uses it.
import { SqlstillError } from '../../../shared/errors'
import type { Predictor } from './runner'

export interface ModelPredictor {
  predict: Predictor
  /** Frees the model (weights, contexts). */
  close(): Promise<void>
}

export interface ModelPredictorOptions {
  /** Stop generation after this many tokens. */
  maxTokens?: number
  /** A LoRA adapter applied to the model (e.g. a customization run's output). */
  adapter?: string
  adapterScale?: number
  contextSize?: number
  threads?: number
  schemaBudget?: number
  /** One repair round after a failing query, as in the app (default true). */
  repair?: boolean
  /** Business rules in the prompt (default: the ones the adapter or a fused model was trained with). */
  rules?: string
  /** The prompt policy's user examples; an item's own question is left out of its prompt. */
  examples?: { question: string; sql: string }[]
}

export type ModelPredictorFactory = (modelPath: string, opts: ModelPredictorOptions) => Promise<ModelPredictor>

let factory: ModelPredictorFactory | undefined

export function registerModelPredictorFactory(f: ModelPredictorFactory | undefined): void {
  factory = f
}

export function hasModelPredictor(): boolean {
  return factory !== undefined
}

export async function createModelPredictor(modelPath: string, opts: ModelPredictorOptions = {}): Promise<ModelPredictor> {
  if (!factory) {
    throw new SqlstillError(
      'UNSUPPORTED',
      'Evaluating a model is not available in this build (no inference engine is registered); use --gold-as-pred to check the harness.',
    )
  }
  return factory(modelPath, opts)
}
