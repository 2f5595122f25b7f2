import { useCallback, useEffect, useRef, useState } from 'react'
import type { AskOutcome, AskRecord } from '../../../shared/ask'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import { getApi } from '../api'
import { newQueryId } from '../lib/ids'

export type AskState =
  | { status: 'idle' }
  | { status: 'running'; askId: string; question: string; attempt: number; text: string; startedAt: number; cancelling: boolean }
  | { status: 'done'; question: string; record: AskRecord }
  | { status: 'cancelled'; question: string; text: string }
  | { status: 'error'; question: string; error: ApiErrorShape }

const IDLE: AskState = { status: 'idle' }

/**
 * Questions to the student, one at a time per database. The streamed text of the running attempt is kept here
 * (a repair attempt starts its text afresh); the caller mirrors it into the editor.
 */
export function useAsk(activeDbId: string | null, onOutcome: (dbId: string, outcome: AskOutcome) => void) {
  const [states, setStates] = useState<Record<string, AskState>>({})
  const running = useRef(new Map<string, string>()) // askId → dbId
  const onOutcomeRef = useRef(onOutcome)
  onOutcomeRef.current = onOutcome

  useEffect(() => {
    const off = getApi().on('ask.chunk', ({ askId, attempt, text }) => {
      const dbId = running.current.get(askId)
      if (!dbId) return
      setStates((all) => {
        const s = all[dbId]
        if (s?.status !== 'running' || s.askId !== askId) return all
        const next = attempt === s.attempt ? s.text + text : text
        return { ...all, [dbId]: { ...s, attempt, text: next } }
      })
    })
    return off
  }, [])

  const ask = useCallback(async (dbId: string, question: string) => {
    const askId = newQueryId()
    running.current.set(askId, dbId)
    setStates((all) => ({
      ...all,
      [dbId]: { status: 'running', askId, question, attempt: 0, text: '', startedAt: performance.now(), cancelling: false },
    }))
    try {
      const outcome = await getApi().ask.run({ dbId, question, askId })
      setStates((all) => ({ ...all, [dbId]: { status: 'done', question, record: outcome.record } }))
      onOutcomeRef.current(dbId, outcome)
    } catch (err) {
      const error = toErrorShape(err)
      setStates((all) => {
        const s = all[dbId]
        const text = s?.status === 'running' ? s.text : ''
        return {
          ...all,
          [dbId]: error.code === 'CANCELLED' ? { status: 'cancelled', question, text } : { status: 'error', question, error },
        }
      })
    } finally {
      running.current.delete(askId)
    }
  }, [])

  const cancel = useCallback(async (dbId: string) => {
    const askId = [...running.current].find(([, db]) => db === dbId)?.[0]
    if (!askId) return
    setStates((all) => {
      const s = all[dbId]
      return s?.status === 'running' ? { ...all, [dbId]: { ...s, cancelling: true } } : all
    })
    // Esc can arrive before the core has registered the question; ask again briefly until it has, or it ended.
    for (let tries = 0; tries < 30 && running.current.has(askId); tries++) {
      const { cancelled } = await getApi().ask.cancel({ askId }).catch(() => ({ cancelled: false }))
      if (cancelled) return
      await new Promise((r) => setTimeout(r, 100))
    }
  }, [])

  const reset = useCallback((dbId: string) => setStates((all) => ({ ...all, [dbId]: IDLE })), [])

  return { state: (activeDbId && states[activeDbId]) || IDLE, ask, cancel, reset }
}
