import { useState } from 'react'
import type { QueryState, SettledQuery } from '../hooks/useQueryRunner'
import { useElapsed } from '../hooks/useElapsed'
import { PlanTree, isQueryPlan } from './editor/PlanTree'
import { ScriptSteps } from './editor/ScriptSteps'
import { ErrorPanel } from './ErrorPanel'
import { ResultGrid } from './ResultGrid'

interface Props {
  state: QueryState
  onCancel(): void
  onDismissError(): void
  /** Shows another statement of a script run. */
  onSelectStep(index: number): void
}

/** The bottom pane: a hint before the first run, progress while running, then the grid or the error. */
export function ResultsPane({ state, onCancel, onDismissError, onSelectStep }: Props) {
  const elapsed = useElapsed(state.status === 'running' ? state.startedAt : null)
  switch (state.status) {
    case 'idle':
      return (
        <div className="results-placeholder" data-testid="results-idle">
          <span>
            Run a query with <kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+<kbd>Enter</kbd> on macOS) — the selection, else the statement under
            the cursor; <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Enter</kbd> runs every statement.
          </span>
        </div>
      )
    case 'running':
      return (
        <>
          {state.script && <ScriptSteps script={state.script} running onSelect={() => undefined} />}
          <div className="results-running" data-testid="results-running" role="status">
            <span className="spinner" aria-hidden />
            <span>Running… {(elapsed / 1000).toFixed(1)} s</span>
            <button className="btn btn--small" onClick={onCancel} aria-label="Cancel the running query">
              Cancel
            </button>
          </div>
          {state.previous && (
            <div className="results-stale" aria-hidden>
              <Settled state={state.previous} onDismissError={onDismissError} />
            </div>
          )}
        </>
      )
    default:
      if (!state.script) return <Settled state={state} onDismissError={onDismissError} />
      return (
        <div className="script-pane">
          <ScriptSteps script={state.script} running={false} onSelect={onSelectStep} />
          <Settled state={state} onDismissError={onDismissError} />
        </div>
      )
  }
}

function Settled({ state, onDismissError }: { state: SettledQuery; onDismissError(): void }) {
  const [asRows, setAsRows] = useState(false)
  if (state.status === 'error') {
    return (
      <div className="results-error">
        <ErrorPanel error={state.error} onDismiss={onDismissError} />
        {state.modelOutput && (
          // apart from the SQL error and collapsed: the model's prose is context, not part of the error
          <details className="results-error__model" data-testid="model-output">
            <summary>What the model wrote</summary>
            <pre className="error-panel__message">{state.modelOutput}</pre>
          </details>
        )}
      </div>
    )
  }
  if (isQueryPlan(state.result) && !asRows) return <PlanTree result={state.result} onShowGrid={() => setAsRows(true)} />
  return <ResultGrid key={state.result.sql + state.result.elapsedMs} result={state.result} />
}
