// Models as the UI and the core both see them: files, their GGUF facts, downloads, the loaded student.
import type { ApiErrorShape } from './errors'

export type PromptForm = 'chat' | 'completion'

export interface GgufModelInfo {
  path: string
  sizeBytes: number
  /** general.architecture, e.g. "llama", "qwen2". */
  architecture: string
  name: string | null
  /** The Hugging Face repository it was converted from, when the GGUF says (general.source / base_model). */
  sourceRepository: string | null
  /** Sum of the elements of every tensor. */
  parameterCount: number
  /** Quantization as people name it ("Q4_K_M", "F32"), from general.file_type; null when the file does not say. */
  quantization: string | null
  fileType: number | null
  /** The context length the model was trained with. */
  contextLength: number | null
  hasChatTemplate: boolean
  /**
   * The prompt form sqlstill fine-tuned this file on (sqlstill.prompt.form: its LoRA adapters and the models fused
   * from them); null for everything else. Such a file is asked in that form, whatever its chat template.
   */
  trainedPromptForm: PromptForm | null
  /** sqlstill.prompt.rules: the business rules the file was fine-tuned with (null when none were given). */
  trainedRules: string | null
  /** general.type: "model" for models, "adapter" for LoRA files; null when absent (older files are models). */
  type: string | null
  tensorCount: number
}

export interface DownloadProgress {
  downloadedBytes: number
  /** Null when the server does not say. */
  totalBytes: number | null
  /** Average over this session of the download (not counting resumed bytes). */
  bytesPerSecond: number
  etaSeconds: number | null
  /** Bytes that were already on disk from an earlier, interrupted attempt. */
  resumedFromBytes: number
}

export type Backend = 'auto' | 'metal' | 'cuda' | 'vulkan' | 'cpu'

export interface AdapterSpec {
  path: string
  /** Adapter strength; 1 applies it as trained, 0 disables it. Default 1. */
  scale?: number
}

export interface RecommendedModel {
  id: string
  name: string
  uri: string
  role: ModelRole
  approxSizeBytes: number
  /** Memory it takes loaded: the weights, the KV cache at the default 4,096-token context, compute buffers. */
  approxMemoryBytes: number
  /** The one to pick when unsure, per role. */
  recommended: boolean
  description: string
}

export interface ModelEntry {
  /** Stable id: a hash of the file's absolute path. */
  id: string
  path: string
  fileName: string
  /** True for files inside the models folder (deleting removes the file); false for external files. */
  managed: boolean
  /** Where it was downloaded from, when it was. */
  source: string | null
  addedAt: string | null
  /** Null when the file could not be read (then `error` says why). */
  info: GgufModelInfo | null
  error?: ApiErrorShape
}

export interface ModelDownloadProgress extends DownloadProgress {
  uri: string
  fileName: string
}

export type ModelRole = 'student' | 'teacher'

export interface LoadedModelInfo {
  modelId: string
  path: string
  architecture: string
  quantization: string | null
  parameterCount: number
  contextSize: number
  contextClamped: boolean
  trainContextSize: number
  hasChatTemplate: boolean
  /** How questions are put to the model as loaded now: the active adapter's trained form wins over the template. */
  promptForm: PromptForm
  backend: Backend
  adapter: AdapterSpec | null
  /** Layers on the GPU, of all the model's layers (0 on the CPU backend). */
  gpuLayers: number
  totalLayers: number | null
  /** Memory the loaded model takes: its weights, and its context's KV cache (as llama.cpp reports them). */
  memory: { weightsBytes: number; contextBytes: number }
  /** Generations it runs at once. */
  slots: number
}

/** What `model.importAdapter` wrote: a llama.cpp LoRA GGUF converted from a PEFT adapter. */
export interface PeftImportResult {
  out: string
  rank: number
  alpha: number
  /** Our target names (attn_q … ffn_down, output). */
  targets: string[]
  tensors: number
  /** What the adapter said it was trained on (base_model_name_or_path). */
  trainedOn: string | null
}
