import { useEffect, useState } from 'react'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { Schema } from '../../../shared/schema'
import { getApi } from '../api'

export type SchemaState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; schema: Schema }
  | { status: 'error'; error: ApiErrorShape }

// Schemas do not change under a read-only connection; cache per handle for instant tab switches.
const cache = new Map<string, Schema>()

export function useSchema(dbId: string | null): SchemaState {
  const [state, setState] = useState<SchemaState>({ status: 'idle' })

  useEffect(() => {
    if (!dbId) return setState({ status: 'idle' })
    const cached = cache.get(dbId)
    if (cached) return setState({ status: 'ready', schema: cached })
    let live = true
    setState({ status: 'loading' })
    getApi()
      .db.schema({ dbId })
      .then((schema) => {
        cache.set(dbId, schema)
        if (live) setState({ status: 'ready', schema })
      })
      .catch((err: unknown) => live && setState({ status: 'error', error: toErrorShape(err) }))
    return () => {
      live = false
    }
  }, [dbId])

  return state
}
