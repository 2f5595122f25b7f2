import { useState } from 'react'
import { toErrorShape, type ApiErrorShape } from '../../../shared/errors'
import type { LoadedModelInfo, PeftImportResult } from '../../../shared/models'
import { getApi } from '../api'
import { ErrorPanel } from './ErrorPanel'
import { Modal } from './Modal'

/** A LoRA trained elsewhere (a PEFT folder) converted for the loaded student, then switched on if the user wants. */
export function ImportAdapterDialog({ current, onClose }: { current: LoadedModelInfo | null | undefined; onClose(): void }) {
  const [folder, setFolder] = useState('')
  const [busy, setBusy] = useState<'import' | 'activate' | null>(null)
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const [result, setResult] = useState<PeftImportResult | null>(null)
  const [active, setActive] = useState(false)

  return (
    <Modal
      title="Import adapter"
      titleId="import-adapter-title"
      testId="import-adapter-dialog"
      onClose={onClose}
      closeButton
      onSubmit={async (e) => {
        e.preventDefault()
        setBusy('import')
        setError(null)
        setResult(null)
        try {
          setResult(await getApi().model.importAdapter({ peftDir: folder.trim() }))
        } catch (err) {
          setError(toErrorShape(err))
        } finally {
          setBusy(null)
        }
      }}
    >
      <p className="muted small">
        A LoRA trained with Unsloth, axolotl, TRL, torchtune or mlx-lm (the folder holding adapter_config.json and adapter_model.safetensors), for the loaded
        student{current ? ` ${current.path.split(/[\\/]/).pop()}` : ''}.
      </p>
      {!current && <p className="muted">Load the student the adapter was trained for first.</p>}
      <label className="field">
        <span className="field__label">PEFT folder</span>
        <input className="input mono" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/path/to/sqlstill-lora" autoFocus data-testid="import-adapter-path" spellCheck={false} />
      </label>
      {error && <ErrorPanel error={error} title="Could not import the adapter" />}
      {result && (
        <div role="status" data-testid="import-adapter-done">
          <strong>Converted</strong> — rank {result.rank}, alpha {result.alpha}, {result.targets.join(', ')}
          {result.trainedOn ? ` (trained on ${result.trainedOn})` : ''}
          <code className="mono small">{result.out}</code>
          <div className="dialog__actions">
            <button
              type="button"
              className="btn btn--primary"
              disabled={busy !== null || active}
              data-testid="import-adapter-activate"
              onClick={async () => {
                setBusy('activate')
                try {
                  await getApi().model.setAdapter({ path: result.out })
                  setActive(true)
                } catch (err) {
                  setError(toErrorShape(err))
                } finally {
                  setBusy(null)
                }
              }}
            >
              {active ? 'Active' : 'Use it now'}
            </button>
          </div>
        </div>
      )}
      <div className="dialog__actions">
        <button type="submit" className="btn btn--primary" disabled={busy !== null || !folder.trim() || !current} data-testid="import-adapter-submit">
          {busy === 'import' ? 'Converting…' : 'Convert'}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  )
}
