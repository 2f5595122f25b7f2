import { useCallback, useRef, useState } from 'react'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { QueryResult } from '../../../shared/query'
import type { Settings } from '../../../shared/settings'
import { getApi } from '../api'
import { newQueryId } from '../lib/ids'

export type QueryState =
  | { status: 'idle' }
  | { status: 'running'; queryId: string; startedAt: number; sql: string; previous: SettledQuery | null; script?: ScriptProgress }
  | SettledQuery

/** Where the SQL came from in the editor, so an error can be marked there. */
export interface QueryOrigin {
  tabId: string
  sql: string
  offset: number
}

/** One statement of a script run; `outcome` is null for statements not run (after a failure or a cancel). */
export interface ScriptStep {
  origin: QueryOrigin
  outcome: { status: 'done'; result: QueryResult } | { status: 'error'; error: ApiErrorShape; sql: string } | null
}

export interface ScriptProgress {
  steps: ScriptStep[]
  /** The step shown (while running: the one running). */
  index: number
}

interface SettledExtras {
  origin?: QueryOrigin
  /** Present when this answer is one statement of a script. */
  script?: ScriptProgress
}

export type SettledQuery = (
  | { status: 'done'; result: QueryResult }
  /** modelOutput: for an asked question, the model's full text, shown apart from the SQL error (collapsed). */
  | { status: 'error'; error: ApiErrorShape; sql: string; modelOutput?: string }
) &
  SettledExtras

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

  /** Runs one statement and returns how it ended; null when a newer run superseded it. */
  const runOne = useCallback(
    async (dbId: string, sql: string, origin: QueryOrigin | undefined, script: ScriptProgress | undefined): Promise<ScriptStep['outcome'] | null> => {
      const queryId = newQueryId()
      latest.current.set(dbId, queryId)
      setStates((all) => {
        // Keep the last answer on screen (dimmed) while the new one runs: no flash for fast queries.
        const before = all[dbId]
        const previous = before?.status === 'done' || before?.status === 'error' ? before : before?.status === 'running' ? before.previous : null
        return { ...all, [dbId]: { status: 'running', queryId, startedAt: performance.now(), sql, previous, ...(script ? { script } : {}) } }
      })
      let outcome: ScriptStep['outcome']
      try {
        const result = await getApi().db.query({
          dbId,
          sql,
          queryId,
          // typed by hand (or run from a tab): it goes into the database's SQL history
          record: origin !== undefined,
          ...(settings ? { timeoutMs: settings.queryTimeoutMs, maxRows: settings.rowCap } : {}),
        })
        outcome = { status: 'done', result }
      } catch (err) {
        outcome = { status: 'error', error: toErrorShape(err), sql }
      }
      return latest.current.get(dbId) === queryId ? outcome : null
    },
    [settings],
  )

  const run = useCallback(
    async (dbId: string, sql: string, origin?: QueryOrigin) => {
      const outcome = await runOne(dbId, sql, origin, undefined)
      if (outcome) set(dbId, { ...outcome, ...(origin ? { origin } : {}) })
      setSettled((n) => n + 1)
    },
    [runOne],
  )

  /**
   * Runs statements one after another, each with its own result; the first failure (or a cancel) stops the
   * script, and the statements after it are shown as not run. Ends showing the failure, else the last result.
   */
  const runScript = useCallback(
    async (dbId: string, statements: QueryOrigin[]) => {
      const steps: ScriptStep[] = statements.map((origin) => ({ origin, outcome: null }))
      let shown = 0
      for (let i = 0; i < steps.length; i++) {
        const outcome = await runOne(dbId, steps[i]!.origin.sql, steps[i]!.origin, { steps: [...steps], index: i })
        if (!outcome) break // superseded by a newer run: it owns the pane now
        steps[i] = { ...steps[i]!, outcome }
        shown = i
        if (outcome.status === 'error') break
      }
      const last = steps[shown]!.outcome
      if (last && latest.current.has(dbId)) set(dbId, { ...last, origin: steps[shown]!.origin, script: { steps, index: shown } })
      setSettled((n) => n + 1)
    },
    [runOne],
  )

  /** Shows another statement's result of the script on screen. */
  const showStep = useCallback((dbId: string, index: number) => {
    setStates((all) => {
      const current = all[dbId]
      if (!current || current.status === 'idle' || current.status === 'running' || !current.script) return all
      const step = current.script.steps[index]
      if (!step?.outcome) return all
      return { ...all, [dbId]: { ...step.outcome, origin: step.origin, script: { ...current.script, index } } }
    })
  }, [])

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

  return { state: (activeDbId && states[activeDbId]) || IDLE, settled, run, runScript, showStep, cancel, reset, show }
}
