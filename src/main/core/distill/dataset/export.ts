// A run's dataset in the formats other trainers read (Unsloth, axolotl, TRL, mlx-lm, OpenAI fine-tuning), with
// exactly the prompts our trainer trains on: the pairs come from trainingPairs() with the student's own profile
// (tokenizer, context, prompt form), the function the train stage calls. A model trained elsewhere on this file
// is asked the way sqlstill asks it.
import { ENGINE_DIALECTS } from '../../../../shared/engine'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { DatasetExportResult } from '../../../../shared/customize'
import { SqlstillError } from '../../../../shared/errors'
import { openDatabase } from '../../db'
import { readModelInfo } from '../../llm'
import { trainConfigSchema } from '../../train/config'
import { readManifest } from '../pipeline/runDir'
import { fittingMaxLength, loadStudentProfile, trainingPairs } from '../pipeline/trainStage'
import type { LoadedStudentProfile, TrainPair } from '../pipeline/types'
import { readSplit, type Split } from './store'

export const DATASET_FORMATS = ['messages', 'prompt-completion'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]

export interface DatasetExportOptions {
  runDir: string
  format: DatasetFormat
  split: Split
  out: string
  /** Also write an axolotl recipe with the run's LoRA settings next to the data (only for `messages`). */
  recipe?: string
  /** The student's profile; default: loaded from the run's student model, as the train stage does. */
  studentProfile?: (modelPath: string) => Promise<LoadedStudentProfile>
}

export type { DatasetExportResult }

/** One line of the exported file. */
function lineFor(pair: TrainPair, format: DatasetFormat): unknown {
  if ('messages' in pair) {
    const reply = { role: 'assistant', content: pair.completion }
    // chat: the conversation (OpenAI / axolotl chat_template / mlx-lm chat), or TRL's conversational prompt-completion
    return format === 'messages' ? { messages: [...pair.messages, reply] } : { prompt: pair.messages, completion: [reply] }
  }
  if (format === 'messages') {
    throw new SqlstillError(
      'UNSUPPORTED',
      'This student has no chat template: it is asked with a plain completion prompt, which chat messages cannot carry exactly. Export the prompt-completion format instead.',
    )
  }
  return { prompt: pair.prompt, completion: pair.completion }
}

/** Our LoRA target names as the Hugging Face (PEFT) module names every trainer uses. */
export const PEFT_MODULES: Record<string, string> = {
  attn_q: 'q_proj',
  attn_k: 'k_proj',
  attn_v: 'v_proj',
  attn_output: 'o_proj',
  ffn_gate: 'gate_proj',
  ffn_up: 'up_proj',
  ffn_down: 'down_proj',
  output: 'lm_head',
}

function yamlString(s: string): string {
  return JSON.stringify(s) // a JSON string is a valid YAML double-quoted scalar
}

