// The "customize on my schema" run: seven stages over one run folder. Each stage writes its output whole and
// records its status and counts in run.json; finished stages are skipped on resume, long stages checkpoint per
// item, and the AbortSignal is honoured between items (CANCELLED; a resume continues).
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SqlstillError, toErrorShape } from '../../../../shared/errors'
import type { Schema } from '../../../../shared/schema'
import { openDatabase, type DatabaseHandle } from '../../db'
import { keepForSession } from '../../db/serverPassword'
import { isPostgresUrl, splitPostgresPassword } from '../../../../shared/engine'
import { computeHardness } from '../../eval/hardness'
import { executesWithin, onlySelect, parsesAndCompiles, type QuestionSql } from '../filters'
import type { Teacher } from '../../teacher/types'
import { datasetFile, readSplit, type DatasetExample } from '../dataset/store'
import { runEvaluateStage } from './evaluateStage'
import { applyFilters } from './filterStage'
import { buildQuestions } from './questions'
import { EVALUATE_DIR, MANIFEST_FILE, readJson, readJsonl, readManifest, throwIfAborted, TRAIN_DIR, writeAtomic, writeJsonl, writeManifest } from './runDir'
import { buildSql } from './sqlStage'
import { jobTrainer, loadStudentProfile, runTrainStage } from './trainStage'
import {
  STAGES,
  trainedAdapterPath,
  type CustomizeDeps,
  type CustomizeOptions,
  type CustomizeResult,
  type CustomizeSettings,
  type FilteredItem,
  type FixItPair,
  type QuestionItem,
  type RunManifest,
  type SqlItem,
  type StageExtras,
  type StageName,
  type StageRecord,
  type StageRecords,
  type SynthesisOptions,
  type UserPair,
} from './types'

const FILES = {
  inputs: 'inputs.json',
  info: 'info.json',
  questions: 'questions.jsonl',
  questionsCheckpoint: 'checkpoints/questions.jsonl',
  sql: 'sql.jsonl',
  sqlCheckpoint: 'checkpoints/sql.jsonl',
  filtered: 'filtered.jsonl',
  filtersCheckpoint: 'checkpoints/filters.jsonl',
  trainDir: TRAIN_DIR,
  evalDir: EVALUATE_DIR,
  result: 'result.json',
}

/** Few-shot examples the teacher sees: the user's own pairs, a handful. */
const TEACHER_EXAMPLES = 4

interface Inputs {
  rules: string
  addRef: UserPair[]
  fixIt: FixItPair[]
  /** Kept with the inputs so a resumed run synthesizes the same way. */
  synthesis?: SynthesisOptions
}

interface Info {
  rules: string
  addRef: UserPair[]
  fixIt: FixItPair[]
  rejected: { scenario: 'add_ref' | 'fix_it'; question: string; sql: string; reason: string }[]
}

function settingsFrom(o: CustomizeOptions): CustomizeSettings {
  const synth = o.teacher === 'synth'
  const num = (v: number | undefined, d: number, name: string, ok: (x: number) => boolean): number => {
    const x = v ?? d
    if (!Number.isFinite(x) || !ok(x)) throw new SqlstillError('BAD_REQUEST', `${name} is out of range (got ${String(v)}).`)
    return x
  }
  return {
    // a server URL is kept as it is, without a password (the run's files never hold one); a file path made absolute
    dbPath: isPostgresUrl(o.dbPath) ? splitPostgresPassword(o.dbPath).url : resolve(o.dbPath),
    studentModel: o.studentModel,
    rules: o.rules ?? '',
    n: num(o.n, 1000, 'n', (x) => Number.isInteger(x) && x >= 1),
    k: synth ? 1 : num(o.k, 3, 'k', (x) => Number.isInteger(x) && x >= 1 && x <= 64),
    temperature: num(o.temperature, 0.3, 'temperature', (x) => x >= 0 && x <= 2),
    jury: synth ? false : (o.jury ?? true),
    evalFraction: num(o.evalFraction, 0.1, 'evalFraction', (x) => x >= 0 && x < 1),
    seed: num(o.seed, 42, 'seed', (x) => Number.isInteger(x)),
    queryTimeoutMs: num(o.queryTimeoutMs, 5000, 'queryTimeoutMs', (x) => x > 0),
    teacherTimeoutMs: num(o.teacherTimeoutMs, 120_000, 'teacherTimeoutMs', (x) => x > 0),
    nonDegenerate: o.nonDegenerate ?? {},
    train: o.train ?? {},
    activateIfBetter: o.activateIfBetter ?? true,
    ...(o.teacherConfig && !synth ? { teacher: o.teacherConfig } : {}),
    ...(o.promptExamples?.length ? { promptExamples: o.promptExamples.map(({ question, sql }) => ({ question, sql })) } : {}),
  }
}

