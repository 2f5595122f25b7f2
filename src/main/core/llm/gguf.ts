// GGUF facts for the model manager and the engine: what a file is, without loading its weights.
import { stat } from 'node:fs/promises'
import { GgufFileType, readGgufFileInfo } from 'node-llama-cpp'
import { SqlstillError } from '../../../shared/errors'
import type { GgufModelInfo, PromptForm } from '../../../shared/models'
import { checkGgufStructure } from '../gguf/structure'
import { isPermissionDenied } from '../platform/fileErrors'
export type { GgufModelInfo }


// Token lists are large (150 k entries for Qwen) and tell the manager nothing.
const IGNORED_KEYS = [
  'tokenizer.ggml.tokens',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.scores',
  'tokenizer.ggml.merges',
]

export function quantizationName(fileType: number | null | undefined): string | null {
  if (fileType == null) return null
  const name = GgufFileType[fileType] as string | undefined
  if (!name) return `type ${fileType}`
  return name.replace(/^(MOSTLY|ALL)_/, '')
}

async function checkFile(path: string): Promise<number> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new SqlstillError('NOT_A_MODEL', `Not a file: ${path}`, { path })
    return info.size
  } catch (err) {
    if (err instanceof SqlstillError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SqlstillError('NOT_FOUND', `Model file not found: ${path}`, { path })
    }
    throw new SqlstillError('NOT_A_MODEL', `Cannot read ${path}: ${(err as Error).message}`, { path })
  }
}

/**
 * sqlstill.prompt.*: what our trainer records of the prompt an adapter was trained on (export carries it into
 * fused models), so the engine asks in that form and with those rules.
 */
function trainedPrompt(metadata: Record<string, Record<string, unknown> | undefined>): { form: PromptForm | null; rules: string | null } {
  const prompt = (metadata.sqlstill?.prompt ?? {}) as Record<string, unknown>
  return {
    form: prompt.form === 'chat' || prompt.form === 'completion' ? prompt.form : null,
    rules: typeof prompt.rules === 'string' && prompt.rules.trim() ? prompt.rules : null,
  }
}

/**
 * node-llama-cpp's view of a GGUF's header (metadata and tensor shapes, the token lists left out), read only after the
 * structure check: its parser allocates what a crafted header declares. NOT_FOUND when missing, NOT_A_MODEL when not
 * a GGUF.
 */
export async function readCheckedGgufFile(path: string): Promise<{ info: Awaited<ReturnType<typeof readGgufFileInfo>>; sizeBytes: number }> {
  const sizeBytes = await checkFile(path)
  try {
    await checkGgufStructure(path)
    return { info: await readGgufFileInfo(path, { sourceType: 'filesystem', ignoreKeys: IGNORED_KEYS, logWarnings: false }), sizeBytes }
  } catch (err) {
    if (err instanceof SqlstillError) throw err
    if (isPermissionDenied(err)) throw new SqlstillError('PERMISSION_DENIED', `No permission to read ${path}`, { path })
    throw new SqlstillError('NOT_A_MODEL', `${path} is not a readable GGUF file: ${(err as Error).message}`, { path })
  }
}

/** Reads any GGUF file's header (model or adapter). NOT_FOUND when missing, NOT_A_MODEL when not a GGUF. */
export async function readGgufHeader(path: string): Promise<GgufModelInfo> {
  const { info, sizeBytes } = await readCheckedGgufFile(path)
  const metadata = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>
  const general = (metadata.general ?? {}) as Record<string, unknown>
  const architecture = typeof general.architecture === 'string' ? general.architecture : ''
  const archMeta = (metadata[architecture] ?? {}) as Record<string, unknown>
  const tokenizer = (metadata.tokenizer ?? {}) as Record<string, unknown>
  const ggml = (tokenizer.ggml ?? {}) as Record<string, unknown>
  let parameterCount = 0
  for (const t of info.fullTensorInfo ?? info.tensorInfo ?? []) {
    parameterCount += t.dimensions.reduce<number>((p, d) => p * Number(d), 1)
  }
  const fileType = typeof general.file_type === 'number' ? general.file_type : null
  const trained = trainedPrompt(metadata)
  return {
    path,
    sizeBytes,
    architecture,
    name: typeof general.name === 'string' ? general.name : null,
    sourceRepository: sourceRepository(general),
    parameterCount,
    quantization: quantizationName(fileType),
    fileType,
    contextLength: typeof archMeta.context_length === 'number' ? archMeta.context_length : null,
    hasChatTemplate: typeof tokenizer.chat_template === 'string' && tokenizer.chat_template.length > 0,
    trainedPromptForm: trained.form,
    trainedRules: trained.rules,
    type: typeof general.type === 'string' ? general.type : null,
    tensorCount: Number(info.totalTensorCount ?? info.tensorCount),
  }
}

/**
 * The Hugging Face repository a GGUF was converted from, when its metadata says (llama.cpp's converter writes
 * general.source.huggingface.repository or general.base_model.N.repo_url, or a URL under general.source.url).
 */
function sourceRepository(general: Record<string, unknown>): string | null {
  const fromUrl = (u: unknown) => (typeof u === 'string' ? (/huggingface\.co\/([\w.-]+\/[\w.-]+)/.exec(u)?.[1] ?? null) : null)
  const source = (general.source ?? {}) as Record<string, unknown>
  const hf = (source.huggingface ?? {}) as Record<string, unknown>
  if (typeof hf.repository === 'string' && hf.repository.includes('/')) return hf.repository
  const base = (general.base_model ?? {}) as Record<string, Record<string, unknown> | undefined>
  return fromUrl(source.url) ?? fromUrl(base['0']?.repo_url) ?? null
}

/** Reads a GGUF and insists it is a usable language model (not an adapter, not a vocab-only file). */
export async function readModelInfo(path: string): Promise<GgufModelInfo> {
  const info = await readGgufHeader(path)
  if (info.type === 'adapter') {
    throw new SqlstillError('NOT_A_MODEL', `${path} is a LoRA adapter, not a model: add it as an adapter instead`, {
      path,
      ggufType: info.type,
    })
  }
  if (!info.architecture) {
    throw new SqlstillError('NOT_A_MODEL', `${path} has no general.architecture: not a model GGUF`, { path })
  }
  if (info.tensorCount === 0 || info.parameterCount === 0) {
    throw new SqlstillError('NOT_A_MODEL', `${path} has no weights (a vocabulary-only GGUF?)`, { path })
  }
  return info
}

/** Reads a GGUF and insists it is a LoRA adapter. */
export async function readAdapterInfo(path: string): Promise<GgufModelInfo> {
  const info = await readGgufHeader(path)
  if (info.type !== 'adapter') {
    throw new SqlstillError('NOT_A_MODEL', `${path} is not a LoRA adapter (general.type is ${info.type ?? 'missing'})`, {
      path,
    })
  }
  return info
}
