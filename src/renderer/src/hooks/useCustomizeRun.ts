import { useCallback, useEffect, useRef, useState } from 'react'
import type { CustomizeProgress, CustomizeReport, LossPoint, RunManifest, StageName } from '../../../shared/customize'
import { isStageBoundary } from '../../../shared/customize'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { TrainProgressEvent } from '../../../shared/train'
import { getApi } from '../api'

export interface CustomizeRunView {
  manifest: RunManifest | null
  loadError: ApiErrorShape | null
  /** Set while the core is running this folder (the id `customize.cancel` needs). */
  runId: string | null
  /** The latest progress of each stage that reported some since this view opened. */
  live: Partial<Record<StageName, CustomizeProgress>>
  /** The latest training metrics (step, ETA, …) while the train stage runs. */
  train: TrainProgressEvent | null
  /** The loss curve: the run folder's metrics, then every live step. */
  loss: LossPoint[]
  report: CustomizeReport | null
  /** Why the last run of this folder stopped (CANCELLED included), from `customize.finished`. */
  finishedError: { code: string; message: string } | null
  refresh(): void
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`) || path.startsWith(`${dir}\\`)
}

/** One customization run followed live: its manifest, stage progress, training metrics and report. */
export function useCustomizeRun(outDir: string, initialRunId: string | null): CustomizeRunView {
  const [manifest, setManifest] = useState<RunManifest | null>(null)
  const [loadError, setLoadError] = useState<ApiErrorShape | null>(null)
  const [runId, setRunId] = useState<string | null>(initialRunId)
  const [live, setLive] = useState<Partial<Record<StageName, CustomizeProgress>>>({})
  const [train, setTrain] = useState<TrainProgressEvent | null>(null)
  const [loss, setLoss] = useState<LossPoint[]>([])
  const [report, setReport] = useState<CustomizeReport | null>(null)
  const [finishedError, setFinishedError] = useState<CustomizeRunView['finishedError']>(null)
  const alive = useRef(true)

  useEffect(() => setRunId(initialRunId), [initialRunId])

  const refresh = useCallback(() => {
    const api = getApi()
    api.customize.status({ outDir }).then(
      (m) => {
        if (!alive.current) return
        setManifest(m)
        setLoadError(null)
      },
      (err: unknown) => alive.current && setLoadError(toErrorShape(err)),
    )
    api.customize.report({ outDir }).then(
      (r) => {
        if (!alive.current) return
        setReport(r)
        // The file is the truth once written; live points only ever extend it.
        setLoss((points) => (r.loss.length >= points.length ? r.loss : points))
      },
      () => undefined, // the manifest error above already says what is wrong
    )
  }, [outDir])

  useEffect(() => {
    alive.current = true
    setManifest(null)
    setLive({})
    setTrain(null)
    setLoss([])
    setReport(null)
    setFinishedError(null)
    refresh()
    const api = getApi()
    const offs = [
      api.on('customize.progress', (p) => {
        if (p.outDir !== outDir) return
        setRunId(p.runId)
        setFinishedError(null)
        setLive((all) => ({ ...all, [p.stage]: p }))
        // Stage boundaries change the manifest (status, counts, filters); items within a stage do not.
        if (isStageBoundary(p)) refresh()
      }),
      api.on('train.progress', (p) => {
        if (!isUnder(p.outDir, outDir)) return
        setTrain(p)
        if (p.phase !== 'training' || p.loss === null) return
        const point: LossPoint = { step: p.step, epoch: p.epoch, loss: p.loss, ...(p.evalLoss !== undefined ? { evalLoss: p.evalLoss } : {}) }
        // A resumed training restarts from its checkpoint: later points of the old curve are replaced.
        setLoss((points) => [...points.filter((q) => q.step < p.step), point])
      }),
      api.on('customize.finished', (e) => {
        if (e.outDir !== outDir) return
        setRunId(null)
        setTrain(null)
        setFinishedError(e.error ?? null)
        refresh()
      }),
    ]
    return () => {
      alive.current = false
      for (const off of offs) off()
    }
  }, [outDir, refresh])

  return { manifest, loadError, runId, live, train, loss, report, finishedError, refresh }
}
