import type { ApiErrorShape } from '../../../../shared/errors'
import type { QueryResult } from '../../../../shared/query'
import { formatMs } from '../../lib/format'
import { cellText, rowsToShow } from '../../lib/teacherDiff'
import { ErrorPanel } from '../ErrorPanel'

const ROW_LIMIT = 200

export type SideState =
  | { status: 'loading' }
  | { status: 'none'; message: string }
  | { status: 'error'; error: ApiErrorShape; title: string }
  | { status: 'done'; result: QueryResult; differing: number[] }

interface Props {
  side: 'student' | 'teacher'
  title: string
  state: SideState
  onlyDiffering: boolean
}

/** One side's result set; rows without a counterpart on the other side are marked. */
export function CompareTable({ side, title, state, onlyDiffering }: Props) {
  return (
    <section className="compare-side" aria-label={`${title} result`} data-testid={`compare-${side}`} data-status={state.status}>
      <header className="compare-side__head">
        <strong>{title}</strong>
        {state.status === 'done' && (
          <span className="muted small" data-testid={`compare-${side}-summary`}>
            {state.result.rowCount} row{state.result.rowCount === 1 ? '' : 's'}
            {state.result.truncated ? ` (truncated at ${state.result.rowCap})` : ''} · {formatMs(state.result.elapsedMs)}
            {state.differing.length > 0 && <span className="compare-side__diffcount"> · {state.differing.length} differ</span>}
          </span>
        )}
      </header>
      {state.status === 'loading' && (
        <div className="compare-side__state muted" role="status">
          <span className="spinner" aria-hidden /> Running…
        </div>
      )}
      {state.status === 'none' && <div className="compare-side__state muted">{state.message}</div>}
      {state.status === 'error' && <ErrorPanel error={state.error} title={state.title} />}
      {state.status === 'done' && <Rows result={state.result} differing={state.differing} onlyDiffering={onlyDiffering} />}
    </section>
  )
}

function Rows({ result, differing, onlyDiffering }: { result: QueryResult; differing: number[]; onlyDiffering: boolean }) {
  if (result.columns.length === 0) return <div className="compare-side__state muted">The statement returned no columns.</div>
  const { rows, hidden } = rowsToShow(result, differing, { limit: ROW_LIMIT, onlyDiffering })
  return (
    <div className="compare-side__scroll">
      <table className="compare-table">
        <thead>
          <tr>
            <th className="compare-table__mark" aria-label="Differs" />
            <th className="compare-table__num">#</th>
            {result.columns.map((c, i) => (
              <th key={i} title={c.declaredType ?? undefined}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={result.columns.length + 2} className="muted compare-table__empty">
                {onlyDiffering ? 'No differing rows.' : 'No rows.'}
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <tr key={r.index} className={r.differs ? 'compare-table__row--diff' : undefined} data-differs={r.differs} data-testid="compare-row">
              <td className="compare-table__mark" title={r.differs ? 'No matching row on the other side' : undefined}>
                {r.differs ? <span aria-label="differs">≠</span> : null}
              </td>
              <td className="compare-table__num">{r.index + 1}</td>
              {r.values.map((v, i) => (
                <td key={i} className={v === null ? 'cell-null' : undefined}>
                  {cellText(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {hidden > 0 && <div className="muted small compare-side__more">{hidden} more rows not shown</div>}
    </div>
  )
}
