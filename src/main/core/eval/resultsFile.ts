// The per-item results file: append-only JSONL, one record per line, written as each item finishes so an
// interrupted run loses at most the item in progress.
import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs'
import { dirname } from 'node:path'
import { SqlstillError } from '../../../shared/errors'
import type { ItemRecord } from './types'

/** Reads the records already written. A last line cut off mid-write (the process was killed) is dropped from
 * the file so the next append starts on a fresh line; damage anywhere else is an error, never silently lost. */
export function readRecords(file: string): ItemRecord[] {
  if (!existsSync(file)) return []
  const text = readFileSync(file, 'utf8')
  const records: ItemRecord[] = []
  let offset = 0
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const isLast = i === lines.length - 1
    if (line.trim() !== '') {
      let record: ItemRecord | undefined
      try {
        record = JSON.parse(line) as ItemRecord
      } catch {
        record = undefined
      }
      if (!record || typeof record.id !== 'string' || typeof record.verdict !== 'string') {
        if (isLast) {
          truncateSync(file, Buffer.byteLength(text.slice(0, offset)))
          break
        }
        throw new SqlstillError('BAD_REQUEST', `Line ${i + 1} of the results file ${file} is damaged; fix or remove it.`, {
          path: file,
          line: i + 1,
        })
      }
      records.push(record)
    }
    offset += line.length + 1
  }
  return records
}

export function appendRecord(file: string, record: ItemRecord): void {
  mkdirSync(dirname(file), { recursive: true })
  appendFileSync(file, JSON.stringify(record) + '\n')
}
