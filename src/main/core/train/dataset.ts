// Reading training pairs from JSONL: {"prompt","completion"} lines, {"messages","completion"} lines (the chat form,
// rendered with the model's template), or {"question","sql"} lines (turned into a plain question → SQL prompt;
// callers that train for the ask pipeline's own prompt should build pairs with it).
import { existsSync, readFileSync } from 'node:fs'
import { SqlstillError } from '../../../shared/errors'
import { trainExampleSchema, type TextExample } from './config'

export function questionPrompt(question: string): string {
  return `-- Question: ${question.trim()}\n-- SQLite query:\n`
}

export function loadPairsJsonl(path: string): TextExample[] {
  if (!existsSync(path)) throw new SqlstillError('NOT_FOUND', `dataset not found: ${path}`)
  const out: TextExample[] = []
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return
      let row: Record<string, unknown>
      try {
        row = JSON.parse(line) as Record<string, unknown>
      } catch {
        throw new SqlstillError('BAD_REQUEST', `${path}:${i + 1}: not valid JSON`)
      }
      if (typeof row.prompt === 'string' && typeof row.completion === 'string') {
        out.push({ prompt: row.prompt, completion: row.completion })
      } else if (Array.isArray(row.messages) && typeof row.completion === 'string') {
        const chat = trainExampleSchema.safeParse({ messages: row.messages, completion: row.completion })
        if (!chat.success) throw new SqlstillError('BAD_REQUEST', `${path}:${i + 1}: messages must be {"role":"system"|"user"|"assistant","content"} objects`)
        out.push(chat.data)
      } else if (typeof row.question === 'string' && typeof row.sql === 'string') {
        out.push({ prompt: questionPrompt(row.question), completion: row.sql })
      } else {
        throw new SqlstillError('BAD_REQUEST', `${path}:${i + 1}: expected {"prompt","completion"}, {"messages","completion"} or {"question","sql"}`)
      }
    })
  return out
}
