// The customization pipeline on DuckDB and PostgreSQL: the same Spider database (concert_singer) ported to each
// engine, the synthesizer as teacher, a recording trainer and a scripted student. Every stage runs on that engine
// (synthesis, the teacher's SQL, the filters, self-consistency, the evaluation's result comparison), the counts
// add up, the prompts ask for the engine's dialect, and the run's files never hold the server's password.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readManifest, runCustomization, STAGES } from '../../src/main/core/distill/pipeline'
import { recordingTrainer, scriptedPredictors } from '../helpers/pipelineDoubles'
import { exportDataset, readSplit } from '../../src/main/core/distill/dataset'
import { tempDir } from '../helpers/paths'
import { expectCountsReconcile } from '../helpers/reconcile'
import { noStudentProfile, promptText } from '../helpers/student'
import { READER_PASSWORD, startPostgres, type PgCluster } from '../helpers/postgres'
import { portSpiderDb as portToDuckDb } from '../helpers/spiderToDuckDb'
import { portSpiderDb as portToPostgres } from '../helpers/spiderToPostgres'

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]))
}

const dirs: string[] = []
let cluster: PgCluster | undefined
let duckPath = ''
beforeAll(async () => {
  const dir = tempDir('sqlstill-engines-')
  dirs.push(dir)
  duckPath = (await portToDuckDb('concert_singer', dir)).path
  cluster = await startPostgres()
  await portToPostgres(cluster, 'concert_singer')
}, 180_000)
afterAll(() => {
  cluster?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe.each([
  { engine: 'duckdb', dialect: 'DuckDB', target: () => duckPath },
  { engine: 'postgres', dialect: 'PostgreSQL', target: () => cluster!.readerUrl('concert_singer') },
])('customization on $engine', ({ dialect, target }) => {
  it('runs every stage on the engine, counts add up, prompts ask for its dialect', async () => {
    const outDir = tempDir('sqlstill-customize-engine-')
    dirs.push(outDir)
    const rec = recordingTrainer()
    const result = await runCustomization(
      {
        dbPath: target(),
        outDir,
        teacher: 'synth',
        studentModel: '/models/student.gguf',
        addRef: [{ question: 'How many stadiums hold more than 5000 people?', sql: 'SELECT count(*) FROM stadium WHERE capacity > 5000' }],
        n: 24,
        evalFraction: 0.2,
        seed: 7,
      },
      { trainer: rec.trainer, studentProfile: noStudentProfile, predictorFactory: scriptedPredictors(() => rec.calls[0]), activate: () => undefined },
    )
    const m = readManifest(outDir)
    for (const stage of STAGES) expect({ stage, status: m.stages[stage].status }).toEqual({ stage, status: 'done' })
    expectCountsReconcile(m)
    expect(m.stages.questions.out).toBeGreaterThanOrEqual(12)
    const train = readSplit(outDir, 'train')
    expect(train.length).toBeGreaterThan(5)
    const prompt = promptText(rec.calls[0].examples[0])
    expect(prompt).toContain(dialect)
    expect(prompt).not.toContain('SQLite')
    expect(rec.calls[0].promptDialect).toBe(dialect)
    expect(result.evaluation!.customized.all).toBeGreaterThan(result.evaluation!.base.all ?? 0)
    console.log(
      `customize-engines: ${dialect}: questions ${m.stages.questions.out}, sql ${m.stages.sql.out}, filters ${m.stages.filters.in}→${m.stages.filters.out}, ` +
        `train ${train.length}, eval EX base ${result.evaluation!.base.all} → customized ${result.evaluation!.customized.all}`,
    )
    // the exported dataset says its dialect, and so does the recipe for another trainer
    const chatProfile = async () => ({ promptForm: 'chat' as const, close: async () => undefined })
    const exported = await exportDataset({ runDir: outDir, format: 'messages', split: 'train', out: join(outDir, 'export', 'm.jsonl'), recipe: join(outDir, 'export', 'axolotl.yml'), studentProfile: chatProfile })
    expect(exported).toMatchObject({ dialect, examples: train.filter((e) => !e.excluded).length })
    expect(readFileSync(exported.recipe!, 'utf8')).toContain(`SQL in the ${dialect} dialect`)
    expect(readFileSync(exported.out, 'utf8')).toContain(`one ${dialect} SELECT`)
    // nothing the run wrote holds the password
    for (const f of filesUnder(outDir)) expect({ f, leaked: readFileSync(f, 'latin1').includes(READER_PASSWORD) }).toEqual({ f, leaked: false })
  }, 240_000)
})