/** The non-zero counts only, as every stage records its drops. */
function droppedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))
}

function teacherId(t: Teacher | 'synth'): string {
  return t === 'synth' ? 'synth' : t.id
}

/** Starts a run in a new (or empty) folder. */
export async function runCustomization(options: CustomizeOptions, deps: CustomizeDeps = {}): Promise<CustomizeResult> {
  const outDir = resolve(options.outDir)
  if (existsSync(join(outDir, MANIFEST_FILE))) {
    throw new SqlstillError('BAD_REQUEST', `${outDir} already holds a customization run; resume it or choose another folder.`, { path: outDir })
  }
  if (!options.studentModel) throw new SqlstillError('BAD_REQUEST', 'A student model is needed (the model to customize).')
  if (isPostgresUrl(options.dbPath)) {
    // the run's files keep the URL without its password; this process keeps the password to reopen it
    const { url, password } = splitPostgresPassword(options.dbPath)
    if (password !== undefined) keepForSession(url, password)
  }
  const settings = settingsFrom(options)
  if (!isPostgresUrl(settings.dbPath) && !existsSync(settings.dbPath)) throw new SqlstillError('NOT_FOUND', `The database ${settings.dbPath} does not exist.`, { path: settings.dbPath })
  mkdirSync(outDir, { recursive: true })
  const inputs: Inputs = {
    rules: settings.rules,
    addRef: options.addRef ?? [],
    fixIt: options.fixIt ?? [],
    ...(options.synthesis ? { synthesis: options.synthesis } : {}),
  }
  writeAtomic(join(outDir, FILES.inputs), JSON.stringify(inputs, null, 2) + '\n')
  const now = new Date().toISOString()
  const manifest: RunManifest = {
    schemaVersion: 1,
    createdAt: now,
    updatedAt: now,
    teacherId: teacherId(options.teacher),
    settings,
    stages: Object.fromEntries(STAGES.map((s) => [s, { status: 'pending' }])) as StageRecords,
  }
  writeManifest(outDir, manifest)
  return execute(outDir, options.teacher, deps)
}

/** Continues a stopped or failed run; an LLM teacher must be given again (the synthesizer is recreated). */
export async function resumeCustomization(outDir: string, deps: CustomizeDeps & { teacher?: Teacher } = {}): Promise<CustomizeResult> {
  const dir = resolve(outDir)
  const manifest = readManifest(dir)
  const teacher: Teacher | 'synth' | undefined = manifest.teacherId === 'synth' ? 'synth' : deps.teacher
  if (!teacher) {
    throw new SqlstillError('BAD_REQUEST', `This run used the teacher ${manifest.teacherId}; give it again to resume.`, { teacherId: manifest.teacherId })
  }
  if (teacherId(teacher) !== manifest.teacherId) {
    throw new SqlstillError('BAD_REQUEST', `This run used the teacher ${manifest.teacherId}, not ${teacherId(teacher)}.`, { teacherId: manifest.teacherId })
  }
  return execute(dir, teacher, deps)
}

export function customizationStatus(outDir: string): RunManifest {
  return readManifest(resolve(outDir))
}

async function validatePair(db: DatabaseHandle, sql: string, timeoutMs: number): Promise<string | null> {
  const statement = onlySelect(sql)
  if (!statement.pass) return statement.reason ?? 'not a single SELECT'
  const compiled = await parsesAndCompiles(sql, db)
  if (!compiled.pass) return compiled.reason ?? 'does not compile'
  const ran = await executesWithin(timeoutMs)(sql, db)
  return ran.pass ? null : (ran.reason ?? 'does not run')
}

function userExamples(info: Info): DatasetExample[] {
  const user = (scenario: 'add_ref' | 'fix_it', p: UserPair, i: number): DatasetExample => ({
    id: `${scenario}-${i}`,
    split: 'train',
    scenario,
    origin: 'user',
    question: p.question,
    sql: p.sql,
    teacher: 'user',
    verdicts: { validated: { pass: true } },
    agreement: 1,
    hardness: computeHardness(p.sql),
    tables: [],
    excluded: false,
  })
  return [...info.addRef.map((p, i) => user('add_ref', p, i)), ...info.fixIt.map((p, i) => user('fix_it', p, i))]
}

function toExample(item: FilteredItem, teacher: string): DatasetExample {
  return {
    id: item.id,
    split: item.split,
    scenario: item.scenario,
    origin: item.origin,
    question: item.question,
    sql: item.sql,
    teacher,
    verdicts: item.verdicts,
    agreement: item.agreement,
    hardness: item.hardness ?? computeHardness(item.sql),
    tables: item.tables,
    ...(item.planText ? { planText: item.planText } : {}),
    excluded: false,
  }
}

