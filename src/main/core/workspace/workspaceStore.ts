// Per-database editor state (query tabs, saved queries) as one small JSON file, written atomically, and the SQL
// run by hand as an append-only JSONL log (a torn last line costs that line only).
import { randomUUID } from 'node:crypto'
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs'
import { dirname } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import { editorTabSchema, MAX_EDITOR_TABS, type EditorTab, type SavedQuery, type SqlRun, type Workspace } from '../../../shared/workspace'
import { writeFileAtomic } from '../platform/atomicFile'
import { appendJsonLine } from '../platform/jsonLines'
import { perDatabaseFile } from '../platform/perDatabaseFile'

const FOLDER = 'workspace'
export const MAX_SAVED_QUERIES = 500
/** The run log is read from its end: older runs stay in the file but are not listed. */
const MAX_LISTED_RUNS = 1000
const RUN_LOG_TAIL_BYTES = 4 * 1024 * 1024

interface StoredWorkspace {
  tabs?: unknown[]
  activeTabId?: unknown
  saved?: unknown[]
}

function isSavedQuery(v: unknown): v is SavedQuery {
  const q = v as SavedQuery
  return !!q && typeof q.id === 'string' && typeof q.name === 'string' && typeof q.sql === 'string' && typeof q.savedAt === 'string'
}

export class WorkspaceStore {
  constructor(private readonly dataDir: string) {}

  private stateFile(dbPath: string): string {
    return perDatabaseFile(this.dataDir, FOLDER, dbPath, '.json')
  }

  private runLog(dbPath: string): string {
    return perDatabaseFile(this.dataDir, FOLDER, dbPath, '.sql.jsonl')
  }

  /** What was kept for this database; an unreadable or hand-mangled file reads as empty, entry by entry. */
  get(dbPath: string): Workspace {
    let stored: StoredWorkspace = {}
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.stateFile(dbPath), 'utf8'))
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) stored = parsed as StoredWorkspace
    } catch {
      // missing or corrupt: start with no tabs rather than refuse to open the database
    }
    const tabs = (Array.isArray(stored.tabs) ? stored.tabs : []).flatMap((t) => {
      const parsed = editorTabSchema.safeParse(t)
      return parsed.success ? [parsed.data] : []
    })
    const activeTabId = typeof stored.activeTabId === 'string' && tabs.some((t) => t.id === stored.activeTabId) ? stored.activeTabId : (tabs[0]?.id ?? null)
    const saved = (Array.isArray(stored.saved) ? stored.saved : []).filter(isSavedQuery)
    return { tabs, activeTabId, saved }
  }

  private write(dbPath: string, workspace: Workspace): void {
    const file = this.stateFile(dbPath)
    mkdirSync(dirname(file), { recursive: true })
    writeFileAtomic(file, JSON.stringify(workspace))
  }

  saveTabs(dbPath: string, tabs: EditorTab[], activeTabId: string | null): Workspace {
    if (tabs.length > MAX_EDITOR_TABS) throw new SqlstillError('TOO_LARGE', `At most ${MAX_EDITOR_TABS} editor tabs are kept per database.`)
    if (new Set(tabs.map((t) => t.id)).size !== tabs.length) throw new SqlstillError('BAD_REQUEST', 'Two editor tabs have the same id.')
    const current = this.get(dbPath)
    const next = { ...current, tabs, activeTabId: activeTabId && tabs.some((t) => t.id === activeTabId) ? activeTabId : (tabs[0]?.id ?? null) }
    this.write(dbPath, next)
    return next
  }

  /** Saves under a name; saving again under the same name (any case) replaces it. Newest first. */
  saveQuery(dbPath: string, name: string, sql: string): SavedQuery {
    const trimmed = name.trim()
    if (!trimmed) throw new SqlstillError('BAD_REQUEST', 'A saved query needs a name.')
    if (!sql.trim()) throw new SqlstillError('BAD_REQUEST', 'There is no SQL to save.')
    const current = this.get(dbPath)
    const others = current.saved.filter((q) => q.name.toLowerCase() !== trimmed.toLowerCase())
    if (others.length >= MAX_SAVED_QUERIES) throw new SqlstillError('TOO_LARGE', `At most ${MAX_SAVED_QUERIES} saved queries are kept per database.`)
    const previous = current.saved.find((q) => q.name.toLowerCase() === trimmed.toLowerCase())
    const query: SavedQuery = { id: previous?.id ?? randomUUID(), name: trimmed, sql, savedAt: new Date().toISOString() }
    this.write(dbPath, { ...current, saved: [query, ...others] })
    return query
  }

  deleteQuery(dbPath: string, id: string): SavedQuery[] {
    const current = this.get(dbPath)
    if (!current.saved.some((q) => q.id === id)) throw new SqlstillError('NOT_FOUND', 'That saved query does not exist (any more).', { id })
    const saved = current.saved.filter((q) => q.id !== id)
    this.write(dbPath, { ...current, saved })
    return saved
  }

  recordRun(dbPath: string, run: SqlRun): void {
    const file = this.runLog(dbPath)
    mkdirSync(dirname(file), { recursive: true })
    appendJsonLine(file, run)
  }

  /** Newest first; lines that do not parse are skipped. */
  runs(dbPath: string, limit = 200): SqlRun[] {
    const file = this.runLog(dbPath)
    if (!existsSync(file)) return []
    const text = readTail(file, RUN_LOG_TAIL_BYTES)
    const out: SqlRun[] = []
    const lines = text.split('\n')
    for (let i = lines.length - 1; i >= 0 && out.length < Math.min(limit, MAX_LISTED_RUNS); i--) {
      const line = lines[i]!
      if (!line.trim()) continue
      try {
        const run = JSON.parse(line) as SqlRun
        if (typeof run.sql === 'string' && typeof run.at === 'string') out.push(run)
      } catch {
        continue
      }
    }
    return out
  }
}

/** The last `bytes` of a file from its first whole line on: the log only grows, so it is never read whole. */
function readTail(file: string, bytes: number): string {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const start = Math.max(0, size - bytes)
    const buffer = Buffer.alloc(size - start)
    readSync(fd, buffer, 0, buffer.length, start)
    const text = buffer.toString('utf8')
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1)
  } finally {
    closeSync(fd)
  }
}
