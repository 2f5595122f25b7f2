import type { ApiErrorShape } from '../../../shared/errors'

/** A failed query or operation: the stable code, the message, and SQLite's own code when there is one. */
export function ErrorPanel({ error, title = 'Query failed', onDismiss }: { error: ApiErrorShape; title?: string; onDismiss?(): void }) {
  const sqliteCode = typeof error.details?.sqliteCode === 'string' ? error.details.sqliteCode : null
  return (
    <div className="error-panel" role="alert" data-testid="error-panel">
      <div className="error-panel__head">
        <strong>{title}</strong>
        <code className="error-panel__code" data-testid="error-code">
          {error.code}
        </code>
        {sqliteCode && <code className="error-panel__code error-panel__code--sub">{sqliteCode}</code>}
        {onDismiss && (
          <button className="icon-btn error-panel__close" onClick={onDismiss} aria-label="Dismiss error">
            ×
          </button>
        )}
      </div>
      <pre className="error-panel__message" data-testid="error-message">
        {error.message}
      </pre>
    </div>
  )
}
