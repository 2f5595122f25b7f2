import { useCallback, useEffect, useRef, useState } from 'react'
import type { RequestOf } from '../../../shared/api'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { ExportProgress, ExportResult } from '../../../shared/train'
import { getApi } from '../api'
import { newQueryId } from '../lib/ids'

export type ExportState =
  | { status: 'idle' }
  | { status: 'running'; exportId: string; progress: ExportProgress | null; startedAt: number }
  | { status: 'done'; result: ExportResult }
  | { status: 'cancelled' }
  | { status: 'error'; error: ApiErrorShape }

/** One export at a time: start it, follow its `export.progress` events, cancel it. */
export function useExport() {
  const api = getApi()
  const [state, setState] = useState<ExportState>({ status: 'idle' })
  const running = useRef<string | null>(null)

  useEffect(
    () =>
      api.on('export.progress', ({ exportId, ...progress }) =>
        setState((s) => (s.status === 'running' && s.exportId === exportId ? { ...s, progress } : s)),
      ),
    [api],
  )

  const start = useCallback(
    async (request: Omit<RequestOf<'export.run'>, 'exportId'>) => {
      if (running.current) return
      const exportId = newQueryId()
      running.current = exportId
      setState({ status: 'running', exportId, progress: null, startedAt: performance.now() })
      try {
        const result = await api.export.run({ ...request, exportId })
        setState({ status: 'done', result })
      } catch (err) {
        const error = toErrorShape(err)
        setState(error.code === 'CANCELLED' ? { status: 'cancelled' } : { status: 'error', error })
      } finally {
        running.current = null
      }
    },
    [api],
  )

  const cancel = useCallback(() => {
    const exportId = running.current
    if (exportId) void api.export.cancel({ exportId }).catch(() => undefined)
  }, [api])

  const reset = useCallback(() => {
    if (!running.current) setState({ status: 'idle' })
  }, [])

  return { state, start, cancel, reset }
}

/** Progress over the whole export, for one bar: checking is quick, fusing and quantizing share the rest. */
export function overallFraction(progress: ExportProgress | null, quantized: boolean): number {
  if (!progress) return 0
  const f = Math.min(1, Math.max(0, progress.fraction))
  switch (progress.phase) {
    case 'checking':
      return 0.05 * f
    case 'fusing':
      return 0.05 + (quantized ? 0.55 : 0.95) * f
    case 'quantizing':
      return 0.6 + 0.4 * f
    case 'done':
      return 1
  }
}

export function stageText(progress: ExportProgress | null, type: string): string {
  if (!progress) return 'Starting the export process…'
  const pct = `${Math.round(progress.fraction * 100)}%`
  switch (progress.phase) {
    case 'checking':
      return 'Checking the adapter against the base model…'
    case 'fusing':
      return `Fusing the adapter into the base… ${pct}`
    case 'quantizing':
      return progress.fraction >= 1 ? `Quantized to ${type}.` : `Quantizing to ${type} (llama.cpp's quantizer)…`
    case 'done':
      return 'Done.'
  }
}
