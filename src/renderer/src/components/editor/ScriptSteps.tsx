import type { ScriptProgress } from '../../hooks/useQueryRunner'

/** One chip per statement of a script run: its result size, its failure, or that it was not run. */
export function ScriptSteps({ script, running, onSelect }: { script: ScriptProgress; running: boolean; onSelect(index: number): void }) {
  const done = script.steps.filter((s) => s.outcome?.status === 'done').length
  return (
    <div className="script-steps" role="group" aria-label="Statements of the script" data-testid="script-steps">
      <span className="muted small" data-testid="script-summary">
        {running ? `Running ${script.index + 1} of ${script.steps.length}…` : `${done} of ${script.steps.length} statements ran`}
      </span>
      {script.steps.map((step, i) => {
        const o = step.outcome
        const label = o === null ? (running && i === script.index ? 'running' : 'not run') : o.status === 'error' ? o.error.code : `${o.result.rowCount}${o.result.truncated ? '+' : ''} ${o.result.rowCount === 1 ? 'row' : 'rows'}`
        return (
          <button
            key={i}
            type="button"
            className={`script-step${o?.status === 'error' ? ' script-step--error' : ''}${o === null ? ' script-step--skipped' : ''}`}
            aria-pressed={i === script.index}
            disabled={o === null}
            onClick={() => onSelect(i)}
            title={step.origin.sql}
            data-testid="script-step"
            data-state={o === null ? 'not-run' : o.status}
          >
            <b>{i + 1}</b>
            <span className="script-step__sql">{step.origin.sql.replace(/\s+/g, ' ').slice(0, 60)}</span>
            <span className="script-step__label">· {label}</span>
          </button>
        )
      })}
    </div>
  )
}
