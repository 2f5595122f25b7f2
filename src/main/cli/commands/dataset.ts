// `sqlstill dataset export RUN_DIR --format messages|prompt-completion --out FILE`: a customization run's dataset
// for another trainer (Unsloth, axolotl, TRL, mlx-lm, OpenAI fine-tuning), with the exact prompts sqlstill asks.
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { Option } from 'commander'
import { DATASET_FORMATS, exportDataset, type DatasetFormat } from '../../core/distill/dataset'

interface DatasetExportCliOptions {
  format: DatasetFormat
  split: 'train' | 'eval'
  out: string
  recipe?: string
  json?: boolean
}

export function register(program: Command): void {
  const dataset = program.command('dataset').description("a customization run's dataset")
  dataset
    .command('export')
    .description('write a run\'s examples as JSONL for another trainer, with the exact prompts the student is asked with')
    .argument('<runDir>', 'the run folder (customize --out, or the app\'s run)')
    .addOption(new Option('--format <format>', 'messages: chat JSONL (OpenAI, axolotl, Unsloth, mlx-lm); prompt-completion: TRL / completion JSONL').choices([...DATASET_FORMATS]).default('messages'))
    .addOption(new Option('--split <split>', 'which split').choices(['train', 'eval']).default('train'))
    .requiredOption('--out <file>', 'the .jsonl to write')
    .option('--recipe <file>', 'also write an axolotl YAML with the run\'s LoRA rank, alpha, targets and learning rate (messages only)')
    .option('--json', 'print the result as JSON')
    .action(async (runDir: string, opts: DatasetExportCliOptions) => {
      const result = await exportDataset({ runDir: resolve(runDir), format: opts.format, split: opts.split, out: resolve(opts.out), ...(opts.recipe ? { recipe: resolve(opts.recipe) } : {}) })
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n')
        return
      }
      const excluded = result.excluded ? ` (${result.excluded} excluded in the review left out)` : ''
      process.stdout.write(`${result.out}\n${result.examples} ${result.split} examples · ${result.format} · ${result.promptForm} prompts${excluded}\n`)
      if (result.recipe) process.stdout.write(`${result.recipe}\n`)
      if (result.recipeNeedsBaseModel) process.stderr.write('note: the student GGUF does not name its Hugging Face source: set base_model in the recipe before training\n')
    })
}
