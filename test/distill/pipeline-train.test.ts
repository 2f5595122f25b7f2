// Integration: the customization run end to end with the real trainer (train/job.ts, our native LoRA trainer in a
// child process) and the real student predictor (createStudentPredictor: the student exactly as `ask` runs it),
// on the tiny stories260K model. The model cannot write SQL; the test checks the wiring: an adapter file is
// trained on the run's dataset, both evaluations run, and the run decides about activation from real reports.
import { readGgufMetadata } from '../../src/main/core/train/native'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ask, type SqlGenerator } from '../../src/main/core/ask/ask'
import { openDatabase } from '../../src/main/core/db'
import { readSplit } from '../../src/main/core/distill/dataset'
import { jobTrainer, readManifest, runCustomization, type TrainerInput } from '../../src/main/core/distill/pipeline'
import { ModelEngine } from '../../src/main/core/llm'
import { ensureNativeBuilt } from '../native/helpers/native'
import { modelsDir, repoRoot, spiderDb, tempDir } from '../helpers/paths'
import { promptText } from '../helpers/student'

ensureNativeBuilt()

const dir = tempDir('sqlstill-customize-train-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('customization with the real trainer and student', () => {
  it('trains adapter.gguf from the dataset and evaluates base vs customized', async () => {
    const activated: string[] = []
    const trained: TrainerInput[] = []
    const result = await runCustomization(
      {
        dbPath: spiderDb('pets_1'),
        outDir: dir,
        teacher: 'synth',
        studentModel: join(modelsDir, 'stories260K-f32.gguf'),
        addRef: [{ question: 'How many pets are there?', sql: 'SELECT count(*) FROM pets' }],
        n: 6,
        evalFraction: 0.25,
        seed: 5,
        train: { maxSteps: 3, rank: 2, batchSize: 2, threads: 1 },
      },
      {
        activate: (p) => void activated.push(p),
        trainer: async (config, outDir, o) => {
          trained.push(config)
          return jobTrainer(config, outDir, o)
        },
      },
    )
    expect(result.adapterPath).toBe(join(dir, 'train', 'adapter.gguf'))
    expect(existsSync(result.adapterPath!)).toBe(true)
    // the dialect the prompts asked for travels to the adapter (sqlstill.prompt.dialect)
    expect(trained[0].promptDialect).toBe('SQLite')
    expect(readGgufMetadata(result.adapterPath!).metadata['sqlstill.prompt.dialect']).toBe('SQLite')
    const m = readManifest(dir)
    expect(m.stages.train.status).toBe('done')
    expect(m.stages.evaluate.status).toBe('done')
    for (const label of ['base', 'customized']) {
      const report = JSON.parse(readFileSync(join(dir, 'evaluate', label, 'report.json'), 'utf8'))
      expect(report.items.length).toBe(m.stages.evaluate.in)
    }
    expect(existsSync(join(dir, 'evaluate', 'comparison.json'))).toBe(true)
    expect(result.decision).not.toBeNull()
    expect(activated.length).toBe(result.decision!.activated ? 1 : 0)
    expect(result.evaluation!.base.all).not.toBeNull()

    // The training prompts are what `ask` sends this student: fitted to its context with its own tokenizer.
    const engine = await ModelEngine.load(join(modelsDir, 'stories260K-f32.gguf'))
    const db = await openDatabase(spiderDb('pets_1'))
    try {
      const train = readSplit(dir, 'train')
      expect(trained[0].examples).toHaveLength(train.length)
      for (let i = 0; i < 2; i++) {
        let sent: unknown
        const recorder: SqlGenerator = {
          modelId: engine.modelId,
          adapterId: null,
          promptForm: engine.promptForm,
          tokenCounter: engine.tokenCounter,
          contextSize: engine.contextSize,
          generate: async (prompt, o) => {
            sent = prompt
            return engine.generate(prompt, { ...o, maxTokens: 1 })
          },
        }
        await ask({ generator: recorder, db, question: train[i].question, repair: false })
        expect(promptText(trained[0].examples[i])).toBe(sent)
      }
    } finally {
      await db.close()
      await engine.dispose()
    }

    // `sqlstill dataset export` loads this student's profile itself and writes the very pairs it was trained on.
    const out = join(dir, 'exported.jsonl')
    const cli = spawnSync(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), 'dataset', 'export', dir, '--format', 'prompt-completion', '--out', out, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, SQLSTILL_DATA_DIR: join(dir, 'data') },
      timeout: 120_000,
    })
    expect(cli.status, cli.stderr).toBe(0)
    expect(JSON.parse(cli.stdout)).toMatchObject({ examples: trained[0].examples.length, promptForm: 'completion', split: 'train' })
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toEqual(trained[0].examples.map((e) => ({ prompt: promptText(e), completion: e.completion })))
    // this student has no chat template: the messages format is refused with the reason, exit code of a bad request
    const refused = spawnSync(process.execPath, [join(repoRoot, 'bin', 'sqlstill.js'), 'dataset', 'export', dir, '--out', join(dir, 'm.jsonl')], { encoding: 'utf8', timeout: 120_000 })
    expect(refused.status).not.toBe(0)
    expect(refused.stderr).toMatch(/no chat template/)
  }, 300_000)
})
