import { useState } from 'react'
import type { DatasetExportResult } from '../../../../shared/customize'
import { getApi } from '../../api'
import { useApiCall } from '../../hooks/useApiCall'
import { ErrorPanel } from '../ErrorPanel'
import { Modal } from '../Modal'

type Format = DatasetExportResult['format']
type Split = DatasetExportResult['split']

const FORMAT_NOTES: Record<Format, string> = {
  messages: 'chat JSONL ({"messages": […]}) — OpenAI fine-tuning, axolotl, Unsloth, mlx-lm',
  'prompt-completion': '{"prompt", "completion"} JSONL — TRL, and students without a chat template',
}

function join(dir: string, file: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/'
  return `${dir.replace(/[\\/]+$/, '')}${sep}${file}`
}

/** A run's dataset for another trainer, with the exact prompts the student is asked with (and an axolotl recipe). */
export function ExportDatasetDialog({ runDir, onClose }: { runDir: string; onClose(): void }) {
  const [format, setFormat] = useState<Format>('messages')
  const [split, setSplit] = useState<Split>('train')
  const [out, setOut] = useState<string | null>(null)
  const [recipe, setRecipe] = useState(true)
  const exporting = useApiCall<DatasetExportResult>()
  const { busy, error, result } = exporting
  const outPath = out ?? join(join(runDir, 'export'), `${split}.${format}.jsonl`)
  const withRecipe = recipe && format === 'messages'

  return (
    <Modal
      title="Export dataset"
      titleId="export-dataset-title"
      testId="export-dataset-dialog"
      onClose={onClose}
      closeButton
      onSubmit={(e) => {
        e.preventDefault()
        void exporting.run(() =>
          getApi().dataset.export({ outDir: runDir, format, split, out: outPath, ...(withRecipe ? { recipe: join(join(runDir, 'export'), 'axolotl.yml') } : {}) }),
        )
      }}
    >
      <p className="muted small">For training a bigger student (or many more pairs) on a rented GPU with a trainer you trust; the adapter comes back with “Import adapter…” in the Models panel.</p>
      <label className="field">
        <span className="field__label">Format</span>
        <select className="select" value={format} onChange={(e) => setFormat(e.target.value as Format)} data-testid="export-dataset-format">
          <option value="messages">Chat messages</option>
          <option value="prompt-completion">Prompt / completion</option>
        </select>
        <span className="field__hint muted small">{FORMAT_NOTES[format]}</span>
      </label>
      <label className="field">
        <span className="field__label">Split</span>
        <select className="select" value={split} onChange={(e) => setSplit(e.target.value as Split)} data-testid="export-dataset-split">
          <option value="train">Training examples</option>
          <option value="eval">Evaluation examples</option>
        </select>
      </label>
      <label className="field">
        <span className="field__label">Save as</span>
        <input className="input mono" value={outPath} onChange={(e) => setOut(e.target.value)} data-testid="export-dataset-out" spellCheck={false} />
      </label>
      {format === 'messages' && (
        <label className="checkbox">
          <input type="checkbox" checked={recipe} onChange={(e) => setRecipe(e.target.checked)} data-testid="export-dataset-recipe" /> Also write an axolotl recipe with this run’s LoRA settings
        </label>
      )}
      {error && <ErrorPanel error={error} title="Could not export the dataset" />}
      {result && (
        <div className="dialog-outcome" role="status" data-testid="export-dataset-done">
          <strong>
            {result.examples} {result.split} examples written
          </strong>{' '}
          <span className="muted">({result.promptForm} prompts{result.excluded ? `; ${result.excluded} excluded in the review left out` : ''})</span>
          <code className="mono small">{result.out}</code>
          {result.recipe && <code className="mono small">{result.recipe}</code>}
          {result.recipeNeedsBaseModel && <p className="muted small">The student’s GGUF does not name its Hugging Face source: set base_model in the recipe before training.</p>}
        </div>
      )}
      <div className="dialog__actions">
        <button type="submit" className="btn btn--primary" disabled={busy || !outPath.trim()} data-testid="export-dataset-submit">
          {busy ? 'Exporting…' : 'Export'}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  )
}
