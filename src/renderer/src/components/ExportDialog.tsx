import { useEffect, useState, type FormEvent } from 'react'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { LoadedModelInfo } from '../../../shared/models'
import { EXPORT_TYPES, type ExportType } from '../../../shared/train'
import { getApi } from '../api'
import { overallFraction, stageText, useExport } from '../hooks/useExport'
import { formatBytes } from '../../../shared/format'
import { formatMs } from '../lib/format'
import { useElapsed } from '../hooks/useElapsed'
import { ErrorPanel } from './ErrorPanel'
import { Modal } from './Modal'
import '../styles/export.css'

interface Props {
  /** The loaded student: its file is the default base, its adapter the default adapter. */
  current: LoadedModelInfo | null | undefined
  /** An adapter to export instead of the loaded one (e.g. the path typed in the Models panel). */
  adapterPath?: string
  onClose(): void
}

const TYPE_NOTES: Record<ExportType, string> = {
  Q4_K_M: '4-bit, the usual choice (small, good quality)',
  Q5_K_M: '5-bit, a little larger and closer to the original',
  Q6_K: '6-bit, close to the original',
  Q8_0: '8-bit, nearly lossless, twice the 4-bit size',
  Q4_0: '4-bit, the plain legacy format',
  F16: '16-bit floats, no quantization',
  F32: '32-bit floats, exactly the fused weights (largest)',
}

function splitPath(path: string): { dir: string; stem: string; sep: string } {
  const sep = path.includes('\\') && !path.includes('/') ? '\\' : '/'
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  const file = path.slice(cut + 1)
  return { dir: cut >= 0 ? path.slice(0, cut) : '', stem: file.replace(/\.gguf$/i, ''), sep }
}

/** "<adapter folder>/<base>-<adapter>-<type>.gguf": beside the adapter, named after what went into it. */
export function defaultOutputPath(base: string, adapter: string, type: ExportType): string {
  if (!adapter.trim()) return ''
  const a = splitPath(adapter.trim())
  const b = base.trim() ? splitPath(base.trim()).stem : 'model'
  return `${a.dir}${a.dir ? a.sep : ''}${b}-${a.stem}-${type}.gguf`
}

const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path

