// The customization dataset on disk: dataset/train.jsonl and dataset/eval.jsonl in a run folder, one example per
// line with its provenance. The user can browse and edit it before training; an edited SQL must still compile and
// run, and an edit makes the run's train/evaluate stages stale so a resume redoes them.
import { join } from 'node:path'
import { SqlstillError } from '../../../../shared/errors'
import { openDatabase } from '../../db'
import { computeHardness } from '../../eval/hardness'
import { executesWithin, onlySelect, parsesAndCompiles } from '../filters'
import { readJsonl, readManifest, writeJsonl, writeManifest } from '../pipeline/runDir'
import type { DatasetExample, Split } from '../../../../shared/customize'

// The example shape the UI reviews lives in src/shared/customize.ts.
export type { DatasetExample, Split } from '../../../../shared/customize'

export function datasetFile(outDir: string, split: Split): string {
  return join(outDir, 'dataset', `${split}.jsonl`)
}

export function readSplit(outDir: string, split: Split): DatasetExample[] {
  return readJsonl<DatasetExample>(datasetFile(outDir, split))
}

export interface ListOptions {
  offset?: number
  limit?: number
  /** Case-insensitive substring of the question or the SQL. */
  search?: string
  /** Include user-excluded examples (default true: the UI shows them greyed). */
  includeExcluded?: boolean
}

export function listExamples(outDir: string, split: Split, opts: ListOptions = {}): { total: number; items: DatasetExample[] } {
  const needle = opts.search?.trim().toLowerCase()
  const all = readSplit(outDir, split).filter(
    (e) =>
      (opts.includeExcluded !== false || !e.excluded) &&
      (!needle || e.question.toLowerCase().includes(needle) || e.sql.toLowerCase().includes(needle)),
  )
  const offset = Math.max(0, opts.offset ?? 0)
  const end = opts.limit !== undefined ? offset + Math.max(0, opts.limit) : undefined
  return { total: all.length, items: all.slice(offset, end) }
}

export interface ExamplePatch {
  question?: string
  sql?: string
  excluded?: boolean
}

/** Validates an edited SQL against the run's database; throws SQL_ERROR / BAD_REQUEST with the reason. */
export async function validateExampleSql(dbPath: string, sql: string, timeoutMs: number): Promise<void> {
  const statement = onlySelect(sql)
  if (!statement.pass) throw new SqlstillError('BAD_REQUEST', `The SQL is not a single SELECT: ${statement.reason}`)
  const db = await openDatabase(dbPath)
  try {
    const compiled = await parsesAndCompiles(sql, db)
    if (!compiled.pass) throw new SqlstillError('SQL_ERROR', `The SQL ${compiled.reason}`)
    const ran = await executesWithin(timeoutMs)(sql, db)
    if (!ran.pass) throw new SqlstillError('SQL_ERROR', `The SQL ${ran.reason}`)
  } finally {
    await db.close()
  }
}

export async function updateExample(outDir: string, id: string, patch: ExamplePatch): Promise<DatasetExample> {
  const manifest = readManifest(outDir)
  if (manifest.stages.dataset.status !== 'done') {
    throw new SqlstillError('BAD_REQUEST', 'The dataset is not built yet; wait for the "dataset" stage to finish.')
  }
  const question = patch.question?.trim()
  if (patch.question !== undefined && !question) throw new SqlstillError('BAD_REQUEST', 'The question is empty.')
  const sql = patch.sql?.trim().replace(/;+\s*$/, '')
  if (patch.sql !== undefined) {
    if (!sql) throw new SqlstillError('BAD_REQUEST', 'The SQL is empty.')
    await validateExampleSql(manifest.settings.dbPath, sql, manifest.settings.queryTimeoutMs)
  }
  let updated: DatasetExample | null = null
  for (const split of ['train', 'eval'] as const) {
    const items = readSplit(outDir, split)
    let changed = false
    for (const item of items) {
      if (item.id !== id) continue
      if (question !== undefined) item.question = question
      if (sql !== undefined) {
        item.sql = sql
        const h = computeHardness(sql)
        item.hardness = h
        item.verdicts = { ...item.verdicts, user_edit: { pass: true } }
      }
      if (patch.excluded !== undefined) item.excluded = patch.excluded
      if (question !== undefined || sql !== undefined) item.edited = true
      changed = true
      updated = updated ?? { ...item }
    }
    if (changed) writeJsonl(datasetFile(outDir, split), items)
  }
  if (!updated) throw new SqlstillError('NOT_FOUND', `No example ${id} in this run's dataset.`, { id })
  // Training and evaluation used the old data: a resume must redo them.
  for (const stage of ['train', 'evaluate'] as const) {
    if (manifest.stages[stage].status !== 'pending') manifest.stages[stage] = { status: 'pending' }
  }
  writeManifest(outDir, manifest)
  return updated
}
