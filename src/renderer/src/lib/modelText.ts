// A failed answer's SQL error is shown on its own; what the model wrote around the SQL goes beside it, collapsed.
import type { AskRecord } from '../../../shared/ask'

/** The model's own text for a failed answer, when it wrote more than the SQL taken from it (prose, explanations). */
export function modelTextBeside(record: Pick<AskRecord, 'sql' | 'attempts'>): string | null {
  const chosen = record.attempts.find((a) => a.sql === record.sql) ?? record.attempts.at(-1)
  const output = chosen?.output.trim() ?? ''
  return output && output !== (record.sql ?? '').trim() ? output : null
}

