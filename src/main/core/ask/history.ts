// Per-database question history, one JSONL file per database in the data folder. Append-only: feedback ("this was
// wrong, here is the right SQL") is appended as its own line and merged when reading, so a crash mid-write can
// cost at most the last line and never an earlier record.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { appendJsonLine } from '../platform/jsonLines'
import { basename, join } from 'node:path'
import { perDatabaseFile } from '../platform/perDatabaseFile'
import { SqlstillError } from '../../../shared/errors'
import type { AskRecord } from './types'
import type { Feedback, HistoryItem, Verdict } from '../../../shared/ask'
export type { Feedback, HistoryItem, Verdict }

interface FeedbackLine {
  type: 'feedback'
  id: string
  verdict: Verdict
  correctedSql?: string
  at: string
}

export class AskHistory {
  constructor(private readonly dataDir: string) {}

  /** The JSONL file for a database: readable name plus a hash of the full path, so same-named files differ. */
  fileFor(dbPath: string): string {
    return perDatabaseFile(this.dataDir, 'history', dbPath, '.jsonl')
  }

  append(record: AskRecord): AskRecord {
    const file = this.fileFor(record.dbPath)
    mkdirSync(join(this.dataDir, 'history'), { recursive: true })
    appendJsonLine(file, { type: 'ask', ...record })
    return record
  }

  /** Newest first. Lines that do not parse (a torn last write) are skipped. */
  list(dbPath: string, options: { limit?: number; offset?: number } = {}): HistoryItem[] {
    const file = this.fileFor(dbPath)
    if (!existsSync(file)) return []
    const items = new Map<string, HistoryItem>()
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue
      let parsed: ({ type: 'ask' } & AskRecord) | FeedbackLine
      try {
        parsed = JSON.parse(line)
      } catch {
        continue
      }
      if (parsed.type === 'feedback') {
        const item = items.get(parsed.id)
        if (item) {
          item.feedback = {
            verdict: parsed.verdict,
            at: parsed.at,
            ...(parsed.correctedSql ? { correctedSql: parsed.correctedSql } : {}),
          }
        }
      } else if (parsed.type === 'ask' && typeof parsed.id === 'string') {
        const { type: _type, ...record } = parsed
        items.set(record.id, record)
      }
    }
    const all = [...items.values()].reverse()
    const offset = options.offset ?? 0
    return all.slice(offset, options.limit !== undefined ? offset + options.limit : undefined)
  }

  get(dbPath: string, id: string): HistoryItem {
    const item = this.list(dbPath).find((i) => i.id === id)
    if (!item) throw new SqlstillError('NOT_FOUND', `No history item ${id} for ${basename(dbPath)}`, { id })
    return item
  }

  mark(dbPath: string, id: string, verdict: Verdict, correctedSql?: string): HistoryItem {
    if (verdict !== 'right' && verdict !== 'wrong') {
      throw new SqlstillError('BAD_REQUEST', `A verdict is "right" or "wrong" (got ${String(verdict)})`)
    }
    const item = this.get(dbPath, id)
    const line: FeedbackLine = { type: 'feedback', id, verdict, at: new Date().toISOString() }
    const corrected = correctedSql?.trim()
    if (corrected) line.correctedSql = corrected
    appendJsonLine(this.fileFor(dbPath), line)
    return { ...item, feedback: { verdict, at: line.at, ...(corrected ? { correctedSql: corrected } : {}) } }
  }

  /**
   * Question/SQL pairs the user vouched for: corrected SQL of items marked wrong, and the SQL of items marked
   * right. Newest first; used as few-shot ("FixIt") examples.
   */
  examples(dbPath: string, limit = 20): { question: string; sql: string }[] {
    const out: { question: string; sql: string }[] = []
    for (const item of this.list(dbPath)) {
      if (!item.feedback) continue
      const sql = item.feedback.verdict === 'wrong' ? item.feedback.correctedSql : item.sql
      if (sql) out.push({ question: item.question, sql })
      if (out.length >= limit) break
    }
    return out
  }
}

export function newRecordId(): string {
  return randomUUID()
}
