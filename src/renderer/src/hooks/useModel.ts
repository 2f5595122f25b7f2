import { useEffect, useState } from 'react'
import type { LoadedModelInfo } from '../../../shared/models'
import { getApi } from '../api'

/** The loaded student model (null when none), kept current by `model.changed`. `undefined` until known. */
export function useCurrentModel(): LoadedModelInfo | null | undefined {
  const [current, setCurrent] = useState<LoadedModelInfo | null | undefined>(undefined)
  useEffect(() => {
    const api = getApi()
    let live = true
    api.model.current().then(
      (m) => live && setCurrent(m),
      () => live && setCurrent(null),
    )
    const off = api.on('model.changed', (m) => setCurrent(m))
    return () => {
      live = false
      off()
    }
  }, [])
  return current
}