/** Fuse an adapter into its base and quantize it into one GGUF, with progress, cancel and "load this model". */
export function ExportDialog({ current, adapterPath, onClose }: Props) {
  const api = getApi()
  const exporter = useExport()
  const { state } = exporter
  const [base, setBase] = useState(current?.path ?? '')
  const [adapter, setAdapter] = useState(adapterPath ?? current?.adapter?.path ?? '')
  const [type, setType] = useState<ExportType>('Q4_K_M')
  const [out, setOut] = useState(() => defaultOutputPath(current?.path ?? '', adapterPath ?? current?.adapter?.path ?? '', 'Q4_K_M'))
  const [outTouched, setOutTouched] = useState(false)
  const [existing, setExisting] = useState<'none' | 'model' | 'file'>('none')
  type FollowUp = 'load' | 'add'
  const [after, setAfter] = useState<{ busy: FollowUp | null; done: FollowUp | null; failed: FollowUp | null; error: ApiErrorShape | null }>({
    busy: null,
    done: null,
    failed: null,
    error: null,
  })
  const running = state.status === 'running'
  const elapsed = useElapsed(running ? state.startedAt : null)

  // The output follows base, adapter and type until the user writes their own.
  useEffect(() => {
    if (!outTouched) setOut(defaultOutputPath(base, adapter, type))
  }, [base, adapter, type, outTouched])

  // Warn before replacing a file: model.info tells a model there (or some other file) from nothing at all.
  useEffect(() => {
    const path = out.trim()
    setExisting('none')
    if (!path || running || state.status === 'done') return
    let live = true
    const timer = setTimeout(() => {
      api.model.info({ path }).then(
        () => live && setExisting('model'),
        (err: unknown) => live && setExisting(toErrorShape(err).code === 'NOT_FOUND' ? 'none' : 'file'),
      )
    }, 250)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [api, out, running, state.status])

  const missing = !base.trim() ? 'base' : !adapter.trim() ? 'adapter' : !out.trim() ? 'out' : null
  const sameAsInput = out.trim() !== '' && (out.trim() === base.trim() || out.trim() === adapter.trim())
  const canExport = !missing && !sameAsInput && !running

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!canExport) return
    setAfter({ busy: null, done: null, failed: null, error: null })
    void exporter.start({ base: base.trim(), adapter: adapter.trim(), type, out: out.trim() })
  }

  const close = () => {
    if (running) exporter.cancel()
    onClose()
  }

  const followUp = async (what: 'load' | 'add', path: string) => {
    setAfter({ busy: what, done: null, failed: null, error: null })
    try {
      if (what === 'load') await api.model.load({ ref: path })
      else await api.model.add({ path })
      setAfter({ busy: null, done: what, failed: null, error: null })
    } catch (err) {
      setAfter({ busy: null, done: null, failed: what, error: toErrorShape(err) })
    }
  }

  const editable = !running
  const quantized = type !== 'F32' && type !== 'F16'

  return (
    <Modal title="Export model" titleId="export-title" testId="export-dialog" onClose={close} onSubmit={submit}>
      <p className="muted small">
        Fuses a LoRA adapter into its base model and quantizes the result into one GGUF file that runs anywhere llama.cpp does (Ollama, LM Studio…).
      </p>
      <div className="export-grid">
        <label className="field export-grid__full">
          <span className="field__label">Base model</span>
          <input
            className="input"
            value={base}
            onChange={(e) => setBase(e.target.value)}
            placeholder="/path/to/base.gguf"
            disabled={!editable}
            spellCheck={false}
            data-testid="export-base"
          />
          <span className="muted small">{current && base === current.path ? 'The loaded student. ' : ''}The adapter must have been trained on this file.</span>
        </label>
        <label className="field export-grid__full">
          <span className="field__label">Adapter</span>
          <input
            className="input"
            value={adapter}
            onChange={(e) => setAdapter(e.target.value)}
            placeholder="/path/to/adapter.gguf"
            disabled={!editable}
            spellCheck={false}
            data-testid="export-adapter"
          />
          {current?.adapter && adapter === current.adapter.path && <span className="muted small">The active adapter.</span>}
        </label>
        <label className="field">
          <span className="field__label">Quantization</span>
          <select className="select" value={type} onChange={(e) => setType(e.target.value as ExportType)} disabled={!editable} data-testid="export-type">
            {EXPORT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <span className="muted small" data-testid="export-type-note">
            {TYPE_NOTES[type]}
          </span>
        </label>
        <label className="field export-grid__full">
          <span className="field__label">Output file</span>
          <input
            className={`input${sameAsInput ? ' input--invalid' : ''}`}
            value={out}
            onChange={(e) => {
              setOut(e.target.value)
              setOutTouched(true)
            }}
            placeholder="/path/to/exported.gguf"
            disabled={!editable}
            spellCheck={false}
            aria-invalid={sameAsInput}
            data-testid="export-out"
          />
          {sameAsInput ? (
            <span className="small field__error">The output must not overwrite the base model or the adapter.</span>
          ) : existing !== 'none' ? (
            <span className="small export-warn" data-testid="export-exists">
              {existing === 'model' ? 'A model file already exists here: exporting replaces it.' : 'A file already exists here: exporting replaces it.'}
            </span>
          ) : (
            <span className="muted small">A new file on this computer; its folder must exist.</span>
          )}
        </label>
      </div>

      {state.status === 'running' && (
        <div className="export-progress" data-testid="export-progress" aria-live="polite">
          <progress className="export-progress__bar" max={1} value={overallFraction(state.progress, quantized)} aria-label="Export progress" />
          <div className="export-progress__line small">
            <span data-testid="export-stage" data-phase={state.progress?.phase ?? 'starting'}>
              {stageText(state.progress, type)}
            </span>
            <span className="toolbar-spacer" />
            <span className="muted">{formatMs(elapsed)}</span>
          </div>
        </div>
      )}

      {state.status === 'done' && (
        <div className="export-result" data-testid="export-result" data-out={state.result.out}>
          <div className="export-result__head">
            <span className="chip chip--ok">exported</span>
            <strong className="export-result__name" title={state.result.out}>
              {fileName(state.result.out)}
            </strong>
          </div>
          <dl className="export-result__facts small">
            <dt>File</dt>
            <dd>
              <code data-testid="export-result-path">{state.result.out}</code>
            </dd>
            <dt>Size</dt>
            <dd data-testid="export-result-size">{formatBytes(state.result.bytes)}</dd>
            <dt>Type</dt>
            <dd>{state.result.type}</dd>
            <dt>Took</dt>
            <dd>{formatMs(state.result.seconds * 1000)}</dd>
            <dt>Base</dt>
            <dd>{state.result.baseVerified ? 'verified: the adapter was trained on it' : 'not verified (the adapter records no base checksum)'}</dd>
          </dl>
          <div className="dialog__actions export-result__actions">
            <button type="button" className="btn btn--primary" disabled={after.busy !== null || after.done === 'load'} onClick={() => void followUp('load', state.result.out)} data-testid="export-load">
              {after.busy === 'load' ? 'Loading…' : 'Load this model'}
            </button>
            <button type="button" className="btn" disabled={after.busy !== null || after.done !== null} onClick={() => void followUp('add', state.result.out)} data-testid="export-add">
              {after.busy === 'add' ? 'Adding…' : 'Add to models'}
            </button>
            {after.done === 'load' && (
              <span className="ok-text small" data-testid="export-loaded" role="status">
                Loaded as the student.
              </span>
            )}
            {after.done === 'add' && (
              <span className="ok-text small" role="status">
                Added to the models list.
              </span>
            )}
          </div>
          {after.error && <ErrorPanel error={after.error} title={after.failed === 'add' ? 'Could not add the exported model' : 'Could not load the exported model'} />}
        </div>
      )}

      {state.status === 'cancelled' && (
        <p className="muted small" role="status" data-testid="export-cancelled">
          Export cancelled; nothing was written.
        </p>
      )}
      {state.status === 'error' && <ErrorPanel error={state.error} title="Export failed" onDismiss={exporter.reset} />}

      <div className="dialog__actions">
        {missing === 'base' && !running && <span className="muted small">Name the base model (or load the student).</span>}
        {missing === 'adapter' && !running && <span className="muted small">Name the adapter to export.</span>}
        <span className="toolbar-spacer" />
        {running ? (
          <button type="button" className="btn btn--danger" onClick={exporter.cancel} data-testid="export-cancel">
            Cancel export
          </button>
        ) : (
          <button type="button" className="btn" onClick={onClose} data-testid="export-close">
            Close
          </button>
        )}
        <button type="submit" className="btn btn--primary" disabled={!canExport} data-testid="export-submit">
          {running ? 'Exporting…' : state.status === 'done' ? 'Export again' : existing !== 'none' ? 'Replace and export' : 'Export'}
        </button>
      </div>
    </Modal>
  )
}
