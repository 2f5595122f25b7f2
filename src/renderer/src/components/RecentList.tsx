import type { RecentDatabase } from '../../../shared/api'
import { ENGINE_LABELS } from '../../../shared/engine'
import { EngineIcon } from './EngineIcon'

interface Props {
  recent: RecentDatabase[]
  disabled?: boolean
  onOpen(path: string): void
  onForget(path: string): void
}

/** Recently opened files; ones that have gone missing are greyed out and can only be forgotten. */
export function RecentList({ recent, disabled, onOpen, onForget }: Props) {
  if (recent.length === 0) return <p className="muted small">No recent databases yet.</p>
  return (
    <ul className="recent-list" data-testid="recent-list" aria-label="Recent databases">
      {recent.map((r) => (
        <li key={r.path} className={`recent-item${r.exists ? '' : ' recent-item--missing'}`}>
          {/* type="button": inside the Open dialog's form, a plain button would submit it (Enter opened this entry) */}
          <button
            type="button"
            className="recent-item__open"
            disabled={disabled || !r.exists}
            onClick={() => onOpen(r.path)}
            title={`${ENGINE_LABELS[r.engine]} · ${r.exists ? r.path : `${r.path} (file not found)`}`}
            aria-label={`Open ${r.name}${r.exists ? '' : ' (missing)'}`}
          >
            <span className="recent-item__name">
              <EngineIcon engine={r.engine} /> {r.name}
            </span>
            <span className="recent-item__path">{r.path}</span>
          </button>
          <button type="button" className="icon-btn" onClick={() => onForget(r.path)} aria-label={`Forget ${r.name}`} title="Remove from the list">
            ×
          </button>
        </li>
      ))}
    </ul>
  )
}
