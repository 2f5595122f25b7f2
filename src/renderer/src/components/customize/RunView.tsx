import { useEffect, useState } from 'react'
import type { ApiErrorShape } from '../../../../shared/errors'
import { toErrorShape } from '../../../../shared/errors'
import type { LoadedModelInfo } from '../../../../shared/models'
import { getApi } from '../../api'
import { useCustomizeRun } from '../../hooks/useCustomizeRun'
import { evalLossLabel, pausedForReview, runState } from '../../../../shared/customize'
import { fileName, STATE_CHIP, teacherIdLabel } from '../../lib/customize'
import { formatBytes } from '../../../../shared/format'
import { formatEta } from '../../lib/units'
import { ErrorPanel } from '../ErrorPanel'
import { DatasetReview } from './DatasetReview'
import { LossChart } from './LossChart'
import { ExportDatasetDialog } from './ExportDatasetDialog'
import { RunReport } from './RunReport'
import { StageList } from './StageList'

type Tab = 'progress' | 'examples' | 'report'

interface Props {
  outDir: string
  runId: string | null
  model: LoadedModelInfo | null | undefined
  theme: string
  /** The user asked to stop this run before training, to review its examples. */
  paused: boolean
  onResumed(): void
  /** The run's files changed under it (an example edited): lists of runs need a refresh. */
  onChanged(): void
}

