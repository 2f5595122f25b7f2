import { useCallback, useEffect, useState } from 'react'
import type { HistoryItem, Verdict } from '../../../shared/ask'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import { getApi } from '../api'

/** The active database's asked questions, newest first; `version` bumps re-read it (after an ask). */
export function useHistory(dbId: string | null, version: number) {
  const [items, setItems] = useState<HistoryItem[]>([])
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const [loaded, setLoaded] = useState(false)

  useEffect(() => {
    if (!dbId) return setItems([])
    let live = true
    getApi()
      .history.list({ dbId, limit: 500 })
      .then(
        (list) => {
          if (!live) return
          setItems(list)
          setError(null)
          setLoaded(true)
        },
        (err: unknown) => live && setError(toErrorShape(err)),
      )
    return () => {
      live = false
    }
  }, [dbId, version])

  const mark = useCallback(
    async (id: string, verdict: Verdict, correctedSql?: string): Promise<ApiErrorShape | null> => {
      if (!dbId) return null
      try {
        const updated = await getApi().history.mark({ dbId, id, verdict, ...(correctedSql !== undefined ? { correctedSql } : {}) })
        setItems((list) => list.map((item) => (item.id === id ? updated : item)))
        return null
      } catch (err) {
        return toErrorShape(err)
      }
    },
    [dbId],
  )

  return { items, error, loaded, mark }
}
