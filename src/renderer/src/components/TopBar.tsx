import type { DatabaseInfo } from '../../../shared/api'
import type { LoadedModelInfo } from '../../../shared/models'
import type { Settings } from '../../../shared/settings'
import { formatBytes } from '../../../shared/format'
import { ChipIcon, GearIcon } from './Icons'
import { EngineIcon } from './EngineIcon'
import { ENGINE_LABELS } from '../../../shared/engine'
import { TeacherButton } from './teacher/TeacherButton'

interface Props {
  databases: DatabaseInfo[]
  activeId: string | null
  theme: Settings['theme']
  onSelect(id: string): void
  onClose(id: string): void
  onOpen(): void
  onThemeChange(theme: Settings['theme']): void
  model: LoadedModelInfo | null | undefined
  onOpenModels(): void
  onOpenSettings(): void
  onOpenHelp(): void
  /** Absent while no database is open: customization works on one. */
  onOpenCustomize?(): void
  onOpenTeacher(): void
}

export function TopBar(props: Props) {
  const { databases, activeId, theme, onSelect, onClose, onOpen, onThemeChange, model } = props
  const modelName = model ? model.path.split(/[\\/]/).pop() : null
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
                title={`${ENGINE_LABELS[db.engine]} · ${db.path}\n${db.tableCount} tables · ${db.viewCount} views${db.engine === 'postgres' ? '' : ` · ${formatBytes(db.sizeBytes)}`} · read-only`}
              >
                <EngineIcon engine={db.engine} className="db-tab__icon" />
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
      <button
        className={`btn topbar__model${model ? ' topbar__model--loaded' : ''}`}
        onClick={props.onOpenModels}
        aria-label={modelName ? `Models (loaded: ${modelName})` : 'Models (none loaded)'}
        title={model ? `${modelName}${model.adapter ? ` + adapter ${model.adapter.path.split(/[\\/]/).pop()}` : ''}` : 'No model loaded'}
        data-testid="open-models"
      >
        <ChipIcon />
        <span className="topbar__model-name">{modelName ?? 'No model'}</span>
        {model?.adapter && <span className="db-tab__badge">LoRA</span>}
      </button>
      <TeacherButton onClick={props.onOpenTeacher} />
      <button
        className="btn"
        onClick={props.onOpenCustomize}
        disabled={!props.onOpenCustomize}
        title={props.onOpenCustomize ? 'Fine-tune the student on this database' : 'Open a database to customize the student on it'}
        data-testid="open-customize"
      >
        Customize…
      </button>
      <button className="icon-btn topbar__icon" onClick={props.onOpenSettings} aria-label="Settings" title="Settings" data-testid="open-settings">
        <GearIcon width={16} height={16} />
      </button>
      <button className="icon-btn topbar__icon" onClick={props.onOpenHelp} aria-label="Keyboard shortcuts and help" title="Help (? or F1)" data-testid="open-help">
        ?
      </button>
      <select
        className="select topbar__theme"
        value={theme}
        onChange={(e) => onThemeChange(e.target.value as Settings['theme'])}
        aria-label="Theme"
        data-testid="theme-select"
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
      <button className="btn btn--primary" onClick={onOpen} aria-label="Open database" data-testid="open-database">
        <span className="topbar__long">Open database…</span>
        <span className="topbar__short" aria-hidden>
          Open…
        </span>
      </button>
    </header>
  )
}
