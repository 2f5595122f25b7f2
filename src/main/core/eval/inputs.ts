// Reading evaluation sets: Spider's layout (questions JSON + tables.json + database/<db_id>/<db_id>.sqlite) and the
// app's own (a JSONL of {question, sql} pairs for one database file).
import { isDirectory } from '../platform/fileErrors'
import { parsePostgresUrl, splitPostgresPassword } from '../../../shared/engine'
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import { HARDNESS_LEVELS, type EvalItem, type Hardness } from './types'

/** Finds the database file for a db_id, or null when it is missing (those items are skipped, never wrong). */
export type DbResolver = (dbId: string) => string | null

export interface EvalSet {
  /** A short name for reports, e.g. "spider/dev". */
  name: string
  items: EvalItem[]
  dbResolver: DbResolver
  /** db_ids named by tables.json, when one was read. */
  knownDbIds?: string[]
}

export interface SpiderOptions {
  /** The Spider folder (holds dev.json, tables.json, database/). */
  dir: string
  /** The questions file; default <dir>/dev.json. */
  questionsFile?: string
  /** Default <dir>/tables.json when present. */
  tablesFile?: string
  /** Default <dir>/database. */
  databaseDir?: string
  /** Default <questions>_hardness.json beside the questions file when present (Spider dev ships one). */
  hardnessFile?: string
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new SqlstillError('NOT_FOUND', `The ${what} file ${file} does not exist.`, { path: file })
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new SqlstillError('BAD_REQUEST', `The ${what} file ${file} is not valid JSON: ${(err as Error).message}`, {
      path: file,
    })
  }
}


export function spiderDbResolver(databaseDir: string): DbResolver {
  return (dbId) => {
    const file = join(databaseDir, dbId, `${dbId}.sqlite`)
    return existsSync(file) ? file : null
  }
}

export function loadSpider(opts: SpiderOptions): EvalSet {
  const dir = resolve(opts.dir)
  if (!isDirectory(dir)) throw new SqlstillError('NOT_FOUND', `The Spider folder ${dir} does not exist.`, { path: dir })
  const questionsFile = resolve(opts.questionsFile ?? join(dir, 'dev.json'))
  const databaseDir = resolve(opts.databaseDir ?? join(dir, 'database'))
  if (!isDirectory(databaseDir)) {
    throw new SqlstillError('NOT_FOUND', `The Spider database folder ${databaseDir} does not exist.`, { path: databaseDir })
  }

  const raw = readJson(questionsFile, 'questions')
  if (!Array.isArray(raw)) throw new SqlstillError('BAD_REQUEST', `The questions file ${questionsFile} must hold a JSON array.`)
  const items: EvalItem[] = raw.map((entry, index) => {
    const e = entry as { db_id?: unknown; question?: unknown; query?: unknown }
    if (typeof e?.db_id !== 'string' || typeof e.question !== 'string' || typeof e.query !== 'string') {
      throw new SqlstillError(
        'BAD_REQUEST',
        `Entry ${index} of ${questionsFile} needs string fields db_id, question and query.`,
        { path: questionsFile, index },
      )
    }
    return { id: String(index), dbId: e.db_id, question: e.question, gold: e.query }
  })

  const stem = basename(questionsFile, extname(questionsFile))
  const hardnessFile = opts.hardnessFile ?? join(dirname(questionsFile), `${stem}_hardness.json`)
  if (existsSync(hardnessFile)) applyHardness(items, readJson(hardnessFile, 'hardness'))

  let knownDbIds: string[] | undefined
  const tablesFile = opts.tablesFile ?? join(dir, 'tables.json')
  if (opts.tablesFile || existsSync(tablesFile)) {
    const tables = readJson(tablesFile, 'tables')
    if (!Array.isArray(tables)) throw new SqlstillError('BAD_REQUEST', `The tables file ${tablesFile} must hold a JSON array.`)
    knownDbIds = tables.map((t) => String((t as { db_id?: unknown }).db_id))
    const known = new Set(knownDbIds)
    const unknown = [...new Set(items.map((i) => i.dbId))].filter((id) => !known.has(id))
    if (unknown.length > 0) {
      throw new SqlstillError(
        'BAD_REQUEST',
        `${questionsFile} names databases that ${tablesFile} does not describe: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}.`,
      )
    }
  }

  return { name: `${basename(dir)}/${stem}`, items, dbResolver: spiderDbResolver(databaseDir), knownDbIds }
}

/** Uses a shipped hardness list only when it lines up with the questions (same length, same db_id per entry). */
function applyHardness(items: EvalItem[], raw: unknown): void {
  if (!Array.isArray(raw) || raw.length !== items.length) return
  const levels = new Set<string>(HARDNESS_LEVELS)
  const parsed: Hardness[] = []
  for (let i = 0; i < raw.length; i++) {
    const h = raw[i] as { db_id?: unknown; hardness?: unknown; index?: unknown }
    if (h?.db_id !== items[i].dbId || typeof h.hardness !== 'string' || !levels.has(h.hardness)) {
      // A list for some other questions file: ignore it and compute hardness instead.
      return
    }
    parsed.push(h.hardness as Hardness)
  }
  parsed.forEach((h, i) => (items[i].hardness = h))
}

/** The app's format: one {"question", "sql"} object per line, all for the database at dbPath. */
export function loadJsonl(file: string, dbPath: string): EvalSet {
  const abs = resolve(file)
  if (!existsSync(abs)) throw new SqlstillError('NOT_FOUND', `The questions file ${abs} does not exist.`, { path: abs })
  // a server URL is the database as it is; a file path is made absolute
  const server = parsePostgresUrl(dbPath)
  const db = server ? splitPostgresPassword(dbPath).url : resolve(dbPath)
  const dbId = server ? server.database : basename(db, extname(db))
  const items: EvalItem[] = []
  const lines = readFileSync(abs, 'utf8').split(/\r?\n/)
  lines.forEach((line, lineIndex) => {
    if (line.trim() === '') return
    let entry: { question?: unknown; sql?: unknown }
    try {
      entry = JSON.parse(line)
    } catch (err) {
      throw new SqlstillError('BAD_REQUEST', `Line ${lineIndex + 1} of ${abs} is not valid JSON: ${(err as Error).message}`, {
        path: abs,
        line: lineIndex + 1,
      })
    }
    if (typeof entry?.question !== 'string' || typeof entry.sql !== 'string') {
      throw new SqlstillError('BAD_REQUEST', `Line ${lineIndex + 1} of ${abs} needs string fields "question" and "sql".`, {
        path: abs,
        line: lineIndex + 1,
      })
    }
    items.push({ id: String(lineIndex + 1), dbId, question: entry.question, gold: entry.sql })
  })
  return {
    name: basename(abs),
    items,
    dbResolver: (id) => (id === dbId && existsSync(db) ? db : null),
  }
}
