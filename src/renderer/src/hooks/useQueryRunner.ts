import { useCallback, useRef, useState } from 'react'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { QueryResult } from '../../../shared/query'
import type { Settings } from '../../../shared/settings'
import { getApi } from '../api'
import { newQueryId } from '../lib/ids'

export type QueryState =
  | { status: 'idle' }
  | { status: 'running'; queryId: string; startedAt: number; sql: string; previous: SettledQuery | null }
  | SettledQuery

export type SettledQuery =
  | { status: 'done'; result: QueryResult }
  /** modelOutput: for an asked question, the model's full text, shown apart from the SQL error (collapsed). */
  | { status: 'error'; error: ApiErrorShape; sql: string; modelOutput?: string }

const IDLE: QueryState = { status: 'idle' }

/**
 * Query state per open database, so switching tabs keeps each one's last result. Within a database a newer
 * run supersedes the answer of an older one.
 */
export function useQueryRunner(settings: Settings | null, activeDbId: string | null) {
  const [states, setStates] = useState<Record<string, QueryState>>({})
  const latest = useRef(new Map<string, string>())
  // How many runs have finished (any database): lets tests and screen readers tell a fresh answer from the last one.
  const [settled, setSettled] = useState(0)

  const set = (dbId: string, state: QueryState) => setStates((all) => ({ ...all, [dbId]: state }))

  const run = useCallback(
    async (dbId: string, sql: string) => {
      const queryId = newQueryId()
      latest.current.set(dbId, queryId)
      setStates((all) => {
        // Keep the last answer on screen (dimmed) while the new one runs: no flash for fast queries.
        const before = all[dbId]
        const previous = before?.status === 'done' || before?.status === 'error' ? before : before?.status === 'running' ? before.previous : null
        return { ...all, [dbId]: { status: 'running', queryId, startedAt: performance.now(), sql, previous } }
      })
      try {
        const result = await getApi().db.query({
          dbId,
          sql,
          queryId,
          ...(settings ? { timeoutMs: settings.queryTimeoutMs, maxRows: settings.rowCap } : {}),
        })
        if (latest.current.get(dbId) === queryId) set(dbId, { status: 'done', result })
      } catch (err) {
        if (latest.current.get(dbId) === queryId) set(dbId, { status: 'error', error: toErrorShape(err), sql })
      } finally {
        setSettled((n) => n + 1)
      }
    },
    [settings],
  )

  const cancel = useCallback(async (dbId: string) => {
    const queryId = latest.current.get(dbId)
    if (queryId) await getApi().db.cancel({ queryId }).catch(() => undefined)
  }, [])

  const reset = useCallback((dbId: string) => {
    latest.current.delete(dbId)
    set(dbId, IDLE)
  }, [])

  /** Shows a result (or error) obtained elsewhere — an answered question — as if it had been run here. */
  const show = useCallback((dbId: string, settledState: SettledQuery) => {
    latest.current.delete(dbId)
    set(dbId, settledState)
    setSettled((n) => n + 1)
  }, [])

  return { state: (activeDbId && states[activeDbId]) || IDLE, settled, run, cancel, reset, show }
}
