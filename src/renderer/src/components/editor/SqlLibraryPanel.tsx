import { useEffect, useMemo, useState } from 'react'
import { toErrorShape, type ApiErrorShape } from '../../../../shared/errors'
import type { SavedQuery, SqlRun } from '../../../../shared/workspace'
import { getApi } from '../../api'
import { formatWhen } from '../../lib/units'
import { ErrorPanel } from '../ErrorPanel'
import { ListSearch } from '../ListSearch'

type Kind = 'runs' | 'saved'

interface Props {
  kind: Kind
  dbId: string
  /** Bumped after each run, so the list of runs is read again. */
  version: number
  saved: SavedQuery[]
  onOpen(sql: string, title?: string): void
  onRun(sql: string): void
  onDelete(id: string): Promise<ApiErrorShape | null>
}

/** The SQL run by hand on this database (newest first) or its saved queries: open in a new tab, or run again. */
export function SqlLibraryPanel({ kind, dbId, version, saved, onOpen, onRun, onDelete }: Props) {
  const [runs, setRuns] = useState<SqlRun[]>([])
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const [loaded, setLoaded] = useState(false)
  const [search, setSearch] = useState('')

  useEffect(() => {
    if (kind !== 'runs') return
    let live = true
    getApi()
      .workspace.runs({ dbId, limit: 500 })
      .then(
        (list) => {
          if (!live) return
          setRuns(list)
          setLoaded(true)
          setError(null)
        },
        (err: unknown) => live && setError(toErrorShape(err)),
      )
    return () => {
      live = false
    }
  }, [kind, dbId, version])

  const q = search.trim().toLowerCase()
  const shownRuns = useMemo(() => (q ? runs.filter((r) => r.sql.toLowerCase().includes(q)) : runs), [runs, q])
  const shownSaved = useMemo(() => (q ? saved.filter((s) => s.name.toLowerCase().includes(q) || s.sql.toLowerCase().includes(q)) : saved), [saved, q])
  const total = kind === 'runs' ? runs.length : saved.length
  const shown = kind === 'runs' ? shownRuns.length : shownSaved.length

  return (
    <div className="history" data-testid={kind === 'runs' ? 'sql-runs-panel' : 'saved-queries-panel'}>
      <ListSearch
        value={search}
        onChange={setSearch}
        placeholder={kind === 'runs' ? 'Search the SQL you ran' : 'Search saved queries'}
        testId="sql-library-search"
        shown={shown}
        total={total}
        noun={kind === 'runs' ? 'run' : 'saved'}
      />
      {error && <ErrorPanel error={error} title="Could not read the SQL history" onDismiss={() => setError(null)} />}
      <ul className="history__list" aria-label={kind === 'runs' ? 'SQL run by hand' : 'Saved queries'}>
        {kind === 'runs' && loaded && runs.length === 0 && <li className="history__empty muted">No SQL run by hand on this database yet.</li>}
        {kind === 'saved' && saved.length === 0 && <li className="history__empty muted">No saved queries yet: “Save…” above the editor keeps the tab’s SQL under a name.</li>}
        {total > 0 && shown === 0 && <li className="history__empty muted">Nothing matches.</li>}
        {kind === 'runs' &&
          shownRuns.map((run, i) => (
            <li key={`${run.at}-${i}`} className="history-item" data-testid="sql-run" data-state={run.errorCode ? 'error' : 'done'}>
              <button className="history-item__main" onClick={() => onOpen(run.sql)} title="Open in a new tab" data-testid="sql-run-open">
                <code className="history-item__sql">{run.sql}</code>
              </button>
              <div className="history-item__meta small">
                {run.errorCode ? <span className="chip chip--bad">{run.errorCode}</span> : <span className="chip">{run.rowCount === 1 ? '1 row' : `${run.rowCount} rows`}</span>}
                <span className="muted">{run.elapsedMs} ms</span>
                <span className="toolbar-spacer" />
                <time className="muted" dateTime={run.at} title={new Date(run.at).toLocaleString()}>
                  {formatWhen(run.at)}
                </time>
                <button className="btn btn--small" onClick={() => onRun(run.sql)} data-testid="sql-run-again">
                  Run again
                </button>
              </div>
            </li>
          ))}
        {kind === 'saved' && shownSaved.map((query) => <SavedRow key={query.id} query={query} onOpen={onOpen} onRun={onRun} onDelete={onDelete} />)}
      </ul>
    </div>
  )
}

function SavedRow({ query, onOpen, onRun, onDelete }: { query: SavedQuery } & Pick<Props, 'onOpen' | 'onRun' | 'onDelete'>) {
  const [error, setError] = useState<ApiErrorShape | null>(null)
  return (
    <li className="history-item" data-testid="saved-query" data-name={query.name}>
      <button className="history-item__main" onClick={() => onOpen(query.sql, query.name)} title="Open in a new tab" data-testid="saved-query-open">
        <span className="history-item__question">{query.name}</span>
        <code className="history-item__sql">{query.sql}</code>
      </button>
      <div className="history-item__meta small">
        <span className="toolbar-spacer" />
        <time className="muted" dateTime={query.savedAt} title={new Date(query.savedAt).toLocaleString()}>
          saved {formatWhen(query.savedAt)}
        </time>
        <button className="btn btn--small" onClick={() => onRun(query.sql)} data-testid="saved-query-run">
          Run
        </button>
        <button className="btn btn--small" onClick={async () => setError(await onDelete(query.id))} aria-label={`Delete ${query.name}`} data-testid="saved-query-delete">
          Delete
        </button>
      </div>
      {error && <ErrorPanel error={error} title="Could not delete" onDismiss={() => setError(null)} />}
    </li>
  )
}
