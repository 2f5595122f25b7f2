import { useState, type FormEvent } from 'react'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import { settingsSchema, type Settings, type SettingsPatch } from '../../../shared/settings'
import { getApi } from '../api'
import { ErrorPanel } from './ErrorPanel'
import { Modal } from './Modal'

type NumberKey = 'threads' | 'contextSize' | 'queryTimeoutMs' | 'rowCap' | 'schemaPromptBudget' | 'temperature' | 'maxTokens'

const NUMBER_FIELDS: { key: NumberKey; label: string; hint: string; decimal?: boolean }[] = [
  { key: 'threads', label: 'CPU threads', hint: '0 picks automatically' },
  { key: 'contextSize', label: 'Context size (tokens)', hint: 'clamped to what the model was trained with' },
  { key: 'queryTimeoutMs', label: 'Query time limit (ms)', hint: 'a query running longer is stopped' },
  { key: 'rowCap', label: 'Row cap', hint: 'results are truncated beyond this' },
  { key: 'schemaPromptBudget', label: 'Schema prompt budget (tokens)', hint: 'larger schemas are pruned to the relevant tables' },
  { key: 'temperature', label: 'Answer temperature', hint: '0 = always the most likely SQL; up to 2 varies more', decimal: true },
  { key: 'maxTokens', label: 'Answer length limit (tokens)', hint: 'most tokens one answer may generate (16–4096)' },
]

/** The user's settings, validated with the same schema the core uses before anything is sent. */
export function SettingsDialog({ settings, onClose }: { settings: Settings; onClose(): void }) {
  const [draft, setDraft] = useState<Record<NumberKey, string>>(
    () => Object.fromEntries(NUMBER_FIELDS.map((f) => [f.key, String(settings[f.key])])) as Record<NumberKey, string>,
  )
  const [backend, setBackend] = useState(settings.backend)
  const [repair, setRepair] = useState(settings.repairOnFailure)
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const [saving, setSaving] = useState(false)

  const fieldError = (key: NumberKey): string | null => {
    const text = draft[key].trim()
    const parsed = settingsSchema.shape[key].safeParse(text === '' ? NaN : Number(text))
    return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'Invalid value')
  }
  const invalid = NUMBER_FIELDS.some((f) => fieldError(f.key))

  const save = async (event: FormEvent) => {
    event.preventDefault()
    if (invalid) return
    // the theme is chosen in the top bar only (one place, applied at once)
    const patch: SettingsPatch = { backend, repairOnFailure: repair }
    for (const f of NUMBER_FIELDS) patch[f.key] = Number(draft[f.key])
    setSaving(true)
    try {
      await getApi().settings.update(patch)
      onClose()
    } catch (err) {
      setError(toErrorShape(err))
    } finally {
      setSaving(false)
    }
  }

  return (
    <Modal title="Settings" titleId="settings-title" testId="settings-dialog" onClose={onClose} onSubmit={save}>
        <div className="settings-grid">
          <label className="field">
            <span className="field__label">Inference backend</span>
            <select className="select" value={backend} onChange={(e) => setBackend(e.target.value as Settings['backend'])} data-testid="setting-backend">
              <option value="auto">Automatic</option>
              <option value="cpu">CPU</option>
              <option value="metal">Metal</option>
              <option value="cuda">CUDA</option>
              <option value="vulkan">Vulkan</option>
            </select>
          </label>
          {NUMBER_FIELDS.map((f) => {
            const err = fieldError(f.key)
            return (
              <label className="field" key={f.key}>
                <span className="field__label">{f.label}</span>
                <input
                  className={`input${err ? ' input--invalid' : ''}`}
                  inputMode={f.decimal ? 'decimal' : 'numeric'}
                  value={draft[f.key]}
                  onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
                  aria-invalid={!!err}
                  aria-describedby={`hint-${f.key}`}
                  data-testid={`setting-${f.key}`}
                />
                <span id={`hint-${f.key}`} className={`small ${err ? 'field__error' : 'muted'}`} data-testid={err ? `setting-${f.key}-error` : undefined}>
                  {err ?? f.hint}
                </span>
              </label>
            )
          })}
          <label className="field field--check">
            <input type="checkbox" checked={repair} onChange={(e) => setRepair(e.target.checked)} data-testid="setting-repairOnFailure" />
            <span>Repair on failure — when the query fails, show the model the error and let it try once more</span>
          </label>
        </div>
        {error && <ErrorPanel error={error} title="Could not save the settings" />}
        <div className="dialog__actions">
          <span className="toolbar-spacer" />
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={invalid || saving} data-testid="settings-save">
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
    </Modal>
  )
}
