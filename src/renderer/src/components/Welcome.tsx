import type { RecentDatabase } from '../../../shared/api'
import type { ApiErrorShape } from '../../../shared/errors'
import { ErrorPanel } from './ErrorPanel'
import { DatabaseIcon } from './Icons'
import { RecentList } from './RecentList'

interface Props {
  recent: RecentDatabase[]
  opening: boolean
  error: ApiErrorShape | null
  onOpenDemo(): void
  onOpenDatabase(): void
  onOpenPath(path: string): void
  onForget(path: string): void
}

/** What the user sees with nothing open: the demo is one click away. */
export function Welcome({ recent, opening, error, onOpenDemo, onOpenDatabase, onOpenPath, onForget }: Props) {
  return (
    <div className="welcome" data-testid="welcome">
      <div className="welcome__card">
        <DatabaseIcon width={36} height={36} className="welcome__icon" />
        <h1 className="welcome__title">No database open</h1>
        <p className="muted">Open a SQLite file to browse its schema and run queries. Everything stays on this computer.</p>
        <div className="welcome__actions">
          <button className="btn btn--primary" onClick={onOpenDemo} disabled={opening} data-testid="open-demo" aria-label="Open the demo database">
            {opening ? 'Opening…' : 'Open the demo database'}
          </button>
          <button className="btn" onClick={onOpenDatabase} disabled={opening} data-testid="welcome-open-database" aria-label="Open a database">
            Open a database…
          </button>
        </div>
        {error && <ErrorPanel error={error} title="Could not open the database" />}
        {recent.length > 0 && (
          <div className="welcome__recent">
            <div className="dialog__section-title">Recent</div>
            <RecentList recent={recent} disabled={opening} onOpen={onOpenPath} onForget={onForget} />
          </div>
        )}
      </div>
    </div>
  )
}
