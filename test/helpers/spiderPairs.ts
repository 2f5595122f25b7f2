// Short Spider training pairs for learning tests: distinct SQL, short enough for a tiny model's byte-level vocabulary.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { spiderDir } from './paths'

export function shortSpiderPairs(n: number, maxSql = 40, maxQuestion = 60): { question: string; sql: string }[] {
  const train = JSON.parse(readFileSync(join(spiderDir, 'train_spider.json'), 'utf8')) as { question: string; query: string }[]
  const seen = new Set<string>()
  const out: { question: string; sql: string }[] = []
  for (const item of train) {
    const sql = item.query.replace(/\s+/g, ' ').trim()
    if (sql.length > maxSql || item.question.length > maxQuestion || seen.has(sql)) continue
    seen.add(sql)
    out.push({ question: item.question, sql })
    if (out.length === n) break
  }
  return out
}