/** An axolotl config with the run's LoRA rank, alpha, targets, learning rate, epochs and sequence length. */
function axolotlRecipe(input: { baseName: string | null; baseRepo: string | null; dataFile: string; train: ReturnType<typeof trainConfigSchema.parse>; sequenceLen: number; examples: number; dialect: string }): string {
  const t = input.train
  return [
    `# axolotl recipe written by sqlstill for ${input.examples} examples (${input.dataFile}), SQL in the ${input.dialect} dialect.`,
    '# The LoRA settings are the ones the run used on this machine; the prompts in the data file are exactly',
    '# the ones sqlstill asks the student with, so the adapter fits the app. Train with: axolotl train this.yml',
    '# base_model: the Hugging Face model the student GGUF was converted from; a GGUF does not always say which.',
    ...(input.baseRepo ? [`base_model: ${yamlString(input.baseRepo)}`] : [`# Set it before training${input.baseName ? ` (the GGUF calls itself ${yamlString(input.baseName)})` : ''}:`, '# base_model: ORG/MODEL']),
    'datasets:',
    `  - path: ${yamlString(input.dataFile)}`,
    '    type: chat_template',
    '    field_messages: messages',
    '    roles_to_train: ["assistant"]',
    'chat_template: tokenizer_default',
    'adapter: lora',
    `lora_r: ${t.rank}`,
    `lora_alpha: ${t.alpha}`,
    'lora_dropout: 0.0',
    `lora_target_modules: [${t.targets.map((m) => yamlString(PEFT_MODULES[m] ?? m)).join(', ')}]`,
    `sequence_len: ${input.sequenceLen}`,
    'sample_packing: true',
    `micro_batch_size: ${Math.min(t.batchSize, 8)}`,
    `gradient_accumulation_steps: ${t.gradAccumulation}`,
    `num_epochs: ${t.epochs}`,
    `learning_rate: ${t.learningRate}`,
    'lr_scheduler: cosine',
    `warmup_steps: ${t.warmupSteps}`,
    `weight_decay: ${t.weightDecay}`,
    'optimizer: adamw_torch',
    'bf16: auto',
    'output_dir: ./sqlstill-lora',
    '# then: sqlstill adapter import ./sqlstill-lora --base STUDENT.gguf --out adapter.gguf',
    '',
  ].join('\n')
}

export async function exportDataset(options: DatasetExportOptions): Promise<DatasetExportResult> {
  const manifest = readManifest(options.runDir)
  if (manifest.stages.dataset.status !== 'done') {
    throw new SqlstillError('BAD_REQUEST', `The run in ${options.runDir} has no dataset yet (its dataset stage is ${manifest.stages.dataset.status}); resume it first.`)
  }
  if (options.recipe && options.format !== 'messages') {
    throw new SqlstillError('BAD_REQUEST', 'The axolotl recipe reads the messages format: export with --format messages to get one.')
  }
  const { settings } = manifest
  const items = readSplit(options.runDir, options.split)
  const db = await openDatabase(settings.dbPath)
  let pairs: TrainPair[]
  let promptForm: 'chat' | 'completion'
  let sequenceLen: number | undefined
  let dialect: string
  try {
    const schema = await db.schema()
    dialect = ENGINE_DIALECTS[schema.engine ?? 'sqlite']
    const student = await (options.studentProfile ?? loadStudentProfile)(settings.studentModel)
    try {
      promptForm = student.promptForm ?? 'completion'
      const profile = { tokenCounter: student.tokenCounter, contextSize: student.contextSize, promptForm }
      pairs = trainingPairs(items, schema, settings, profile)
      // the length the train stage would pick for these pairs
      sequenceLen = settings.train.maxLength ?? fittingMaxLength(pairs, profile)
    } finally {
      await student.close()
    }
  } finally {
    await db.close()
  }
  const lines = pairs.map((p) => JSON.stringify(lineFor(p, options.format)))
  mkdirSync(dirname(options.out), { recursive: true })
  writeFileSync(options.out, lines.join('\n') + (lines.length ? '\n' : ''))

  const result: DatasetExportResult = {
    out: options.out,
    format: options.format,
    split: options.split,
    examples: pairs.length,
    excluded: items.filter((i) => i.excluded).length,
    promptForm,
    dialect,
  }
  if (options.recipe) {
    const train = trainConfigSchema.parse({ ...settings.train, baseModel: settings.studentModel, examples: [] })
    const info = await readModelInfo(settings.studentModel).catch(() => null)
    const baseRepo = info?.sourceRepository ?? null
    mkdirSync(dirname(options.recipe), { recursive: true })
    writeFileSync(options.recipe, axolotlRecipe({ baseName: info?.name ?? null, baseRepo, dataFile: options.out, train, sequenceLen: sequenceLen ?? train.maxLength, examples: pairs.length, dialect }))
    result.recipe = options.recipe
    result.recipeNeedsBaseModel = baseRepo === null
  }
  return result
}
