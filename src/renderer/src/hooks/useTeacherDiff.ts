import { useCallback, useState } from 'react'
import type { AskRecord } from '../../../shared/ask'

/** The student's answer the teacher diff compares against. */
export interface TeacherDiffTarget {
  dbId: string
  recordId: string
  question: string
  studentSql: string | null
  /** Bumped per open, so asking again about the same answer starts afresh. */
  seq: number
}

const ALWAYS_KEY = 'sqlstill.teacher.alwaysAsk'

function readAlways(): boolean {
  try {
    return localStorage.getItem(ALWAYS_KEY) === 'true'
  } catch {
    return false
  }
}

/**
 * Which student answer the teacher diff is open for, and the "always ask the teacher too" preference (kept in
 * localStorage: it is a per-window habit, not a core setting).
 */
export function useTeacherDiff() {
  const [target, setTarget] = useState<TeacherDiffTarget | null>(null)
  const [always, setAlwaysState] = useState(readAlways)

  const open = useCallback((dbId: string, record: AskRecord) => {
    setTarget((t) => ({ dbId, recordId: record.id, question: record.question, studentSql: record.sql, seq: (t?.seq ?? 0) + 1 }))
  }, [])

  const close = useCallback(() => setTarget(null), [])

  const setAlways = useCallback((on: boolean) => {
    setAlwaysState(on)
    try {
      localStorage.setItem(ALWAYS_KEY, String(on))
    } catch {
      // Storage can be unavailable (private windows); the toggle then lasts for this session only.
    }
  }, [])

  /** Called with every student answer: opens the diff when "always" is on. */
  const onStudentAnswer = useCallback(
    (dbId: string, record: AskRecord) => {
      if (always) open(dbId, record)
    },
    [always, open],
  )

  return { target, open, close, always, setAlways, onStudentAnswer }
}
