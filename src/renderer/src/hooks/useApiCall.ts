import { useState } from 'react'
import { toErrorShape, type ApiErrorShape } from '../../../shared/errors'

/** One API call a dialog makes on demand: whether it runs, what it answered, or why it failed. */
export function useApiCall<T>() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const [result, setResult] = useState<T | null>(null)
  const run = async (call: () => Promise<T>): Promise<T | null> => {
    setBusy(true)
    setError(null)
    setResult(null)
    try {
      const value = await call()
      setResult(value)
      return value
    } catch (err) {
      setError(toErrorShape(err))
      return null
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, result, run }
}
