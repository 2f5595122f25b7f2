import { useState, type FormEvent } from 'react'
import type { RecentDatabase } from '../../../shared/api'
import { DEFAULT_POSTGRES_PORT, parsePostgresUrl, postgresUrl, type PostgresTarget } from '../../../shared/engine'
import type { ApiErrorShape } from '../../../shared/errors'
import { ErrorPanel } from './ErrorPanel'
import { Modal } from './Modal'
import { RecentList } from './RecentList'

type Mode = 'file' | 'server'

interface Props {
  recent: RecentDatabase[]
  opening: boolean
  error: ApiErrorShape | null
  /** The desktop app has a native file picker; browser mode types a path on the host. */
  nativeFileDialog: boolean
  /** Whether a password can be kept in the system keychain (the desktop app). */
  canRememberPassword: boolean
  onOpenPath(path: string): void
  onOpenServer(url: string, password: string | undefined, remember: boolean): void
  onChooseFile(): void
  onOpenDemo(): void
  onForget(path: string): void
  onClose(): void
}

const EMPTY_SERVER: PostgresTarget = { host: 'localhost', port: DEFAULT_POSTGRES_PORT, database: '', user: '' }

/**
 * Opens a database file (SQLite, DuckDB, CSV/Parquet/JSON or a folder of them) or connects to a PostgreSQL server.
 * A PostgreSQL entry in Recent fills the server form instead of connecting blind: its password may be needed.
 */
export function OpenDatabaseDialog(props: Props) {
  const { recent, opening, error, nativeFileDialog, canRememberPassword, onOpenPath, onOpenServer, onChooseFile, onOpenDemo, onForget, onClose } = props
  const [mode, setMode] = useState<Mode>('file')
  const [path, setPath] = useState('')
  const [server, setServer] = useState<PostgresTarget>(EMPTY_SERVER)
  const [port, setPort] = useState(String(DEFAULT_POSTGRES_PORT))
  const [password, setPassword] = useState('')
  const [remember, setRemember] = useState(false)

  const portNumber = Number(port)
  const portOk = Number.isInteger(portNumber) && portNumber > 0 && portNumber <= 65535
  const serverOk = server.host.trim() !== '' && server.user.trim() !== '' && server.database.trim() !== '' && portOk

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (mode === 'file') {
      if (path.trim()) onOpenPath(path.trim())
      return
    }
    if (!serverOk) return
    const url = postgresUrl({ host: server.host.trim(), port: portNumber, database: server.database.trim(), user: server.user.trim() })
    onOpenServer(url, password === '' ? undefined : password, remember && password !== '')
  }

  const openRecent = (target: string) => {
    const pg = parsePostgresUrl(target)
    if (!pg) return onOpenPath(target)
    setServer(pg)
    setPort(String(pg.port))
    setPassword('')
    setMode('server')
  }
  const field = (key: 'host' | 'database' | 'user') => ({
    value: server[key],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setServer((s) => ({ ...s, [key]: e.target.value })),
  })

  return (
    <Modal title="Open a database" titleId="open-db-title" testId="open-dialog" onClose={onClose} onSubmit={submit}>
      <div className="segmented open-dialog__modes" role="group" aria-label="What to open">
        <button type="button" className={`segmented__btn${mode === 'file' ? ' segmented__btn--on' : ''}`} aria-pressed={mode === 'file'} onClick={() => setMode('file')} data-testid="open-mode-file">
          File or folder
        </button>
        <button type="button" className={`segmented__btn${mode === 'server' ? ' segmented__btn--on' : ''}`} aria-pressed={mode === 'server'} onClick={() => setMode('server')} data-testid="open-mode-server">
          PostgreSQL server
        </button>
      </div>
      {mode === 'file' ? (
        <>
          <label className="field">
            <span className="field__label">Path to a database file or folder on this computer</span>
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
          <p className="muted small">
            SQLite (.sqlite, .db), DuckDB (.duckdb), or CSV, Parquet and JSON files — one file, or a folder of them, each file a table. Opened
            read-only; sqlstill never changes them.
            {nativeFileDialog && (
              <>
                {' '}
                <button type="button" className="btn btn--link" onClick={onChooseFile} disabled={opening} data-testid="open-choose-file">
                  Choose a file…
                </button>
              </>
            )}
          </p>
        </>
      ) : (
        <>
          <div className="open-dialog__server" data-testid="open-server-form">
            <label className="field">
              <span className="field__label">Host</span>
              <input className="input" autoFocus spellCheck={false} {...field('host')} data-testid="pg-host" />
            </label>
            <label className="field">
              <span className="field__label">Port</span>
              <input className="input" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} aria-invalid={!portOk} data-testid="pg-port" />
            </label>
            <label className="field">
              <span className="field__label">Database</span>
              <input className="input" spellCheck={false} {...field('database')} data-testid="pg-database" />
            </label>
            <label className="field">
              <span className="field__label">User</span>
              <input className="input" spellCheck={false} autoComplete="username" {...field('user')} data-testid="pg-user" />
            </label>
            <label className="field">
              <span className="field__label">Password</span>
              <input
                className="input"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                placeholder={canRememberPassword ? 'empty: the keychain, then PGPASSWORD' : 'empty: PGPASSWORD'}
                data-testid="pg-password"
              />
            </label>
            <label className="open-dialog__check small" title={canRememberPassword ? undefined : 'Browser mode has no access to the system keychain'}>
              <input type="checkbox" checked={remember && canRememberPassword} disabled={!canRememberPassword} onChange={(e) => setRemember(e.target.checked)} data-testid="pg-remember" />
              Remember in the system keychain
            </label>
          </div>
          <p className="muted small" data-testid="pg-advice">
            Every statement runs in a read-only transaction, and anything that is not a query is refused. For a second lock, connect as a role that
            may only read: <code>GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader</code>.
          </p>
        </>
      )}
      {error && <ErrorPanel error={error} title={mode === 'server' ? 'Could not connect' : 'Could not open the database'} />}
      <div className="dialog__section-title">Recent</div>
      <RecentList recent={recent} disabled={opening} onOpen={openRecent} onForget={onForget} />
      <div className="dialog__actions">
        <button type="button" className="btn btn--link" onClick={onOpenDemo} disabled={opening} data-testid="dialog-open-demo">
          Open the demo database
        </button>
        <span className="toolbar-spacer" />
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        {mode === 'file' ? (
          <button type="submit" className="btn btn--primary" disabled={opening || !path.trim()} data-testid="open-path-submit">
            {opening ? 'Opening…' : 'Open'}
          </button>
        ) : (
          <button type="submit" className="btn btn--primary" disabled={opening || !serverOk} data-testid="pg-connect">
            {opening ? 'Connecting…' : 'Connect'}
          </button>
        )}
      </div>
    </Modal>
  )
}
