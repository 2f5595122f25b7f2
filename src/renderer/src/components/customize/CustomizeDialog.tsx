import { useCallback, useEffect, useState } from 'react'
import type { CustomizeRunSummary } from '../../../../shared/customize'
import { isStageBoundary } from '../../../../shared/customize'
import type { ApiErrorShape } from '../../../../shared/errors'
import { toErrorShape } from '../../../../shared/errors'
import type { LoadedModelInfo } from '../../../../shared/models'
import { getApi } from '../../api'
import { STAGE_LABELS, STATE_CHIP, teacherIdLabel } from '../../lib/customize'
import { clearPause, isPaused, pauseBeforeTraining } from '../../lib/customizePause'
import { formatWhen } from '../../lib/units'
import { ErrorPanel } from '../ErrorPanel'
import { Modal } from '../Modal'
import { CustomizeWizard } from './CustomizeWizard'
import { RunView } from './RunView'
import '../../styles/customize.css'

interface Props {
  dbId: string
  dbName: string
  model: LoadedModelInfo | null | undefined
  theme: string
  onClose(): void
}

type Selection = { kind: 'new' } | { kind: 'run'; outDir: string; runId: string | null }

/** "Customize on my schema": the wizard, every run of this database, and the run being watched. */
export function CustomizeDialog({ dbId, dbName, model, theme, onClose }: Props) {
  const [runs, setRuns] = useState<CustomizeRunSummary[] | null>(null)
  const [listError, setListError] = useState<ApiErrorShape | null>(null)
  const [selection, setSelection] = useState<Selection | null>(null)
  const [pauseVersion, setPauseVersion] = useState(0)

  const refresh = useCallback(() => {
    getApi()
      .customize.list({ dbId })
      .then(
        (list) => {
          setRuns(list)
          setListError(null)
          // Opens on the run going now, else on a new run.
          setSelection((s) => s ?? (list[0]?.state === 'running' ? { kind: 'run', outDir: list[0].outDir, runId: list[0].runId } : { kind: 'new' }))
        },
        (err: unknown) => {
          setListError(toErrorShape(err))
          setSelection((s) => s ?? { kind: 'new' })
        },
      )
  }, [dbId])

  useEffect(() => {
    refresh()
    const api = getApi()
    const offs = [
      api.on('customize.progress', (p) => {
        if (isStageBoundary(p)) refresh()
      }),
      api.on('customize.finished', () => {
        refresh()
        setPauseVersion((v) => v + 1)
      }),
    ]
    return () => offs.forEach((off) => off())
  }, [refresh])

  const selectedDir = selection?.kind === 'run' ? selection.outDir : null
  const selectedSummary = runs?.find((r) => r.outDir === selectedDir)

  return (
    // A run goes on in the background, so the window closes freely: ×, Esc, and a backdrop click while watching a run
    // (not in the new-run form, where a stray click would lose what was typed).
    <Modal
      title={`Customize on my schema — ${dbName}`}
      titleId="customize-title"
      testId="customize-dialog"
      onClose={onClose}
      wide
      closeButton
      closeLabel="Close (a run goes on in the background)"
      closeOnBackdrop={selection?.kind === 'run'}
    >
      <div className="cz-layout" data-pause-version={pauseVersion}>
        <nav className="cz-rail" aria-label="Customization runs">
          <button
            type="button"
            className={`cz-rail__item cz-rail__new${selection?.kind === 'new' ? ' cz-rail__item--on' : ''}`}
            onClick={() => setSelection({ kind: 'new' })}
            aria-current={selection?.kind === 'new'}
            data-testid="customize-new"
          >
            + New run
          </button>
          <div className="dialog__section-title">Runs for this database</div>
          {listError && <ErrorPanel error={listError} title="Could not list the runs" />}
          {runs?.length === 0 && <p className="muted small">None yet.</p>}
          <ul className="cz-rail__list" data-testid="customize-runs">
            {runs?.map((r) => (
              <li key={r.outDir}>
                <button
                  type="button"
                  className={`cz-rail__item${selectedDir === r.outDir ? ' cz-rail__item--on' : ''}`}
                  onClick={() => setSelection({ kind: 'run', outDir: r.outDir, runId: r.runId })}
                  aria-current={selectedDir === r.outDir}
                  title={r.outDir}
                  data-testid="customize-run-item"
                  data-state={r.state}
                >
                  <span className="cz-rail__when">{formatWhen(r.createdAt)}</span>
                  <span className={`chip ${STATE_CHIP[r.state]}`}>{isPaused(r.outDir) && r.runId === null && r.currentStage === 'train' && (r.state === 'cancelled' || r.state === 'stopped') ? 'paused' : r.state}</span>
                  <span className="cz-rail__sub muted small">
                    {teacherIdLabel(r.teacherId)}
                    {r.state !== 'done' && r.currentStage ? ` · ${STAGE_LABELS[r.currentStage].title.toLowerCase()}` : ''}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div className="cz-main">
          {selection?.kind === 'new' && (
            <CustomizeWizard
              dbId={dbId}
              dbName={dbName}
              model={model}
              onStarted={(run, pause) => {
                if (pause) pauseBeforeTraining(run.outDir)
                setSelection({ kind: 'run', outDir: run.outDir, runId: run.runId })
                refresh()
              }}
            />
          )}
          {selection?.kind === 'run' && (
            <RunView
              key={selection.outDir}
              outDir={selection.outDir}
              runId={selectedSummary ? selectedSummary.runId : selection.runId}
              model={model}
              theme={theme}
              paused={isPaused(selection.outDir)}
              onResumed={() => {
                clearPause(selection.outDir)
                refresh()
              }}
              onChanged={refresh}
            />
          )}
        </div>
      </div>
    </Modal>
  )
}
