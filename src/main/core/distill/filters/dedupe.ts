// Duplicate and leakage removal. Exact duplicates by normalized SQL; near-duplicates by question token Jaccard.
import { jaccard, NEAR_DUPLICATE_JACCARD, normalizeQuestion, normalizeSql, questionTokens } from './normalize'
import { fail, PASS, type Verdict } from './verdict'

export interface QuestionSql {
  question: string
  sql: string
}

export interface FilterOutcome<T> {
  kept: T[]
  /** One verdict per input item, in input order. */
  verdicts: Verdict[]
}

/** Keeps the first of each group of duplicates. */
export function dedupe<T extends QuestionSql>(items: readonly T[], opts: { threshold?: number } = {}): FilterOutcome<T> {
  const threshold = opts.threshold ?? NEAR_DUPLICATE_JACCARD
  const seenSql = new Map<string, number>()
  const keptTokens: { tokens: string[]; index: number }[] = []
  const kept: T[] = []
  const verdicts: Verdict[] = []
  items.forEach((item, i) => {
    const sqlKey = normalizeSql(item.sql)
    const sameSql = seenSql.get(sqlKey)
    if (sameSql !== undefined) {
      verdicts.push(fail(`duplicate SQL of item ${sameSql}`))
      return
    }
    const tokens = questionTokens(item.question)
    const near = keptTokens.find((k) => jaccard(k.tokens, tokens) >= threshold)
    if (near) {
      verdicts.push(fail(`near-duplicate question of item ${near.index}`))
      return
    }
    seenSql.set(sqlKey, i)
    keptTokens.push({ tokens, index: i })
    kept.push(item)
    verdicts.push(PASS)
  })
  return { kept, verdicts }
}

/** Drops training items whose question or SQL equals (after normalization) or nearly equals an evaluation item. */
export function leakage<T extends QuestionSql>(
  train: readonly T[],
  evaluation: readonly QuestionSql[],
  opts: { threshold?: number } = {},
): FilterOutcome<T> {
  const threshold = opts.threshold ?? NEAR_DUPLICATE_JACCARD
  const evalSql = new Set(evaluation.map((e) => normalizeSql(e.sql)))
  const evalQuestions = new Set(evaluation.map((e) => normalizeQuestion(e.question)))
  const evalTokens = evaluation.map((e) => questionTokens(e.question))
  const evalSqlTokens = evaluation.map((e) => sqlTokens(e.sql))
  const kept: T[] = []
  const verdicts: Verdict[] = []
  for (const item of train) {
    let verdict: Verdict = PASS
    if (evalSql.has(normalizeSql(item.sql))) verdict = fail('SQL equals an evaluation item')
    else if (evalQuestions.has(normalizeQuestion(item.question))) verdict = fail('question equals an evaluation item')
    else {
      const q = questionTokens(item.question)
      const s = sqlTokens(item.sql)
      if (evalTokens.some((t) => jaccard(t, q) >= threshold)) verdict = fail('question nearly equals an evaluation item')
      else if (evalSqlTokens.some((t) => jaccard(t, s) >= threshold && t.length === s.length)) verdict = fail('SQL nearly equals an evaluation item')
    }
    verdicts.push(verdict)
    if (verdict.pass) kept.push(item)
  }
  return { kept, verdicts }
}

function sqlTokens(sql: string): string[] {
  return normalizeSql(sql).split(/([\s(),=<>])/).filter((t) => t.trim().length > 0)
}
