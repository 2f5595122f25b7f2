// Training data exactly as a customization hands it to the trainer: the real pipeline (the built-in synthesizer as
// teacher, the filters, the dataset) on a real database, with the student's own tokenizer fitting the prompts, and
// the trainer replaced by one that keeps what it is given. Benchmarks train on that, so every figure is for the
// prompts users' students are trained on.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqlstillError } from '../../shared/errors'
import { runCustomization } from '../core/distill/pipeline'
import type { Trainer, TrainerInput } from '../core/distill/pipeline/types'

export async function pipelineTrainingInput(studentModel: string, dbPath: string, n: number, seed = 42): Promise<TrainerInput> {
  const outDir = mkdtempSync(join(tmpdir(), 'sqlstill-bench-data-'))
  let captured: TrainerInput | undefined
  const capture: Trainer = async (config) => {
    captured = config
    throw new SqlstillError('CANCELLED', 'training data captured for the benchmark')
  }
  try {
    await runCustomization({ dbPath, outDir, teacher: 'synth', studentModel, n, seed }, { trainer: capture, skipEvaluate: true }).catch((err: unknown) => {
      if (!captured) throw err
    })
    if (!captured) throw new Error('the customization never reached its train stage')
    return captured
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}
