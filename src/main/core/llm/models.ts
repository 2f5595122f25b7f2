// The model manager: a "models" folder in the data dir for downloaded files, plus models the user pointed at
// elsewhere on disk (remembered in models/index.json, never moved or deleted — only forgotten).
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, isAbsolute, join, relative, resolve } from 'node:path'
import type { ApiErrorShape } from '../../../shared/errors'
import { SqlstillError, toErrorShape } from '../../../shared/errors'
import type { DownloadProgress } from './download'
import { downloadFile, partialPath } from './download'
import type { GgufModelInfo } from './gguf'
import { writeFileAtomic } from '../platform/atomicFile'
import { readModelInfo } from './gguf'
import type { ModelDownloadProgress, ModelEntry, ModelRole, RecommendedModel } from '../../../shared/models'
export type { ModelDownloadProgress, ModelEntry, ModelRole, RecommendedModel }

// approxMemoryBytes = file + f16 KV cache at 4,096 tokens (layers × 2 × KV heads × head dim × 2 bytes per token:
// 12 KB, 28 KB and 57 KB for these three) + ~0.3 GB of compute buffers, rounded up.
export const RECOMMENDED_MODELS: RecommendedModel[] = [
  {
    id: 'qwen2.5-coder-0.5b-instruct-q4_k_m',
    name: 'Qwen2.5-Coder 0.5B Instruct (Q4_K_M)',
    uri: 'hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf',
    role: 'student',
    approxSizeBytes: 398_000_000,
    approxMemoryBytes: 800_000_000,
    recommended: false,
    description: 'Smallest student: fast on any laptop, quickest to fine-tune.',
  },
  {
    id: 'qwen2.5-coder-1.5b-instruct-q4_k_m',
    name: 'Qwen2.5-Coder 1.5B Instruct (Q4_K_M)',
    uri: 'hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    role: 'student',
    approxSizeBytes: 1_120_000_000,
    approxMemoryBytes: 1_600_000_000,
    recommended: true,
    description: 'Much better SQL than the 0.5B, still interactive on a CPU.',
  },
  {
    id: 'qwen2.5-coder-7b-instruct-q4_k_m',
    name: 'Qwen2.5-Coder 7B Instruct (Q4_K_M)',
    uri: 'hf:Qwen/Qwen2.5-Coder-7B-Instruct-GGUF/qwen2.5-coder-7b-instruct-q4_k_m.gguf',
    role: 'teacher',
    approxSizeBytes: 4_680_000_000,
    approxMemoryBytes: 5_500_000_000,
    recommended: true,
    description: 'Local teacher: writes the answers the student learns from.',
  },
]

interface IndexFile {
  external: { path: string; addedAt: string }[]
  managed: Record<string, { source: string | null; addedAt: string }>
}

export function modelId(path: string): string {
  return createHash('sha256').update(resolve(path)).digest('hex').slice(0, 16)
}

