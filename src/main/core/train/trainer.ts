// Typed handle over the native LoRA trainer. Calls are synchronous and CPU-bound: run training in a worker or
// child process, never on the Electron main thread.
import { SqlstillError } from '../../../shared/errors'
import {
  callNative,
  ALL_LORA_TARGETS,
  loadNativeAddon,
  type NativeTrainer,
  type NativeTrainerOptions,
  type StepResult,
  type TokenList,
  type TrainDevice,
  type TrainerInfo,
  type TrainExample,
} from './native'

/** What the trainer takes: the addon's options, with AdamW's betas and epsilon left at their defaults. */
export type TrainerOptions = Omit<NativeTrainerOptions, 'beta1' | 'beta2' | 'eps'>

export class LoraTrainer {
  private handle: NativeTrainer | undefined

  private constructor(handle: NativeTrainer) {
    this.handle = handle
  }

  static create(options: TrainerOptions): LoraTrainer {
    for (const t of options.targets) {
      if (!(ALL_LORA_TARGETS as readonly string[]).includes(t)) {
        throw new SqlstillError('BAD_REQUEST', `unknown LoRA target '${t}'`, { allowed: [...ALL_LORA_TARGETS] })
      }
    }
    const addon = loadNativeAddon()
    return new LoraTrainer(callNative(() => new addon.Trainer({ ...options, targets: [...options.targets] })))
  }

  private get native(): NativeTrainer {
    if (!this.handle) throw new SqlstillError('BAD_REQUEST', 'the trainer was disposed')
    return this.handle
  }

  /** Forward + backward over the batch (gradients summed), then one AdamW step. */
  trainStep(batch: TrainExample[]): StepResult {
    return callNative(() => this.native.trainStep(batch))
  }

  evalLoss(batch: TrainExample[]): StepResult {
    return callNative(() => this.native.evalLoss(batch))
  }

  /** Gradients of the batch loss for every LoRA tensor, without an optimizer step (for checks and diagnostics). */
  computeGradients(batch: TrainExample[]): StepResult & { grads: Record<string, Float32Array> } {
    return callNative(() => this.native.computeGradients(batch))
  }

  /** Logits with the adapter applied, row-major [tokens.length][nVocab]. */
  forwardLogits(tokens: TokenList): Float32Array {
    return callNative(() => this.native.forwardLogits(tokens))
  }

  /** Writes a llama.cpp LoRA GGUF (loadable by node-llama-cpp); metadata lands under `sqlstill.<key>`. */
  saveAdapter(path: string, metadata: Record<string, string> = {}): void {
    callNative(() => this.native.saveAdapter(path, metadata))
  }

  /**
   * Replaces the LoRA weights with a saved adapter's (same architecture, targets and rank), e.g. to resume
   * training; optimizer moments and the step count restart from zero.
   */
  loadAdapter(path: string): void {
    callNative(() => this.native.loadAdapter(path))
  }

  getTensor(name: string): Float32Array {
    return callNative(() => this.native.getTensor(name))
  }

  setTensor(name: string, values: Float32Array): void {
    callNative(() => this.native.setTensor(name, values))
  }

  /** For schedules (warm-up, decay); applies from the next step. */
  setLearningRate(lr: number): void {
    callNative(() => this.native.setLearningRate(lr))
  }

  /** Argmax of the adapted model's logits at every position (teacher-forced), e.g. for KID. */
  predictTokens(tokens: TokenList): Int32Array {
    return callNative(() => this.native.predictTokens(tokens))
  }

  getMoments(name: string): { m: Float32Array; v: Float32Array } {
    return callNative(() => this.native.getMoments(name))
  }

  setMoments(name: string, m: Float32Array, v: Float32Array): void {
    callNative(() => this.native.setMoments(name, m, v))
  }

  setSteps(steps: number): void {
    callNative(() => this.native.setSteps(steps))
  }

  /** CPU threads from the next graph on (the training loop lowers them while other processes want the CPU). */
  setThreads(threads: number): void {
    callNative(() => this.native.setThreads(threads))
  }

  /** Per example, the adapted model's argmax where the loss is (KID), packed like a training step. */
  predictCompletions(batch: TrainExample[]): Int32Array[] {
    return callNative(() => this.native.predictCompletions(batch))
  }

  deviceInfo(): TrainDevice {
    return callNative(() => this.native.deviceInfo())
  }

  info(): TrainerInfo {
    return callNative(() => this.native.info())
  }

  dispose(): void {
    this.handle?.dispose()
    this.handle = undefined
  }
}

export function createTrainer(options: TrainerOptions): LoraTrainer {
  return LoraTrainer.create(options)
}
