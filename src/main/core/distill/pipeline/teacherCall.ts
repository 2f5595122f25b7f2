// One teacher call with a time limit. A teacher that fails, hangs or answers garbage costs its item, never the
// run: the failure becomes a counted outcome. Only the user's cancel escapes as an error.
import { SqlstillError } from '../../../../shared/errors'
import { cancelledError } from './runDir'

export type TeacherCallResult<T> = { ok: true; value: T } | { ok: false; error: 'teacher_error' | 'teacher_timeout'; message: string }

export async function callTeacher<T>(
  call: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  stage: string,
): Promise<TeacherCallResult<T>> {
  if (signal?.aborted) throw cancelledError(stage)
  const local = new AbortController()
  const onAbort = (): void => local.abort()
  signal?.addEventListener('abort', onAbort, { once: true })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const cancelled = new Promise<'cancelled'>((resolve) => {
    if (signal) signal.addEventListener('abort', () => resolve('cancelled'), { once: true })
  })
  try {
    const raced = await Promise.race([
      call(local.signal).then(
        (value) => ({ value }),
        (err: unknown) => ({ err }),
      ),
      timedOut,
      cancelled,
    ])
    if (raced === 'cancelled' || signal?.aborted) throw cancelledError(stage)
    if (raced === 'timeout') {
      local.abort()
      return { ok: false, error: 'teacher_timeout', message: `no answer within ${timeoutMs} ms` }
    }
    if ('err' in raced) {
      const err = raced.err
      if (err instanceof SqlstillError && err.code === 'TIMEOUT') return { ok: false, error: 'teacher_timeout', message: err.message }
      return { ok: false, error: 'teacher_error', message: err instanceof Error ? err.message : String(err) }
    }
    return { ok: true, value: raced.value }
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}
