import type { CustomizeProgress, RunManifest, StageName, StageRecord } from '../../../../shared/customize'
import { isStageBoundary, STAGES } from '../../../../shared/customize'
import { formatCount } from '../../lib/format'
import { STAGE_LABELS, STATE_CHIP, teacherThroughputParts } from '../../lib/customize'

function seconds(record: StageRecord): string | null {
  if (!record.startedAt || !record.finishedAt) return null
  const s = (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000
  return s < 1 ? '<1 s' : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`
}

function Reasons({ reasons, testId }: { reasons: Record<string, number> | undefined; testId: string }) {
  const entries = Object.entries(reasons ?? {}).filter(([, n]) => n > 0)
  if (!entries.length) return null
  return (
    <span className="cz-reasons" data-testid={testId}>
      {entries.map(([why, n]) => (
        <span key={why} className="chip chip--muted" title={why}>
          {why.replace(/_/g, ' ')} {formatCount(n)}
        </span>
      ))}
    </span>
  )
}

/** Every pipeline stage: status, items in → out, why items were dropped, and each filter's verdict counts. */
export function StageList({
  manifest,
  live,
  running,
  cancelling = false,
}: {
  manifest: RunManifest
  live: Partial<Record<StageName, CustomizeProgress>>
  running: boolean
  /** Cancel was pressed: the running stage stops at its next checkpoint. */
  cancelling?: boolean
}) {
  return (
    <ol className="cz-stages" data-testid="customize-stages">
      {STAGES.map((name, i) => {
        const record = manifest.stages[name]
        // A stage left "running" in the file by a stopped app is not running now.
        const status = record.status === 'running' && !running ? 'cancelled' : record.status
        const progress = status === 'running' ? live[name] : undefined
        const fraction = progress?.total ? Math.min(1, progress.done / progress.total) : null
        const took = seconds(record)
        return (
          <li key={name} className={`cz-stage cz-stage--${status}`} data-testid="customize-stage" data-stage={name} data-status={status} data-in={record.in ?? ''} data-out={record.out ?? ''}>
            <div className="cz-stage__head">
              <span className="cz-stage__num" aria-hidden>
                {status === 'running' ? <span className="spinner" /> : i + 1}
              </span>
              <strong className="cz-stage__title">{STAGE_LABELS[name].title}</strong>
              <span className={`chip ${STATE_CHIP[status]}`} data-testid="stage-status">
                {record.status === 'running' && !running ? 'stopped' : status === 'running' && cancelling ? 'cancelling…' : status}
              </span>
              {(record.in !== undefined || record.out !== undefined) && (
                <span className="cz-stage__counts" data-testid="stage-counts">
                  {formatCount(record.in ?? 0)} in → <strong>{formatCount(record.out ?? 0)}</strong> out
                </span>
              )}
              {progress && (
                <span className="cz-stage__progress muted small" data-testid="stage-progress">
                  {progress.total ? `${formatCount(progress.done)} / ${formatCount(progress.total)}` : progress.done ? formatCount(progress.done) : ''}
                  {progress.message && !isStageBoundary(progress) ? ` · ${progress.message}` : ''}
                </span>
              )}
              <span className="toolbar-spacer" />
              {took && <span className="muted small">{took}</span>}
            </div>
            <div className="cz-stage__what muted small">{STAGE_LABELS[name].what}</div>
            {fraction !== null && (
              <div className="cz-bar" role="progressbar" aria-label={`${STAGE_LABELS[name].title} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
                <div className="cz-bar__fill" style={{ width: `${fraction * 100}%` }} />
              </div>
            )}
            <Reasons reasons={record.dropped} testId="stage-dropped" />
            {name === 'sql' && manifest.stages.sql.extra?.throughput && (
              <div className="cz-stage__teacher muted small" data-testid="stage-teacher-throughput">
                Teacher: {teacherThroughputParts(manifest.stages.sql.extra.throughput).join(' · ')}
              </div>
            )}
            {record.filters && (
              <table className="cz-filters" data-testid="stage-filters">
                <thead>
                  <tr>
                    <th scope="col">Filter</th>
                    <th scope="col">In</th>
                    <th scope="col">Pass</th>
                    <th scope="col">Rejected</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(record.filters).map(([filter, c]) => (
                    <tr key={filter} data-testid="filter-row" data-filter={filter} data-fail={c.fail}>
                      <th scope="row">{filter.replace(/_/g, ' ')}</th>
                      <td>{formatCount(c.in)}</td>
                      <td>{formatCount(c.pass)}</td>
                      <td className={c.fail ? 'cz-bad' : undefined}>{formatCount(c.fail)}</td>
                      <td>
                        <Reasons reasons={c.reasons} testId="filter-reasons" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {record.error && (
              <div className="cz-stage__error" role="alert" data-testid="stage-error">
                <code>{record.error.code}</code> {record.error.message}
              </div>
            )}
          </li>
        )
      })}
    </ol>
  )
}