/** One run: its stages with counts, the live loss chart, Cancel / Resume, the examples and the final report. */
export function RunView({ outDir, runId: knownRunId, model, theme, paused, onResumed, onChanged }: Props) {
  const run = useCustomizeRun(outDir, knownRunId)
  const [exportingDataset, setExportingDataset] = useState(false)
  const [tab, setTab] = useState<Tab>('progress')
  const [busy, setBusy] = useState<'cancel' | 'resume' | null>(null)
  const [actionError, setActionError] = useState<ApiErrorShape | null>(null)
  const { manifest, train, loss } = run
  const running = run.runId !== null
  const state = manifest ? runState(manifest, running) : null
  const evaluated = manifest?.stages.evaluate.status === 'done'
  const reviewing = manifest ? pausedForReview(manifest, running, paused) : false
  // The run stops at its next checkpoint, seconds after the cancel call returns: until it reports stopped, say so.
  const [cancelling, setCancelling] = useState(false)
  useEffect(() => {
    if (!running) setCancelling(false)
  }, [running])

  // A finished run opens on its report; a paused one on its examples.
  useEffect(() => {
    if (evaluated && !running) setTab('report')
  }, [evaluated, running])
  useEffect(() => {
    if (reviewing) setTab('examples')
  }, [reviewing])

  const act = async (what: 'cancel' | 'resume') => {
    setBusy(what)
    setActionError(null)
    try {
      if (what === 'cancel' && run.runId) {
        setCancelling(true)
        const { cancelled } = await getApi().customize.cancel({ runId: run.runId })
        // false: the run had already ended or was being cancelled; the finished event settles the view either way
        if (!cancelled && !running) setCancelling(false)
      }
      if (what === 'resume') {
        await getApi().customize.resume({ outDir })
        onResumed()
        setTab('progress')
      }
    } catch (err) {
      if (what === 'cancel') setCancelling(false)
      setActionError(toErrorShape(err))
    } finally {
      setBusy(null)
    }
  }

  if (run.loadError) return <ErrorPanel error={run.loadError} title="Could not read this run" />
  if (!manifest || !state) {
    return (
      <div className="muted" role="status">
        <span className="spinner" aria-hidden /> Reading the run…
      </div>
    )
  }
  const trainStage = manifest.stages.train
  const datasetReady = manifest.stages.dataset.status === 'done'
  const showTraining = trainStage.status !== 'pending' || loss.length > 0
  // live figures while training runs; once it is done (and in a reopened run) the trainer's result
  const finished = !train && trainStage.status === 'done' ? (run.report?.training ?? null) : null
  const speed = train ?? finished
  const device = train?.device ? { ...train.device, threads: train.threads } : (finished?.device ?? null)
  const s = manifest.settings

  return (
    <div className="cz-run" data-testid="customize-run" data-state={state} data-out-dir={outDir}>
      <div className="cz-run__head">
        <span className={`chip ${STATE_CHIP[state]}`} data-testid="run-state" data-cancelling={cancelling || undefined}>
          {cancelling && running ? 'cancelling…' : reviewing ? 'paused for review' : state}
        </span>
        <span className="small cz-run__facts">
          {fileName(s.dbPath)} · student {fileName(s.studentModel)} · teacher {teacherIdLabel(manifest.teacherId)} · n {s.n}
          {s.k > 1 ? ` · k ${s.k}` : ''} · {new Date(manifest.createdAt).toLocaleString()}
        </span>
        <span className="toolbar-spacer" />
        {datasetReady && (
          <button type="button" className="btn" onClick={() => setExportingDataset(true)} data-testid="customize-export-dataset" title="The examples as JSONL for another trainer (axolotl, Unsloth, TRL, mlx-lm, OpenAI), with the exact prompts">
            Export dataset…
          </button>
        )}
        {running ? (
          <button type="button" className="btn btn--danger" onClick={() => void act('cancel')} disabled={busy !== null || cancelling} data-testid="customize-cancel">
            {busy === 'cancel' || cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : state !== 'done' ? (
          <button type="button" className="btn btn--primary" onClick={() => void act('resume')} disabled={busy !== null} data-testid="customize-resume">
            {busy === 'resume' ? 'Resuming…' : reviewing ? 'Continue to training' : 'Resume'}
          </button>
        ) : null}
      </div>
      {exportingDataset && <ExportDatasetDialog runDir={outDir} onClose={() => setExportingDataset(false)} />}
      {actionError && <ErrorPanel error={actionError} title={busy === 'cancel' ? 'Could not cancel' : 'Could not resume'} onDismiss={() => setActionError(null)} />}
      {run.finishedError && run.finishedError.code !== 'CANCELLED' && (
        <div className="cz-stage__error" role="alert" data-testid="run-error">
          <code>{run.finishedError.code}</code> {run.finishedError.message}
        </div>
      )}
      {reviewing && (
        <p className="cz-note" data-testid="run-paused">
          Paused before training. Review the examples (edit or exclude any), then continue to training.
        </p>
      )}

      <div className="results-tabs cz-tabs" role="tablist" aria-label="Run views">
        <button type="button" role="tab" className="results-tab" aria-selected={tab === 'progress'} onClick={() => setTab('progress')} data-testid="run-tab-progress">
          Progress
        </button>
        <button
          type="button"
          role="tab"
          className="results-tab"
          aria-selected={tab === 'examples'}
          onClick={() => setTab('examples')}
          disabled={!datasetReady}
          title={datasetReady ? 'Review the examples' : 'The examples can be reviewed once the dataset stage is done'}
          data-testid="run-tab-examples"
        >
          Review examples{typeof manifest.stages.dataset.extra?.train === 'number' ? ` (${manifest.stages.dataset.extra.train} train)` : ''}
        </button>
        <button type="button" role="tab" className="results-tab" aria-selected={tab === 'report'} onClick={() => setTab('report')} data-testid="run-tab-report">
          Report
        </button>
      </div>

      {tab === 'progress' && (
        <div className="cz-progress">
          <StageList manifest={manifest} live={run.live} running={running} cancelling={cancelling && running} />
          <section className="cz-training" aria-label="Training" data-testid="customize-training">
            <div className="dialog__section-title">Training</div>
            {showTraining ? (
              <>
                <dl className="cz-train-facts small" data-testid="train-facts">
                  <dt>Step</dt>
                  <dd data-testid="train-step">{train ? `${train.step} / ${train.totalSteps}` : loss.length ? String(loss.at(-1)!.step) : '—'}</dd>
                  <dt>Epoch</dt>
                  <dd>{train ? train.epoch + 1 : loss.length ? loss.at(-1)!.epoch + 1 : '—'}</dd>
                  <dt>Loss</dt>
                  <dd data-testid="train-loss">{loss.length ? loss.at(-1)!.loss.toFixed(4) : '—'}</dd>
                  <dt>Eval loss</dt>
                  <dd data-testid="train-eval-loss">{evalLossLabel(loss, trainStage.status === 'done' ? (run.report?.training ?? null) : null, trainStage.status === 'done')}</dd>
                  <dt>Speed</dt>
                  <dd data-testid="train-speed">
                    {speed && speed.examplesPerSecond > 0
                      ? `${speed.examplesPerSecond.toFixed(2)} examples/s · ${speed.completionTokensPerSecond.toFixed(1)} SQL tok/s`
                      : '—'}
                  </dd>
                  <dt>Device</dt>
                  <dd data-testid="train-device" title={device?.description}>
                    {device ? `${device.name === 'CPU' ? 'CPU' : `${device.name} (${device.description})`} · ${device.threads} thread${device.threads === 1 ? '' : 's'}` : '—'}
                  </dd>
                  <dt>Memory</dt>
                  <dd data-testid="train-memory">{speed && speed.peakRssBytes > 0 ? `${formatBytes(speed.peakRssBytes)} peak` : '—'}</dd>
                  <dt>ETA</dt>
                  <dd data-testid="train-eta">{train ? (train.phase === 'training' ? formatEta(train.etaSeconds) : train.phase) : trainStage.status === 'done' ? 'done' : '—'}</dd>
                </dl>
                {trainStage.status === 'pending' && loss.length > 0 && (
                  <p className="muted small" data-testid="train-stale">
                    The curve of the previous training: the examples changed since, so Resume retrains.
                  </p>
                )}
                <LossChart points={loss} theme={theme} />
              </>
            ) : (
              <p className="muted small">Training starts after the dataset is built; its loss curve appears here live.</p>
            )}
          </section>
        </div>
      )}
      {tab === 'examples' && datasetReady && <DatasetReview
          outDir={outDir}
          editable={!running}
          onChanged={() => {
            run.refresh()
            onChanged()
          }}
        />}
      {tab === 'report' && <RunReport manifest={manifest} report={run.report} model={model} />}
    </div>
  )
}
