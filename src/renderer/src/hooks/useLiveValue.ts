import { useEffect, useState } from 'react'
import type { ApiEvents, EventName } from '../../../shared/api'
import { getApi } from '../api'

/**
 * A value the core owns: read once, then kept current by the event that announces its changes. `undefined` until
 * the first read answers; `fallback` when that read fails.
 */
export function useLiveValue<E extends EventName>(read: () => Promise<ApiEvents[E]>, event: E, fallback: ApiEvents[E]): ApiEvents[E] | undefined {
  const [value, setValue] = useState<ApiEvents[E] | undefined>(undefined)
  useEffect(() => {
    let live = true
    read().then(
      (v) => live && setValue(v),
      () => live && setValue(fallback),
    )
    const off = getApi().on(event, (v) => setValue(v))
    return () => {
      live = false
      off()
    }
    // Subscribed once per mount: `read` and `fallback` are fixed by each caller.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [event])
  return value
}
