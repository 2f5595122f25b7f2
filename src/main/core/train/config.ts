// Training job configuration: validated with zod, with defaults that suit a small (0.5B-class) student on a CPU.
import { z } from 'zod'
import { SqlstillError } from '../../../shared/errors'
import { TRAIN_BACKENDS } from './devices'
import { ALL_LORA_TARGETS, LORA_TARGETS } from './native'

const chatMessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })

/**
 * One training example: a plain-text prompt and its completion (the completion form: base models, and what `ask`
 * sends a model without a chat template), or chat messages the completion answers as the assistant (the chat form:
 * rendered with the model's own chat template, the loss on the reply and its end-of-turn token).
 */
export const trainExampleSchema = z.union([
  z.object({ prompt: z.string(), completion: z.string().min(1) }).strict(),
  z.object({ messages: z.array(chatMessageSchema).min(1), completion: z.string().min(1) }).strict(),
])
export type TextExample = z.infer<typeof trainExampleSchema>
export type ChatExample = Extract<TextExample, { messages: unknown }>

export function isChatExample(e: TextExample): e is ChatExample {
  return 'messages' in e
}

export const trainConfigSchema = z
  .object({
    /** Path of the base GGUF (llama, qwen2, qwen3 or gemma3 architecture). */
    baseModel: z.string().min(1),
    examples: z.array(trainExampleSchema),
    evalExamples: z.array(trainExampleSchema).default([]),
    rank: z.number().int().min(1).max(256).default(8),
    alpha: z.number().positive().default(16),
    /** Default: the per-layer projections; add 'output' to also adapt the output head. */
    targets: z.array(z.enum(ALL_LORA_TARGETS)).min(1).default([...LORA_TARGETS]),
    learningRate: z.number().positive().max(1).default(2e-4),
    /** Linear warm-up over this many optimizer steps, then cosine decay to learningRate × minLrRatio. */
    warmupSteps: z.number().int().min(0).default(10),
    minLrRatio: z.number().min(0).max(1).default(0.1),
    weightDecay: z.number().min(0).default(0),
    epochs: z.number().int().min(1).max(1000).default(2),
    /** Stops after this many optimizer steps even when epochs remain. */
    maxSteps: z.number().int().min(1).optional(),
    /**
     * Examples per micro-batch. They are packed: examples sharing their prompt prefix (one database's schema)
     * compute it once, so larger batches of one database cost little more than their questions and SQL.
     */
    batchSize: z.number().int().min(1).max(256).default(32),
    /** Micro-batches per optimizer step (gradients are summed, the loss is the mean over all completion tokens). */
    gradAccumulation: z.number().int().min(1).max(256).default(1),
    /** Longest prompt + completion in tokens (capped by the model's context). */
    maxLength: z.number().int().min(8).default(2048),
    /** Share common token prefixes within a batch (exact: the same loss and gradient); off only for comparisons. */
    packing: z.boolean().default(true),
    /** Tokens per packed sequence (raised to maxLength). Memory grows with it: attention is quadratic. */
    packLength: z.number().int().min(64).max(32768).default(3072),
    /**
     * Where to train: 'auto' (the first GPU of the CUDA / Vulkan / Metal builds node-llama-cpp ships, else the CPU),
     * or one by name. Ops a GPU backend lacks run on the CPU (the trainer's device info lists them).
     */
    backend: z.enum(TRAIN_BACKENDS).default('auto'),
    /** Transposed copies of frozen weights for the backward pass: 'auto' (Q8_0 for quantized weights), 'f16', 'q8_0'. */
    transposedType: z.enum(['auto', 'f16', 'q8_0']).default('auto'),
    /** What to do with longer examples: skip them, or cut the completion's tail. Both are counted in the result. */
    overLength: z.enum(['skip', 'truncate']).default('skip'),
    /** Evaluate on evalExamples every this many steps (and at the end); 0: only at the end. */
    evalEvery: z.number().int().min(0).default(50),
    /** Stop after this many evaluations without a new best eval loss (needs evalExamples); 0 disables. */
    earlyStoppingPatience: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    /**
     * CPU threads for the trainer; 0: as many as the CPU has cores, fewer while other processes keep cores busy
     * (ggml's threads spin at every op; one that is descheduled stalls all the others).
     */
    threads: z.number().int().min(0).max(256).default(0),
    /** Write a resumable checkpoint every this many optimizer steps; 0: only on cancel and at the end. */
    checkpointEvery: z.number().int().min(0).default(50),
    /** …and at least every this many seconds of training (a killed run loses at most that much); 0: by steps only. */
    checkpointSeconds: z.number().min(0).default(600),
    /** Where checkpoints go (default <outDir>/checkpoint). */
    checkpointDir: z.string().optional(),
    /** Append the end-of-sequence token to every completion, so the student learns to stop. */
    appendEos: z.boolean().default(true),
    /**
     * Knowledge distillation with imperfect data: before each step, a fraction alpha of each example's completion
     * input tokens is replaced with the student's own argmax prediction there (labels stay the correct tokens).
     */
    kid: z.object({ alpha: z.number().min(0).max(1) }).optional(),
    gradClip: z.number().min(0).default(1),
    /** The business rules in the examples' prompts: recorded in the adapter (sqlstill.prompt.rules), asked with. */
    promptRules: z.string().max(20_000).optional(),
    /** The SQL dialect the examples' prompts asked for: recorded in the adapter (sqlstill.prompt.dialect). */
    promptDialect: z.string().max(64).optional(),
  })
  .strict()

export type TrainConfigInput = z.input<typeof trainConfigSchema>
export type TrainConfig = z.output<typeof trainConfigSchema>

export function parseTrainConfig(input: unknown): TrainConfig {
  const parsed = trainConfigSchema.safeParse(input)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
    throw new SqlstillError('BAD_REQUEST', `invalid training config: ${issues.join('; ')}`, { issues })
  }
  if (parsed.data.examples.length === 0) throw new SqlstillError('BAD_REQUEST', 'the training dataset is empty')
  const chat = parsed.data.examples.filter(isChatExample).length
  if (chat > 0 && chat < parsed.data.examples.length) {
    throw new SqlstillError('BAD_REQUEST', 'the training examples mix the chat form (messages) and the completion form (prompt): use one')
  }
  return parsed.data
}

/** The form the examples are in: what the adapter records, and what the engine asks the adapted model in. */
export function promptFormOf(config: TrainConfig): 'chat' | 'completion' {
  return config.examples.some(isChatExample) ? 'chat' : 'completion'
}

/** The config without its data, for metadata and logs. */
export function describeConfig(config: TrainConfig): Omit<TrainConfig, 'examples' | 'evalExamples'> & { trainExamples: number; evalExamples: number } {
  const { examples, evalExamples, ...rest } = config
  return { ...rest, trainExamples: examples.length, evalExamples: evalExamples.length }
}
