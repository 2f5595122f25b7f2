import type { DatabaseInfo } from '../../../shared/api'
import type { Settings } from '../../../shared/settings'
import { formatBytes } from '../lib/format'
import { DatabaseIcon } from './Icons'

interface Props {
  databases: DatabaseInfo[]
  activeId: string | null
  theme: Settings['theme']
  onSelect(id: string): void
  onClose(id: string): void
  onOpen(): void
  onThemeChange(theme: Settings['theme']): void
}

export function TopBar({ databases, activeId, theme, onSelect, onClose, onOpen, onThemeChange }: Props) {
  return (
    <header className="topbar">
      <div className="topbar__brand" aria-label="sqlstill">
        <span className="topbar__logo" aria-hidden>
          ◆
        </span>
        sqlstill
      </div>
      <nav className="db-tabs" role="tablist" aria-label="Open databases" data-testid="db-tabs">
        {databases.map((db) => {
          const active = db.id === activeId
          return (
            <div key={db.id} className={`db-tab${active ? ' db-tab--active' : ''}`} data-testid="db-tab" data-db-name={db.name}>
              <button
                className="db-tab__select"
                role="tab"
                aria-selected={active}
                onClick={() => onSelect(db.id)}
                title={`${db.path}\n${db.tableCount} tables · ${db.viewCount} views · ${formatBytes(db.sizeBytes)} · read-only`}
              >
                <DatabaseIcon className="db-tab__icon" />
                <span className="db-tab__name">{db.name}</span>
                {db.isDemo && <span className="db-tab__badge">demo</span>}
              </button>
              <button className="db-tab__close" onClick={() => onClose(db.id)} aria-label={`Close ${db.name}`} title="Close">
                ×
              </button>
            </div>
          )
        })}
      </nav>
      <span className="toolbar-spacer" />
      <select
        className="select topbar__theme"
        value={theme}
        onChange={(e) => onThemeChange(e.target.value as Settings['theme'])}
        aria-label="Theme"
        data-testid="theme-select"
      >
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
      <button className="btn btn--primary" onClick={onOpen} aria-label="Open database" data-testid="open-database">
        Open database…
      </button>
    </header>
  )
}
