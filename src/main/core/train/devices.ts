// Which device the trainer runs on. node-llama-cpp ships each GPU backend of ggml as its own library in its own
// prebuilt package (libggml-vulkan.so in @node-llama-cpp/linux-x64-vulkan, libggml-cuda.so in …-cuda, Metal in the
// macOS package); they all link the same libggml-base our addon uses, so the addon can load one and train on it.
// 'auto' loads what is installed (CUDA, then Vulkan, then Metal) and trains on the first GPU ggml then lists, else
// on the CPU — the same order node-llama-cpp follows for inference.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import type { Backend } from '../../../shared/models'
import { findRepoRoot, loadNative } from './native'

export type TrainBackend = Backend
export const TRAIN_BACKENDS = ['auto', 'cpu', 'vulkan', 'cuda', 'metal'] as const satisfies readonly TrainBackend[]

type GpuKind = Exclude<TrainBackend, 'auto' | 'cpu'>

const LIBRARY_EXT = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so'

function platformId(): string {
  const os = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : process.platform
  return `${os}-${process.arch}`
}

/** Where node-llama-cpp's packages keep a backend's library, most preferred first. */
export function backendLibraryCandidates(kind: GpuKind, root = findRepoRoot()): string[] {
  const base = join(root, 'node_modules', '@node-llama-cpp')
  const id = platformId()
  const lib = `libggml-${kind}.${LIBRARY_EXT}`
  switch (kind) {
    case 'cuda':
      // the plain build needs the CUDA runtime installed; the -ext package carries one built with it
      return [join(base, `${id}-cuda`, 'bins', `${id}-cuda`, lib), join(base, `${id}-cuda-ext`, 'bins', `${id}-cuda`, 'fallback', lib)]
    case 'vulkan':
      return [join(base, `${id}-vulkan`, 'bins', `${id}-vulkan`, lib)]
    case 'metal':
      return [join(base, `${id}-metal`, 'bins', `${id}-metal`, lib), join(base, id, 'bins', id, lib)]
  }
}

/** Loads one backend's library into the addon; the reason it could not, or null. */
function tryLoad(kind: GpuKind): string | null {
  const candidates = backendLibraryCandidates(kind).filter((p) => existsSync(p))
  if (candidates.length === 0) return `node-llama-cpp's ${kind} package is not installed for ${platformId()}`
  const reasons: string[] = []
  for (const path of candidates) {
    try {
      loadNative().loadBackendLibrary(path)
      return null
    } catch (err) {
      reasons.push((err as Error).message)
    }
  }
  return reasons.join('; ')
}

/**
 * Makes the backend available to the trainer and returns what to pass as its `backend` option. A backend asked for
 * by name that cannot be loaded is an UNSUPPORTED error naming why; 'auto' loads what it can and falls back to the
 * CPU (the trainer's device info says where it ended up).
 */
export function prepareTrainBackend(backend: TrainBackend): string {
  if (backend === 'cpu') return 'cpu'
  if (backend === 'auto') {
    for (const kind of ['cuda', 'vulkan', 'metal'] as const) tryLoad(kind)
    return 'auto'
  }
  const why = tryLoad(backend)
  if (why) throw new SqlstillError('UNSUPPORTED', `The ${backend} training backend is not available: ${why}`, { backend })
  return backend
}
