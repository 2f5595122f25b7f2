import { useState, type FormEvent } from 'react'
import type { RecentDatabase } from '../../../shared/api'
import type { ApiErrorShape } from '../../../shared/errors'
import { ErrorPanel } from './ErrorPanel'
import { Modal } from './Modal'
import { RecentList } from './RecentList'

interface Props {
  recent: RecentDatabase[]
  opening: boolean
  error: ApiErrorShape | null
  onOpenPath(path: string): void
  onOpenDemo(): void
  onForget(path: string): void
  onClose(): void
}

/** Browser mode has no native file picker: the user types a path on the host, or picks a recent file. */
export function OpenDatabaseDialog({ recent, opening, error, onOpenPath, onOpenDemo, onForget, onClose }: Props) {
  const [path, setPath] = useState('')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (path.trim()) onOpenPath(path.trim())
  }

  return (
    <Modal title="Open a database" titleId="open-db-title" testId="open-dialog" onClose={onClose} onSubmit={submit}>
        <label className="field">
          <span className="field__label">Path to a SQLite file on this computer</span>
          <input
            className="input"
            autoFocus
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/home/me/data/library.sqlite"
            aria-label="Database path"
            data-testid="open-path-input"
            spellCheck={false}
          />
        </label>
        <p className="muted small">The file is opened read-only; sqlstill never changes it.</p>
        {error && <ErrorPanel error={error} title="Could not open the database" />}
        <div className="dialog__section-title">Recent</div>
        <RecentList recent={recent} disabled={opening} onOpen={onOpenPath} onForget={onForget} />
        <div className="dialog__actions">
          <button type="button" className="btn btn--link" onClick={onOpenDemo} disabled={opening} data-testid="dialog-open-demo">
            Open the demo database
          </button>
          <span className="toolbar-spacer" />
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={opening || !path.trim()} data-testid="open-path-submit">
            {opening ? 'Opening…' : 'Open'}
          </button>
        </div>
    </Modal>
  )
}