/** Turns an `hf:owner/repo/path/file.gguf` URI (or an http(s) URL) into a download URL and a file name. */
export function resolveModelUri(uri: string): { url: string; fileName: string } {
  const trimmed = uri.trim()
  if (trimmed.startsWith('hf:')) {
    const m = /^hf:([^/\s]+)\/([^/\s]+)\/(.+\.gguf)$/i.exec(trimmed)
    if (!m) {
      throw new SqlstillError(
        'BAD_REQUEST',
        `Not a Hugging Face model URI: ${uri}. Use hf:<owner>/<repo>/<file>.gguf, e.g. ${RECOMMENDED_MODELS[1].uri}`,
      )
    }
    const [, owner, repo, file] = m
    const encoded = file.split('/').map(encodeURIComponent).join('/')
    return {
      url: `https://huggingface.co/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/resolve/main/${encoded}`,
      fileName: safeFileName(basename(file)),
    }
  }
  let parsed: URL
  try {
    parsed = new URL(trimmed)
  } catch {
    throw new SqlstillError('BAD_REQUEST', `Not a model URI or URL: ${uri}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new SqlstillError('BAD_REQUEST', `Only hf:, https: and http: model sources are supported (got ${parsed.protocol})`)
  }
  const name = decodeURIComponent(basename(parsed.pathname))
  if (!/\.gguf$/i.test(name)) throw new SqlstillError('BAD_REQUEST', `The URL does not name a .gguf file: ${uri}`)
  return { url: parsed.toString(), fileName: safeFileName(name) }
}

function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '')
  if (!cleaned || !/\.gguf$/i.test(cleaned)) throw new SqlstillError('BAD_REQUEST', `Unusable model file name: ${name}`)
  return cleaned
}

export class ModelManager {
  readonly modelsDir: string
  private readonly indexPath: string
  private readonly downloads = new Map<string, Promise<ModelEntry>>()

  constructor(dataDir: string) {
    this.modelsDir = join(dataDir, 'models')
    this.indexPath = join(this.modelsDir, 'index.json')
  }

  private readIndex(): IndexFile {
    try {
      const raw = JSON.parse(readFileSync(this.indexPath, 'utf8')) as Partial<IndexFile>
      return { external: Array.isArray(raw.external) ? raw.external : [], managed: raw.managed ?? {} }
    } catch {
      return { external: [], managed: {} }
    }
  }

  private writeIndex(index: IndexFile): void {
    // a crash mid-write must not lose the list of external models
    writeFileAtomic(this.indexPath, JSON.stringify(index, null, 2))
  }

  isManaged(path: string): boolean {
    const rel = relative(this.modelsDir, resolve(path))
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
  }

  private async entry(path: string, meta: { source: string | null; addedAt: string | null }): Promise<ModelEntry> {
    const base = {
      id: modelId(path),
      path: resolve(path),
      fileName: basename(path),
      managed: this.isManaged(path),
      source: meta.source,
      addedAt: meta.addedAt,
    }
    try {
      return { ...base, info: await readModelInfo(path) }
    } catch (err) {
      return { ...base, info: null, error: toErrorShape(err) }
    }
  }

  /** Every known model with its metadata; unreadable or vanished files are listed with an error, not hidden. */
  async list(): Promise<ModelEntry[]> {
    const index = this.readIndex()
    const out: ModelEntry[] = []
    if (existsSync(this.modelsDir)) {
      for (const name of readdirSync(this.modelsDir).sort()) {
        if (!/\.gguf$/i.test(name)) continue // skips *.partial downloads and index.json
        const meta = index.managed[name] ?? { source: null, addedAt: null }
        out.push(await this.entry(join(this.modelsDir, name), meta))
      }
    }
    for (const ext of index.external) out.push(await this.entry(ext.path, { source: null, addedAt: ext.addedAt }))
    return out
  }

  async get(id: string): Promise<ModelEntry> {
    const found = (await this.list()).find((m) => m.id === id)
    if (!found) throw new SqlstillError('NOT_FOUND', `No model with id ${id}`, { id })
    return found
  }

  /** Registers a model file where it is (validated first: NOT_FOUND / NOT_A_MODEL). */
  async add(path: string): Promise<ModelEntry> {
    const full = resolve(path)
    await readModelInfo(full)
    if (this.isManaged(full)) return this.entry(full, this.readIndex().managed[basename(full)] ?? { source: null, addedAt: null })
    const index = this.readIndex()
    const addedAt = new Date().toISOString()
    if (!index.external.some((e) => resolve(e.path) === full)) {
      index.external.push({ path: full, addedAt })
      this.writeIndex(index)
    }
    return this.entry(full, { source: null, addedAt })
  }

  /** Deletes a managed file; an external model is only forgotten (its file is left alone). */
  async remove(id: string): Promise<{ deletedFile: boolean; path: string }> {
    const model = await this.get(id)
    const index = this.readIndex()
    if (model.managed) {
      await rm(model.path, { force: true })
      await rm(partialPath(model.path), { force: true })
      delete index.managed[model.fileName]
      this.writeIndex(index)
      return { deletedFile: true, path: model.path }
    }
    index.external = index.external.filter((e) => resolve(e.path) !== model.path)
    this.writeIndex(index)
    return { deletedFile: false, path: model.path }
  }

  /**
   * Downloads a model by hf: URI or http(s) URL into the models folder. Resumes an earlier interrupted download of
   * the same file; an already complete file is validated and returned. A download that is not a model is deleted.
   */
  download(
    uri: string,
    options: { signal?: AbortSignal; onProgress?: (p: ModelDownloadProgress) => void; headers?: Record<string, string> } = {},
  ): Promise<ModelEntry> {
    const { url, fileName } = resolveModelUri(uri)
    const running = this.downloads.get(fileName)
    if (running) return running
    const task = this.downloadNow(uri, url, fileName, options).finally(() => this.downloads.delete(fileName))
    this.downloads.set(fileName, task)
    return task
  }

  private async downloadNow(
    uri: string,
    url: string,
    fileName: string,
    options: { signal?: AbortSignal; onProgress?: (p: ModelDownloadProgress) => void; headers?: Record<string, string> },
  ): Promise<ModelEntry> {
    mkdirSync(this.modelsDir, { recursive: true })
    const dest = join(this.modelsDir, fileName)
    if (!existsSync(dest)) {
      await downloadFile(url, dest, {
        signal: options.signal,
        headers: options.headers,
        onProgress: options.onProgress ? (p) => options.onProgress!({ ...p, uri, fileName }) : undefined,
      })
    }
    try {
      await readModelInfo(dest)
    } catch (err) {
      await rm(dest, { force: true })
      throw err
    }
    const index = this.readIndex()
    const meta = { source: uri, addedAt: new Date().toISOString() }
    index.managed[fileName] = meta
    this.writeIndex(index)
    return this.entry(dest, meta)
  }

  /** A model path from a path, a known id, or a URI (downloaded first when needed). */
  async resolveModel(
    ref: string,
    options: { signal?: AbortSignal; onProgress?: (p: ModelDownloadProgress) => void } = {},
  ): Promise<string> {
    if (/^(hf:|https?:\/\/)/i.test(ref)) return (await this.download(ref, options)).path
    if (/^[0-9a-f]{16}$/.test(ref) && !existsSync(ref)) return (await this.get(ref)).path
    const full = resolve(ref)
    await readModelInfo(full)
    return full
  }
}
