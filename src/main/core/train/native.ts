// Loads the native training addon (native/build/sqlstill_native.node, built by `npm run build:native`) and gives it
// types. The addon is found relative to the repository root, so this works from source (tsx/vitest) and from the
// bundled main process alike.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ERROR_CODES, SqlstillError, type ErrorCode } from '../../../shared/errors'

/** The per-layer projection targets: the default set. */
export const LORA_TARGETS = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'] as const
/**
 * Every target the trainer accepts: the projections plus the opt-in output head ('output', adapter tensors
 * output.weight.lora_{a,b}), which a tiny model needs when tokens it must emit have near-identical output rows.
 */
export const ALL_LORA_TARGETS = [...LORA_TARGETS, 'output'] as const
export type LoraTarget = (typeof ALL_LORA_TARGETS)[number]

export interface GgmlInfo {
  backends: string[]
  devices: string[]
  nThreads: number
  libDir: string
}

export type GgufMetadataValue = number | boolean | string | GgufMetadataValue[] | { arrayType: string; length: number }

export interface GgufTensorInfo {
  name: string
  /** ggml type name, e.g. "f32", "q8_0". */
  type: string
  /** ggml ne order: shape[0] is the contiguous (row) dimension. */
  shape: number[]
}

export interface GgufMetadata {
  version: number
  architecture: string
  /** Every key in file order; arrays longer than 64 items are summarized as { arrayType, length }. */
  metadata: Record<string, GgufMetadataValue>
  tensors: GgufTensorInfo[]
}

export interface ModelHparams {
  architecture: 'llama' | 'qwen2' | 'qwen3' | 'gemma3'
  nVocab: number
  nEmbd: number
  nLayer: number
  nHead: number
  nHeadKv: number
  nFf: number
  nCtxTrain: number
  headDim: number
  nRot: number
  rmsEps: number
  ropeFreqBase: number
  ropeFreqScale: number
  ropeMode: 'normal' | 'neox'
}

export type TokenList = readonly number[] | Int32Array

export interface TrainExample {
  tokens: TokenList
  /** Index of the first completion token; tokens before it are the prompt and carry no loss. At least 1. */
  completionStart: number
  /**
   * Optional, same length as tokens: the targets the loss uses (row i predicts labels[i + 1]); defaults to the
   * tokens. KID feeds partly model-predicted inputs while the labels stay the correct tokens.
   */
  labels?: TokenList
}

export interface StepResult {
  /** Mean cross-entropy over the batch's completion tokens. */
  loss: number
  /** Completion tokens counted. */
  tokens: number
  /** Optimizer steps taken so far. */
  step: number
  /** Global L2 norm of the LoRA gradient before clipping (0 for evaluation). */
  gradNorm: number
  /** Prompt + completion tokens of the batch's examples, as if each were computed alone. */
  exampleTokens: number
  /** Positions the transformer computed: shared prefixes count once (packing). */
  computedTokens: number
  /** Packed sequences, i.e. transformer graph evaluations. */
  sequences: number
}

/** Where a trainer runs: the ggml device, its memory, and what the scheduler had to run on the CPU instead. */
export interface TrainDevice {
  /** 'cpu', 'vulkan', 'cuda', 'metal'. */
  backend: string
  /** ggml's device name, e.g. 'CPU', 'Vulkan0'. */
  name: string
  description: string
  memoryFree: number
  memoryTotal: number
  threads: number
  /** Op name → graph nodes that fell back to the CPU (always empty on the CPU backend). */
  fallbackOps: Record<string, number>
}

export interface NativeTrainerOptions {
  modelPath: string
  rank: number
  alpha: number
  targets: readonly LoraTarget[]
  lr: number
  seed?: number
  threads?: number
  /** Longest example (prompt + completion) in tokens. */
  maxLength?: number
  /**
   * Share common token prefixes within a batch (the schema part of the prompt): each shared prefix is computed
   * once, with the same loss and gradient as the examples computed one by one. Default true.
   */
  packing?: boolean
  /** Tokens per packed sequence (default 3072; raised to maxLength). Memory grows with it (attention is T²). */
  packLength?: number
  /**
   * 'auto' (default): per packed sequence, the tree layout — the shared prefix attends to itself once, the
   * continuations are batched against it — where that costs well under one masked T×T attention. 'mask' / 'tree'
   * force one; the results are the same.
   */
  attention?: 'auto' | 'mask' | 'tree'
  /** 'cpu' (default), 'auto', 'vulkan', 'cuda', 'metal' or a ggml device name; GPU libraries via loadBackendLibrary. */
  backend?: string
  weightDecay?: number
  beta1?: number
  beta2?: number
  eps?: number
  /** Clip the global gradient norm to this before AdamW (default 1; 0 disables). */
  gradClip?: number
  /**
   * Input gradients through frozen F16/quantized weights via mul_mat on transposed F16 copies instead of ggml's
   * out_prod (6-35x faster on CPU; costs 2 bytes per frozen weight). Default true; F32 weights are unaffected.
   */
  transposedBackward?: boolean
  /** Type of those copies: 'auto' (Q8_0 for quantized weights, else F16/F32 as the weight), 'f16' or 'q8_0'. */
  transposedType?: 'auto' | 'f16' | 'q8_0'
}

export interface TrainerInfo {
  hparams: ModelHparams
  trainableParams: number
  steps: number
  /** blk.N.<target>.weight.lora_{a,b} */
  tensorNames: string[]
}

