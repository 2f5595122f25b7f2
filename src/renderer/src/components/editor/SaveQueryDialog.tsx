import { useState } from 'react'
import type { ApiErrorShape } from '../../../../shared/errors'
import { ErrorPanel } from '../ErrorPanel'
import { Modal } from '../Modal'

/** Names the tab's SQL and keeps it with the database; a name that exists is replaced (said before saving). */
export function SaveQueryDialog({ initialName, existing, onSave, onClose }: { initialName: string; existing: string[]; onSave(name: string): Promise<ApiErrorShape | null>; onClose(): void }) {
  const [name, setName] = useState(initialName)
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const [saving, setSaving] = useState(false)
  const replaces = existing.some((n) => n.toLowerCase() === name.trim().toLowerCase())
  return (
    <Modal
      title="Save query"
      titleId="save-query-title"
      testId="save-query-dialog"
      onClose={onClose}
      closeButton
      onSubmit={async (e) => {
        e.preventDefault()
        if (!name.trim()) return
        setSaving(true)
        const err = await onSave(name.trim())
        setSaving(false)
        if (err) setError(err)
        else onClose()
      }}
    >
      <label className="field">
        <span className="field__label">Name</span>
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} autoFocus maxLength={200} data-testid="save-query-name" />
      </label>
      {replaces && <p className="muted small">A saved query with this name exists: saving replaces it.</p>}
      {error && <ErrorPanel error={error} title="Could not save" />}
      <div className="dialog__actions">
        <button type="submit" className="btn btn--primary" disabled={saving || !name.trim()} data-testid="save-query-submit">
          {replaces ? 'Replace' : 'Save'}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  )
}
