import { useEffect, useState } from 'react'

/** Milliseconds since `startedAt` (a performance.now() stamp), refreshed a few times a second. */
export function useElapsed(startedAt: number | null): number {
  const [now, setNow] = useState(() => performance.now())
  useEffect(() => {
    if (startedAt === null) return
    setNow(performance.now())
    const timer = setInterval(() => setNow(performance.now()), 100)
    return () => clearInterval(timer)
  }, [startedAt])
  return startedAt === null ? 0 : Math.max(0, now - startedAt)
}
