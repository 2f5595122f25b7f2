import { join } from 'node:path'
import type { TrainConfigInput } from '../../src/main/core/train/config'
import { modelsDir } from '../helpers/paths'

export const storiesF32 = join(modelsDir, 'stories260K-f32.gguf')
export const storiesQ8 = join(modelsDir, 'stories260K-q8_0.gguf')
export const tinyRandomLlama = join(modelsDir, 'llama-2-tiny-random.gguf')

const animals = ['cat', 'dog', 'bird', 'fish', 'frog', 'bear']
const moods = ['happy', 'sad', 'big', 'small', 'red', 'kind']

/** Small stories-style pairs the 260K model can overfit in a few dozen steps. */
export function storyPairs(n: number, offset = 0): { prompt: string; completion: string }[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset
    return { prompt: `Once upon a time there was a ${animals[i % animals.length]}.`, completion: ` It was very ${moods[(i * 5) % moods.length]} and it liked to play with Tim.` }
  })
}

/** A quick, deterministic job on the 260K model (one thread: tiny graphs gain nothing from more). */
export function quickConfig(overrides: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return {
    baseModel: storiesF32,
    examples: storyPairs(8),
    threads: 1,
    rank: 4,
    alpha: 8,
    batchSize: 4,
    learningRate: 1e-2,
    warmupSteps: 2,
    epochs: 100,
    maxSteps: 30,
    evalEvery: 0,
    checkpointEvery: 0,
    maxLength: 64,
    seed: 7,
    ...overrides,
  }
}
