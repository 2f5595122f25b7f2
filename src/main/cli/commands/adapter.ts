// `sqlstill adapter import PEFT_DIR --base M --out adapter.gguf`: a LoRA trained elsewhere (PEFT: Unsloth, axolotl,
// TRL, torchtune…) as a llama.cpp LoRA GGUF for the student, to evaluate (`eval --adapter`), ask with, or export fused.
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { importPeftAdapter } from '../../core/adapters/peftImport'

export function register(program: Command): void {
  const adapter = program.command('adapter').description('LoRA adapters trained elsewhere')
  adapter
    .command('import')
    .description('convert a PEFT LoRA (adapter_config.json + adapter_model.safetensors) into a llama.cpp LoRA GGUF for a base model')
    .argument('<peftDir>', 'the folder the trainer saved the adapter in')
    .requiredOption('--base <model>', 'the student GGUF the adapter was trained for')
    .requiredOption('--out <file>', 'the adapter .gguf to write')
    .option('--json', 'print the result as JSON')
    .action(async (peftDir: string, opts: { base: string; out: string; json?: boolean }) => {
      const result = await importPeftAdapter({ peftDir: resolve(peftDir), base: resolve(opts.base), out: resolve(opts.out) })
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
      else process.stdout.write(`${result.out}\nrank ${result.rank} · alpha ${result.alpha} · ${result.targets.join(', ')} · ${result.tensors} tensors\n`)
    })
}
