// Stage "questions". The Teacher interface has no free-form "write questions about this schema" call, so the
// LLM route is SQL-first: the synthesizer samples schema-grounded SQL (covering every table and FK edge, with a
// Spider-like hardness mix) and the teacher writes the natural question for each (writeQuestion, given the plan in
// words). With the synthesizer as teacher its template questions are used as they are. FixIt items seed
// variations: the teacher rephrases the corrected pair, and the synthesizer samples more SQL on the same tables.
import type Database from 'better-sqlite3'
import type { Schema } from '../../../../shared/schema'
import { openReadOnlySync, type DatabaseHandle } from '../../db'
import { dedupe } from '../filters'
import { tokenizeSql } from '../filters/statement'
import { inProcessExecutor, synthesize, type SqlExecutor, type SynthesizedPair } from '../../teacher/synthesizer'
import type { Teacher } from '../../teacher/types'
import { bump, Checkpoint, throwIfAborted } from './runDir'
import { callTeacher, type TeacherCallResult } from './teacherCall'
import type { CustomizeProgress, CustomizeSettings, FixItPair, QuestionItem, SynthesisOptions } from './types'

/** FixIt variations the synthesizer adds per corrected item. */
const VARIATIONS_PER_FIXIT = 3
/** Filters, the eval split and dedupe drop some candidates: ask for more than the target. */
const OVERGENERATION = 1.3

export interface QuestionsInput {
  settings: CustomizeSettings
  schema: Schema
  /** The run's database: synthesis on engines other than SQLite runs its statements through it. */
  db?: DatabaseHandle
  teacher: Teacher | 'synth'
  fixIt: FixItPair[]
  checkpointFile: string
  signal?: AbortSignal
  onProgress?: (p: CustomizeProgress) => void
  synthesis?: SynthesisOptions
}

export interface QuestionsOutput {
  items: QuestionItem[]
  in: number
  dropped: Record<string, number>
  notes: Record<string, number>
}

export function candidateCount(settings: Pick<CustomizeSettings, 'n' | 'evalFraction'>): number {
  return Math.ceil((settings.n / Math.max(0.05, 1 - settings.evalFraction)) * OVERGENERATION)
}

/** Tables a SQL mentions (identifiers that name a table of the schema), in schema order. */
export function tablesOf(sql: string, schema: Schema): string[] {
  const words = new Set(
    tokenizeSql(sql)
      .filter((t) => t.kind === 'ident' || t.kind === 'quoted')
      .map((t) => t.text.toLowerCase()),
  )
  return schema.tables.filter((t) => words.has(t.name.toLowerCase())).map((t) => t.name)
}

function fromPair(id: string, pair: SynthesizedPair, scenario: QuestionItem['scenario'], origin: string): QuestionItem {
  return {
    id,
    question: pair.question,
    scenario,
    origin,
    sourceSql: pair.sql,
    hardness: pair.hardness,
    tables: pair.tables,
    planText: pair.planText,
  }
}

export async function buildQuestions(input: QuestionsInput): Promise<QuestionsOutput> {
  const { settings, schema, teacher, signal } = input
  const notes: Record<string, number> = {}
  const dropped: Record<string, number> = {}
  // Synthesis runs its own generated SQL. On SQLite in process: fast, and the statements are ours, not a model's.
  // Other engines run it through the run's DatabaseHandle (DuckDB in process anyway, PostgreSQL over its connection).
  const inProcess = (schema.engine ?? 'sqlite') === 'sqlite' || !input.db
  const db: Database.Database | null = inProcess ? openReadOnlySync(settings.dbPath) : null
  let seeds: QuestionItem[] = []
  try {
    const exec: SqlExecutor = db ? inProcessExecutor(db) : input.db!
    const scenario = teacher !== 'synth' && settings.rules.trim() ? 'learn_prior' : 'synthetic'
    const pairs = await synthesize({
      schema,
      db: exec,
      count: candidateCount(settings),
      seed: settings.seed,
      timeoutMs: settings.queryTimeoutMs,
      ...(input.synthesis?.mix ? { mix: input.synthesis.mix } : {}),
      ...(input.synthesis?.tables ? { tables: input.synthesis.tables } : {}),
    })
    seeds = pairs.map((p, i) => fromPair(`s-${i}`, p, scenario, 'synth_template'))
    for (let j = 0; j < input.fixIt.length; j++) {
      throwIfAborted(signal, 'questions')
      const fix = input.fixIt[j]
      const tables = tablesOf(fix.sql, schema)
      if (teacher !== 'synth') {
        seeds.push({ id: `f-${j}-r`, question: fix.question, scenario: 'fix_it', origin: 'fix_it_rephrase', sourceSql: fix.sql, tables })
      }
      if (tables.length === 0) continue
      const variations = await synthesize({ schema, db: exec, count: VARIATIONS_PER_FIXIT, seed: `${settings.seed}-fix-${j}`, tables, timeoutMs: settings.queryTimeoutMs })
      variations.forEach((p, v) => seeds.push(fromPair(`f-${j}-v${v}`, p, 'fix_it', 'fix_it_variation')))
    }
  } finally {
    db?.close()
  }

  const checkpoint = new Checkpoint<TeacherCallResult<string>>(input.checkpointFile)
  const items: QuestionItem[] = []
  for (let i = 0; i < seeds.length; i++) {
    throwIfAborted(signal, 'questions')
    const seed = seeds[i]
    input.onProgress?.({ stage: 'questions', done: i, total: seeds.length })
    if (teacher === 'synth') {
      items.push(seed)
      continue
    }
    let outcome = checkpoint.get(seed.id)
    if (!outcome) {
      outcome = await callTeacher(
        (s) => teacher.writeQuestion({ sql: seed.sourceSql!, schema, plan: seed.planText, temperature: settings.temperature, signal: s }),
        settings.teacherTimeoutMs,
        signal,
        'questions',
      )
      checkpoint.put(seed.id, outcome)
    }
    const question = outcome.ok ? outcome.value.trim() : ''
    if (question) {
      items.push({ ...seed, question, origin: seed.origin === 'synth_template' ? 'teacher_question' : seed.origin })
    } else if (seed.origin === 'fix_it_rephrase') {
      bump(dropped, outcome.ok ? 'empty_question' : outcome.error)
    } else {
      // The template question still matches its SQL: a failed teacher costs fluency, not the item.
      bump(notes, outcome.ok ? 'empty_question_kept_template' : `${outcome.error}_kept_template`)
      items.push(seed)
    }
  }
  input.onProgress?.({ stage: 'questions', done: seeds.length, total: seeds.length })

  // Diversity: the same SQL twice, or nearly the same question, is one example.
  const { verdicts } = dedupe(items.map((it) => ({ question: it.question, sql: it.sourceSql ?? it.id })))
  const kept: QuestionItem[] = []
  verdicts.forEach((v, i) => {
    if (v.pass) kept.push(items[i])
    else bump(dropped, v.reason?.startsWith('duplicate SQL') ? 'duplicate_sql' : 'near_duplicate_question')
  })
  return { items: kept, in: seeds.length, dropped, notes }
}
