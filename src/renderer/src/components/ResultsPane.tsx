import type { QueryState, SettledQuery } from '../hooks/useQueryRunner'
import { useElapsed } from '../hooks/useElapsed'
import { ErrorPanel } from './ErrorPanel'
import { ResultGrid } from './ResultGrid'

/** The bottom pane: a hint before the first run, progress while running, then the grid or the error. */
export function ResultsPane({ state, onCancel, onDismissError }: { state: QueryState; onCancel(): void; onDismissError(): void }) {
  const elapsed = useElapsed(state.status === 'running' ? state.startedAt : null)
  switch (state.status) {
    case 'idle':
      return (
        <div className="results-placeholder" data-testid="results-idle">
          <span>
            Run a query with <kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+<kbd>Enter</kbd> on macOS) — the selection if there is one, else
            the whole editor.
          </span>
        </div>
      )
    case 'running':
      return (
        <>
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
      return <Settled state={state} onDismissError={onDismissError} />
  }
}

function Settled({ state, onDismissError }: { state: SettledQuery; onDismissError(): void }) {
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
  return <ResultGrid key={state.result.sql + state.result.elapsedMs} result={state.result} />
}