async function execute(outDir: string, teacher: Teacher | 'synth', deps: CustomizeDeps): Promise<CustomizeResult> {
  const manifest = readManifest(outDir)
  const { settings } = manifest
  const { signal, onProgress } = deps
  const file = (name: string): string => join(outDir, name)
  const inputs = readJson<Inputs>(file(FILES.inputs))
  const id = teacherId(teacher)

  let db: DatabaseHandle | null = null
  let schema: Schema | null = null
  const database = async (): Promise<{ db: DatabaseHandle; schema: Schema }> => {
    if (!db) {
      db = await openDatabase(settings.dbPath)
      schema = await db.schema()
    }
    return { db, schema: schema! }
  }

  const stage = async <S extends StageName>(name: S, run: (fresh: boolean) => Promise<Omit<StageRecord<StageExtras[S]>, 'status'>>): Promise<void> => {
    const previous = manifest.stages[name]
    if (previous.status === 'done') return
    throwIfAborted(signal, name)
    const fresh = previous.status === 'pending'
    manifest.stages[name] = { status: 'running', startedAt: new Date().toISOString() }
    writeManifest(outDir, manifest)
    onProgress?.({ stage: name, done: 0, total: null, message: fresh ? 'started' : 'resumed' })
    try {
      const record = await run(fresh)
      manifest.stages[name] = { ...manifest.stages[name], ...record, status: 'done', finishedAt: new Date().toISOString() }
      writeManifest(outDir, manifest)
      onProgress?.({ stage: name, done: record.out ?? 0, total: record.out ?? null, message: 'done' })
    } catch (err) {
      const shape = toErrorShape(err)
      manifest.stages[name] = {
        ...manifest.stages[name],
        status: shape.code === 'CANCELLED' ? 'cancelled' : 'failed',
        error: { code: shape.code, message: shape.message },
      }
      writeManifest(outDir, manifest)
      throw err
    }
  }

  try {
    await stage('info', async () => {
      const { db } = await database()
      const info: Info = { rules: inputs.rules, addRef: [], fixIt: [], rejected: [] }
      const dropped: Record<string, number> = {}
      for (const [scenario, list] of [['add_ref', inputs.addRef], ['fix_it', inputs.fixIt]] as const) {
        for (const pair of list) {
          throwIfAborted(signal, 'info')
          const question = (pair.question ?? '').trim()
          const sql = (pair.sql ?? '').trim().replace(/;+\s*$/, '')
          const problem = !question ? 'empty question' : await validatePair(db, sql, settings.queryTimeoutMs)
          if (problem) {
            info.rejected.push({ scenario, question, sql, reason: problem })
            dropped[`${scenario}_invalid`] = (dropped[`${scenario}_invalid`] ?? 0) + 1
          } else if (scenario === 'add_ref') info.addRef.push({ question, sql })
          else info.fixIt.push({ ...pair, question, sql })
        }
      }
      writeAtomic(file(FILES.info), JSON.stringify(info, null, 2) + '\n')
      return {
        in: inputs.addRef.length + inputs.fixIt.length,
        out: info.addRef.length + info.fixIt.length,
        dropped,
        extra: { rules: info.rules.split('\n').filter((l) => l.trim()).length, addRef: info.addRef.length, fixIt: info.fixIt.length },
      }
    })
    const info = readJson<Info>(file(FILES.info))
    const userPairs: QuestionSql[] = [...info.addRef, ...info.fixIt]

    await stage('questions', async (fresh) => {
      const { db, schema } = await database()
      if (fresh) rmSync(file(FILES.questionsCheckpoint), { force: true })
      const out = await buildQuestions({
        settings,
        schema,
        db,
        teacher,
        fixIt: info.fixIt,
        checkpointFile: file(FILES.questionsCheckpoint),
        signal,
        onProgress,
        ...(inputs.synthesis ? { synthesis: inputs.synthesis } : {}),
      })
      writeJsonl(file(FILES.questions), out.items)
      return { in: out.in, out: out.items.length, dropped: out.dropped, extra: { notes: out.notes } }
    })

    await stage('sql', async (fresh) => {
      const { db, schema } = await database()
      if (fresh) rmSync(file(FILES.sqlCheckpoint), { force: true })
      const questions = readJsonl<QuestionItem>(file(FILES.questions))
      const out = await buildSql({
        settings,
        schema,
        db,
        teacher,
        questions,
        examples: userPairs.slice(0, TEACHER_EXAMPLES),
        checkpointFile: file(FILES.sqlCheckpoint),
        signal,
        onProgress,
      })
      writeJsonl(file(FILES.sql), out.items)
      return { in: questions.length, out: out.items.length, dropped: out.dropped, extra: { agreement: out.agreement, k: settings.k, throughput: out.throughput } }
    })

    await stage('filters', async (fresh) => {
      const { db, schema } = await database()
      if (fresh) rmSync(file(FILES.filtersCheckpoint), { force: true })
      const items = readJsonl<SqlItem>(file(FILES.sql))
      const out = await applyFilters({ settings, schema, db, teacher, items, userItems: userPairs, checkpointFile: file(FILES.filtersCheckpoint), signal, onProgress })
      writeJsonl(file(FILES.filtered), out.items)
      return {
        in: items.length,
        out: out.items.length,
        filters: out.counts,
        dropped: (out.overTarget ? { over_target: out.overTarget } : {}) as Record<string, number>,
        extra: { train: out.items.filter((i) => i.split === 'train').length, eval: out.items.filter((i) => i.split === 'eval').length },
      }
    })

    await stage('dataset', async () => {
      throwIfAborted(signal, 'dataset')
      const filtered = readJsonl<FilteredItem>(file(FILES.filtered))
      const user = userExamples(info)
      const train = [...user, ...filtered.filter((i) => i.split === 'train').map((i) => toExample(i, id))]
      const evalSet = [...user.map((u) => ({ ...u, split: 'eval' as const })), ...filtered.filter((i) => i.split === 'eval').map((i) => toExample(i, id))]
      writeJsonl(datasetFile(outDir, 'train'), train)
      writeJsonl(datasetFile(outDir, 'eval'), evalSet)
      const byScenario: Record<string, number> = {}
      for (const e of train) byScenario[e.scenario] = (byScenario[e.scenario] ?? 0) + 1
      // out counts each pair once: the user's pairs are in both splits (train counts them, and so does eval)
      return { in: filtered.length + user.length, out: filtered.length + user.length, extra: { train: train.length, eval: evalSet.length, user: user.length, trainByScenario: byScenario } }
    })

    await stage('train', async (fresh) => {
      const { db, schema } = await database()
      const trainDir = file(FILES.trainDir)
      if (fresh) rmSync(trainDir, { recursive: true, force: true })
      const train = readSplit(outDir, 'train')
      const evalSet = readSplit(outDir, 'eval')
      const student = await (deps.studentProfile ?? loadStudentProfile)(settings.studentModel)
      let out: Awaited<ReturnType<typeof runTrainStage>>
      try {
        const profile = { tokenCounter: student.tokenCounter, contextSize: student.contextSize, promptForm: student.promptForm }
        out = await runTrainStage({ settings, train, eval: evalSet, schema, trainer: deps.trainer ?? jobTrainer, trainDir, profile, signal, onProgress })
      } finally {
        await student.close()
      }
      return {
        in: train.length,
        // in = out + every reason an example was not trained on
        out: out.fit ? out.fit.train : out.examples,
        dropped: droppedCounts({
          excluded: train.filter((e) => e.excluded).length,
          too_long: out.fit?.skippedTooLong ?? 0,
          empty_completion: out.fit?.skippedEmpty ?? 0,
        }),
        extra: {
          adapterPath: out.outcome.adapterPath,
          ...(out.fit ? { maxLength: out.fit.maxLength } : {}),
          evalExamples: out.evalExamples,
          planTargets: !!settings.train.planTargets,
          // The adapter records this form (sqlstill.prompt.form), and ask() uses it whenever the adapter is in use.
          promptForm: student.promptForm ?? 'completion',
        },
      }
    })
    const adapterPath = trainedAdapterPath(manifest) ?? ''

    if (!deps.skipEvaluate) {
      await stage('evaluate', async (fresh) => {
        const evalSet = readSplit(outDir, 'eval')
        const userIds = new Set(evalSet.filter((e) => e.origin === 'user').map((e) => e.id))
        const factory = deps.predictorFactory ?? (await import('../../ask/evalPredictor')).createStudentPredictor
        const out = await runEvaluateStage({ settings, eval: evalSet, userIds, adapterPath, evalDir: file(FILES.evalDir), fresh, predictorFactory: factory, signal, onProgress })
        const activate = settings.activateIfBetter && out.decision.activate
        let activated = false
        if (activate && deps.activate) {
          await deps.activate(adapterPath)
          activated = true
        }
        return {
          in: evalSet.filter((e) => !e.excluded).length,
          out: evalSet.filter((e) => !e.excluded).length,
          extra: { base: out.base, customized: out.customized, decision: { ...out.decision, activate, activated } },
        }
      })
    }
  } finally {
    if (db) await (db as DatabaseHandle).close()
  }

  const evaluated = manifest.stages.evaluate.status === 'done' ? manifest.stages.evaluate.extra : undefined
  const result: CustomizeResult = {
    outDir,
    manifest,
    adapterPath: trainedAdapterPath(manifest),
    decision: evaluated?.decision ?? null,
    evaluation: evaluated ? { base: evaluated.base, customized: evaluated.customized } : null,
  }
  writeAtomic(file(FILES.result), JSON.stringify({ ...result, manifest: undefined }, null, 2) + '\n')
  return result
}
