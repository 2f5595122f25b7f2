// One node-llama-cpp runtime per backend, and each model file loaded once and shared by every engine using it
// (a student and a comparison run on the same weights should not hold two copies in memory).
import { realpath } from 'node:fs/promises'
import type { Llama, LlamaModel } from 'node-llama-cpp'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { SqlstillError } from '../../../shared/errors'
import type { Backend } from '../../../shared/models'
export type { Backend }


const runtimes = new Map<Backend, Promise<Llama>>()

export function sharedLlama(backend: Backend = 'auto'): Promise<Llama> {
  let runtime = runtimes.get(backend)
  if (!runtime) {
    runtime = getLlama({
      gpu: backend === 'cpu' ? false : backend,
      // A desktop app cannot compile llama.cpp on the user's machine: use the prebuilt binaries or fail clearly.
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    }).catch((err: unknown) => {
      runtimes.delete(backend)
      throw new SqlstillError(
        'UNSUPPORTED',
        `The ${backend} inference backend is not available on this machine: ${(err as Error).message}`,
        { backend },
      )
    })
    runtimes.set(backend, runtime)
  }
  return runtime
}

/** The backend node-llama-cpp actually picked ('cpu' when it runs without a GPU). */
export function backendInUse(llama: Llama): Backend {
  return llama.gpu === false ? 'cpu' : llama.gpu
}

interface SharedModel {
  model: Promise<LlamaModel>
  refs: number
}

const models = new Map<string, SharedModel>()

export interface ModelLease {
  model: LlamaModel
  release(): Promise<void>
}

/** Loads a model file once per backend; each lease must be released, and the last release frees the weights. */
export async function leaseModel(llama: Llama, modelPath: string, backend: Backend): Promise<ModelLease> {
  const key = `${backend}\0${await realpath(modelPath)}`
  let shared = models.get(key)
  if (!shared) {
    const loading = llama.loadModel({ modelPath }).catch((err: unknown) => {
      models.delete(key)
      throw new SqlstillError('NOT_A_MODEL', `Could not load ${modelPath}: ${(err as Error).message}`, { path: modelPath })
    })
    shared = { model: loading, refs: 0 }
    models.set(key, shared)
  }
  shared.refs++
  const entry = shared
  let model: LlamaModel
  try {
    model = await entry.model
  } catch (err) {
    entry.refs--
    throw err
  }
  let released = false
  return {
    model,
    async release() {
      if (released) return
      released = true
      entry.refs--
      if (entry.refs === 0 && models.get(key) === entry) {
        models.delete(key)
        await model.dispose()
      }
    },
  }
}

/** How many distinct model files are loaded right now (for tests and diagnostics). */
export function loadedModelCount(): number {
  return models.size
}
