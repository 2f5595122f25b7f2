import { useState } from 'react'
import type { LoadedModelInfo, PeftImportResult } from '../../../shared/models'
import { getApi } from '../api'
import { useApiCall } from '../hooks/useApiCall'
import { ErrorPanel } from './ErrorPanel'
import { Modal } from './Modal'

/** A LoRA trained elsewhere (a PEFT folder) converted for the loaded student, then switched on if the user wants. */
export function ImportAdapterDialog({ current, onClose }: { current: LoadedModelInfo | null | undefined; onClose(): void }) {
  const [folder, setFolder] = useState('')
  const conversion = useApiCall<PeftImportResult>()
  const activation = useApiCall<LoadedModelInfo>()
  const result = conversion.result
  const busy = conversion.busy || activation.busy
  const error = conversion.error ?? activation.error
  const active = activation.result !== null

  return (
    <Modal
      title="Import adapter"
      titleId="import-adapter-title"
      testId="import-adapter-dialog"
      onClose={onClose}
      closeButton
      onSubmit={(e) => {
        e.preventDefault()
        void conversion.run(() => getApi().model.importAdapter({ peftDir: folder.trim() }))
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
        <div className="dialog-outcome" role="status" data-testid="import-adapter-done">
          <strong>Converted</strong> — rank {result.rank}, alpha {result.alpha}, {result.targets.join(', ')}
          {result.trainedOn ? ` (trained on ${result.trainedOn})` : ''}
          <code className="mono small">{result.out}</code>
          <div className="dialog__actions">
            <button
              type="button"
              className="btn btn--primary"
              disabled={busy || active}
              data-testid="import-adapter-activate"
              onClick={() => void activation.run(() => getApi().model.setAdapter({ path: result.out }))}
            >
              {active ? 'Active' : 'Use it now'}
            </button>
          </div>
        </div>
      )}
      <div className="dialog__actions">
        <button type="submit" className="btn btn--primary" disabled={busy || !folder.trim() || !current} data-testid="import-adapter-submit">
          {conversion.busy ? 'Converting…' : 'Convert'}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  )
}