export interface NativeTrainer {
  trainStep(batch: TrainExample[]): StepResult
  evalLoss(batch: TrainExample[]): StepResult
  computeGradients(batch: TrainExample[]): StepResult & { grads: Record<string, Float32Array> }
  forwardLogits(tokens: TokenList): Float32Array
  saveAdapter(path: string, metadata?: Record<string, string>): void
  loadAdapter(path: string): void
  getTensor(name: string): Float32Array
  setTensor(name: string, values: Float32Array): void
  info(): TrainerInfo
  setLearningRate(lr: number): void
  /** Argmax of the adapted model's logits at every position (teacher-forced). */
  predictTokens(tokens: TokenList): Int32Array
  /** AdamW first/second moments of one LoRA tensor (for checkpoints). */
  getMoments(name: string): { m: Float32Array; v: Float32Array }
  setMoments(name: string, m: Float32Array, v: Float32Array): void
  /** Sets the optimizer step count (AdamW bias correction), e.g. when resuming from a checkpoint. */
  setSteps(steps: number): void
  /** CPU threads from the next graph on. */
  setThreads(threads: number): void
  /** Per example, the argmax at each loss row (index completionStart-1 .. n-2; -1 elsewhere), packed like a step. */
  predictCompletions(batch: TrainExample[]): Int32Array[]
  deviceInfo(): TrainDevice
  dispose(): void
}

export const QUANT_TYPES = ['Q4_K_M', 'Q8_0', 'F16', 'Q4_0', 'Q5_K_M', 'Q6_K', 'F32'] as const
export type QuantType = (typeof QUANT_TYPES)[number]

export interface NativeAddon {
  ggmlInfo(): GgmlInfo
  readGgufMetadata(path: string): GgufMetadata
  modelHparams(modelPath: string): ModelHparams
  /** Logits of every position, row-major [tokens.length][nVocab]. */
  forwardLogits(modelPath: string, tokens: TokenList, threads?: number): Float32Array
  Trainer: new (options: NativeTrainerOptions) => NativeTrainer
  /** llama_model_quantize into `<output>.tmp`, fsynced and renamed; synchronous. */
  quantizeModel(input: string, output: string, type: QuantType | string, threads?: number): void
  /** W' = W + (alpha/r)·B·A into a copy of the base (adapted tensors as F32 or F16); synchronous. */
  fuseAdapter(base: string, adapter: string, output: string, type: 'F32' | 'F16', onProgress?: (fraction: number) => void): void
  /** Registers a ggml backend library (libggml-vulkan.so, …) built against the same libggml-base; idempotent. */
  loadBackendLibrary(path: string): void
  /** CPU graph computes stop with CANCELLED once the parent is not `parentPid` any more (0: off); Linux: SIGTERM on its death. */
  watchParent(parentPid: number): void
}

export function findRepoRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new SqlstillError('INTERNAL', `no package.json above ${start}`)
    dir = parent
  }
}

export function nativeAddonPath(): string {
  return join(findRepoRoot(), 'native', 'build', 'sqlstill_native.node')
}

let cached: NativeAddon | undefined

export function loadNativeAddon(): NativeAddon {
  if (cached) return cached
  const file = nativeAddonPath()
  if (!existsSync(file)) {
    throw new SqlstillError('UNSUPPORTED', `the native training addon is not built (${file} is missing); run \`npm run build:native\``)
  }
  try {
    cached = createRequire(import.meta.url)(file) as NativeAddon
  } catch (err) {
    throw new SqlstillError('UNSUPPORTED', `the native training addon failed to load: ${(err as Error).message}`, { file })
  }
  return cached
}

/** Turns the addon's `{ code, message }` errors into SqlstillError; anything else passes through unchanged. */
export function translateNativeError(err: unknown): unknown {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined
  if (err instanceof Error && typeof code === 'string') {
    if ((ERROR_CODES as readonly string[]).includes(code)) return new SqlstillError(code as ErrorCode, err.message)
  }
  return err
}

export function callNative<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw translateNativeError(err)
  }
}

export function ggmlInfo(): GgmlInfo {
  return callNative(() => loadNativeAddon().ggmlInfo())
}

export function readGgufMetadata(path: string): GgufMetadata {
  return callNative(() => loadNativeAddon().readGgufMetadata(path))
}

export function modelHparams(modelPath: string): ModelHparams {
  return callNative(() => loadNativeAddon().modelHparams(modelPath))
}

/** Our own graph's logits (no adapter), row-major [tokens.length][nVocab]. */
export function forwardLogits(modelPath: string, tokens: TokenList, threads?: number): Float32Array {
  return callNative(() => loadNativeAddon().forwardLogits(modelPath, tokens, threads))
}

/**
 * The addon with SqlstillError translation on its free functions (quantizeModel, fuseAdapter, ...). The calls are
 * synchronous; quantizing a large model blocks for seconds to minutes, so keep it off a UI thread.
 */
export function loadNative(): NativeAddon {
  const addon = loadNativeAddon()
  return {
    ...addon,
    ggmlInfo: () => callNative(() => addon.ggmlInfo()),
    readGgufMetadata: (path) => callNative(() => addon.readGgufMetadata(path)),
    modelHparams: (path) => callNative(() => addon.modelHparams(path)),
    forwardLogits: (path, tokens, threads) => callNative(() => addon.forwardLogits(path, tokens, threads)),
    quantizeModel: (input, output, type, threads) => callNative(() => addon.quantizeModel(input, output, type, threads)),
    fuseAdapter: (base, adapter, output, type, onProgress) => callNative(() => addon.fuseAdapter(base, adapter, output, type, onProgress)),
    loadBackendLibrary: (path) => callNative(() => addon.loadBackendLibrary(path)),
    watchParent: (pid) => callNative(() => addon.watchParent(pid)),
  }
}

/** llama.cpp's quantizer (falls back per tensor where rows do not fit the type's block size). */
export function quantizeModel(input: string, output: string, type: QuantType, threads?: number): void {
  loadNative().quantizeModel(input, output, type, threads)
}
