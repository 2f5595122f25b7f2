import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react'
import type { ApiErrorShape } from '../../../shared/errors'
import { toErrorShape } from '../../../shared/errors'
import type { LoadedModelInfo, ModelDownloadProgress, ModelEntry, RecommendedModel } from '../../../shared/models'
import { getApi } from '../api'
import { newQueryId } from '../lib/ids'
import { formatBytes } from '../../../shared/format'
import { formatEta, formatParams } from '../lib/units'
import { ErrorPanel } from './ErrorPanel'
import { ImportAdapterDialog } from './ImportAdapterDialog'
import { Modal } from './Modal'

interface Props {
  current: LoadedModelInfo | null | undefined
  onClose(): void
  /** Opens the export dialog for an adapter ('' = the loaded one). */
  onExport?(adapterPath: string): void
}

type Download = { downloadId: string; uri: string; progress: ModelDownloadProgress | null; error: ApiErrorShape | null; done: boolean }

/** Runs an action, keeping its error (with code) for inline display; `busy` names the action in flight. */
function useActions() {
  const [busy, setBusy] = useState<string | null>(null)
  const [errors, setErrors] = useState<Record<string, ApiErrorShape>>({})
  const clear = useCallback((key: string) => setErrors(({ [key]: _, ...rest }) => rest), [])
  const act = useCallback(async (key: string, fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(key)
    clear(key)
    try {
      await fn()
      return true
    } catch (err) {
      setErrors((all) => ({ ...all, [key]: toErrorShape(err) }))
      return false
    } finally {
      setBusy(null)
    }
  }, [clear])
  return { busy, errors, act, clear }
}

/** Models: what is on disk, what is loaded (with its adapter), adding, downloading and removing files. */
export function ModelsDrawer({ current, onClose, onExport }: Props) {
  const [importing, setImporting] = useState(false)
  const api = getApi()
  const [models, setModels] = useState<ModelEntry[] | null>(null)
  const [recommended, setRecommended] = useState<RecommendedModel[]>([])
  const [addPath, setAddPath] = useState('')
  const addPathInput = useRef<HTMLInputElement>(null)
  const [uri, setUri] = useState('')
  const [download, setDownload] = useState<Download | null>(null)
  const [adapterPath, setAdapterPath] = useState(current?.adapter?.path ?? '')
  const [adapterScale, setAdapterScale] = useState(String(current?.adapter?.scale ?? 1))
  const { busy, errors, act, clear } = useActions()

  const refresh = useCallback(() => act('list', async () => setModels(await api.model.list())), [act, api])
  useEffect(() => {
    void refresh()
    api.model.recommended().then(setRecommended, () => undefined)
  }, [api, refresh])

  useEffect(
    () =>
      api.on('model.downloadProgress', (p) =>
        setDownload((d) => (d && d.downloadId === p.downloadId && !d.done ? { ...d, progress: p } : d)),
      ),
    [api],
  )

  const add = (event: FormEvent) => {
    event.preventDefault()
    const path = addPath.trim()
    if (!path) return
    void act('add', async () => {
      await api.model.add({ path })
      setAddPath('')
      setModels(await api.model.list())
    })
  }

  const startDownload = async (target: string) => {
    const downloadId = newQueryId()
    setDownload({ downloadId, uri: target, progress: null, error: null, done: false })
    try {
      await api.model.download({ uri: target, downloadId })
      setDownload((d) => (d?.downloadId === downloadId ? { ...d, done: true } : d))
      clear('add') // a model arrived: an earlier failed add is no longer the news
      setModels(await api.model.list())
    } catch (err) {
      setDownload((d) => (d?.downloadId === downloadId ? { ...d, error: toErrorShape(err), done: true } : d))
    }
  }

  const applyAdapter = (event: FormEvent) => {
    event.preventDefault()
    const scale = Number(adapterScale)
    if (!adapterPath.trim() || !Number.isFinite(scale) || scale < 0 || scale > 4) return
    void act('adapter', () => api.model.setAdapter({ path: adapterPath.trim(), scale }))
  }
  const scaleInvalid = !(Number.isFinite(Number(adapterScale)) && Number(adapterScale) >= 0 && Number(adapterScale) <= 4 && adapterScale.trim() !== '')
  const downloading = download !== null && !download.done

  return (
    <Modal variant="drawer" title="Models" titleId="models-title" testId="models-drawer" closeLabel="Close the models panel" onClose={onClose} closeOnBackdrop>

        <section className="drawer__section" aria-label="Loaded model">
          <div className="dialog__section-title">Loaded student</div>
          {current ? (
            <div className="loaded-model" data-testid="loaded-model">
              <div>
                <strong>{current.path.split(/[\\/]/).pop()}</strong>{' '}
                <span className="muted small">
                  {current.architecture} · {formatParams(current.parameterCount)} params · {current.quantization ?? '?'} · ctx {current.contextSize}
                  {current.contextClamped ? ` (clamped to the trained ${current.trainContextSize})` : ''} · {current.backend} ·{' '}
                  <span data-testid="loaded-prompt-form" title="How questions are put to the model: a customized adapter is asked in the form it was trained on">
                    {current.promptForm === 'chat' ? 'chat template' : 'plain-text prompt'}
                  </span>
                </span>
              </div>
              <div className="small muted" data-testid="loaded-memory">
                {current.backend === 'cpu' || current.gpuLayers === 0
                  ? 'On the CPU'
                  : `${current.gpuLayers}${current.totalLayers !== null ? ` of ${current.totalLayers}` : ''} layers on the GPU (${current.backend})`}{' '}
                · {formatBytes(current.memory.weightsBytes + current.memory.contextBytes)} in memory ({formatBytes(current.memory.weightsBytes)} weights +{' '}
                {formatBytes(current.memory.contextBytes)} context{current.slots > 1 ? ` for ${current.slots} slots` : ''})
              </div>
              <div className="small">
                Adapter:{' '}
                {current.adapter ? (
                  <span data-testid="loaded-adapter">
                    <code>{current.adapter.path.split(/[\\/]/).pop()}</code> × {current.adapter.scale ?? 1}
                  </span>
                ) : (
                  <span className="muted">none</span>
                )}
                {current.adapter && onExport && (
                  <button className="btn btn--small loaded-model__export" onClick={() => onExport('')} data-testid="loaded-adapter-export" title="Fuse this adapter into the student and save one GGUF">
                    Export…
                  </button>
                )}
              </div>
            </div>
          ) : (
            <p className="muted" data-testid="no-loaded-model">
              No model is loaded. Load one below to ask questions.
            </p>
          )}
          {errors.unload && <ErrorPanel error={errors.unload} title="Could not unload" />}
        </section>

        <section className="drawer__section" aria-label="Models on this computer">
          <div className="dialog__section-title">On this computer</div>
          {models === null && !errors.list && <span className="muted">Reading…</span>}
          {errors.list && <ErrorPanel error={errors.list} title="Could not list the models" />}
          {models?.length === 0 && <p className="muted">No models yet: add a GGUF file by path or download one.</p>}
          <ul className="model-list" data-testid="model-list">
            {models?.map((m) => {
              const loaded = current?.modelId === m.id || current?.path === m.path
              return (
                <li key={m.id} className={`model-item${loaded ? ' model-item--loaded' : ''}`} data-testid="model-item" data-model-file={m.fileName} data-loaded={loaded}>
                  <div className="model-item__head">
                    <strong className="model-item__name" title={m.path}>
                      {m.fileName}
                    </strong>
                    <span className={`chip ${m.managed ? 'chip--info' : 'chip--muted'}`}>{m.managed ? 'managed' : 'external'}</span>
                    {loaded && <span className="chip chip--ok">loaded{current?.adapter ? ' + adapter' : ''}</span>}
                    <span className="toolbar-spacer" />
                    {loaded ? (
                      <button className="btn btn--small" disabled={busy !== null} onClick={() => void act('unload', () => api.model.unload())} data-testid="model-unload">
                        Unload
                      </button>
                    ) : (
                      <button
                        className="btn btn--small btn--primary"
                        disabled={busy !== null || !m.info}
                        onClick={() => void act(`load:${m.id}`, () => api.model.load({ ref: m.path }))}
                        data-testid="model-load"
                        aria-label={`Load ${m.fileName}`}
                      >
                        {busy === `load:${m.id}` ? 'Loading…' : 'Load'}
                      </button>
                    )}
                    <button
                      className="btn btn--small"
                      disabled={busy !== null}
                      onClick={() => void act(`remove:${m.id}`, async () => {
                        await api.model.remove({ id: m.id })
                        setModels(await api.model.list())
                      })}
                      title={m.managed ? 'Deletes the file from the models folder' : 'Forgets the file; it stays on disk'}
                      aria-label={`Remove ${m.fileName}`}
                      data-testid="model-remove"
                    >
                      Remove
                    </button>
                  </div>
                  {m.info ? (
                    <dl className="model-facts small">
                      <dt>Architecture</dt>
                      <dd>{m.info.architecture}</dd>
                      <dt>Parameters</dt>
                      <dd>{formatParams(m.info.parameterCount)}</dd>
                      <dt>Quantization</dt>
                      <dd>{m.info.quantization ?? 'unknown'}</dd>
                      <dt>Context</dt>
                      <dd>{m.info.contextLength ?? '?'}</dd>
                      <dt>Chat template</dt>
                      <dd>{m.info.hasChatTemplate ? 'yes' : 'no'}</dd>
                      <dt>Size</dt>
                      <dd>{formatBytes(m.info.sizeBytes)}</dd>
                    </dl>
                  ) : (
                    m.error && <ErrorPanel error={m.error} title="Unreadable model file" />
                  )}
                  {errors[`load:${m.id}`] && <ErrorPanel error={errors[`load:${m.id}`]!} title="Could not load" />}
                  {errors[`remove:${m.id}`] && <ErrorPanel error={errors[`remove:${m.id}`]!} title="Could not remove" />}
                </li>
              )
            })}
          </ul>
        </section>

        <section className="drawer__section" aria-label="Add a model">
          <div className="dialog__section-title">Add by path</div>
          <form className="inline-form" onSubmit={add}>
            <input
              ref={addPathInput}
              className="input"
              value={addPath}
              onChange={(e) => setAddPath(e.target.value)}
              placeholder="/path/to/model.gguf"
              aria-label="Model file path"
              data-testid="model-add-path"
              spellCheck={false}
            />
            <button className="btn" type="submit" disabled={!addPath.trim() || busy !== null} data-testid="model-add-submit">
              {busy === 'add' ? 'Adding…' : 'Add'}
            </button>
          </form>
          {errors.add && <ErrorPanel error={errors.add} title="Could not add the model" />}
        </section>

        <section className="drawer__section" aria-label="Download a model">
          <div className="dialog__section-title">Download</div>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault()
              if (uri.trim() && !downloading) void startDownload(uri.trim())
            }}
          >
            <input
              className="input"
              value={uri}
              onChange={(e) => setUri(e.target.value)}
              placeholder="hf:owner/repo/file.gguf or https://…"
              aria-label="Model URI or URL to download"
              data-testid="model-download-uri"
              spellCheck={false}
            />
            <button className="btn" type="submit" disabled={!uri.trim() || downloading} data-testid="model-download-submit">
              Download
            </button>
          </form>
          {download && (
            <DownloadStatus
              download={download}
              onCancel={() => void api.model.cancelDownload({ downloadId: download.downloadId })}
              onRetry={() => void startDownload(download.uri)}
              onAddFromDisk={() => addPathInput.current?.focus()}
            />
          )}
          {recommended.length > 0 && (
            <>
              <p className="muted small">Recommended (needs internet):</p>
              <ul className="recommended-list" data-testid="recommended-list">
                {recommended.map((r) => (
                  <li key={r.id} className="recommended-item">
                    <div className="recommended-item__text">
                      <strong>{r.name}</strong> <span className="chip chip--muted">{r.role}</span>{' '}
                      {r.recommended && (
                        <span className="chip chip--ok" data-testid="recommended-badge">
                          recommended {r.role}
                        </span>
                      )}{' '}
                      <span className="muted small" data-testid="recommended-size">
                        ~{formatBytes(r.approxSizeBytes)} download · ~{formatBytes(r.approxMemoryBytes)} memory when loaded
                      </span>
                      <div className="muted small">{r.description}</div>
                    </div>
                    <button className="btn btn--small" disabled={downloading} onClick={() => void startDownload(r.uri)} aria-label={`Download ${r.name}`}>
                      Download
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>

        <section className="drawer__section" aria-label="Adapter">
          <div className="dialog__section-title">LoRA adapter</div>
          <form className="inline-form" onSubmit={applyAdapter}>
            <input
              className="input"
              value={adapterPath}
              onChange={(e) => setAdapterPath(e.target.value)}
              placeholder="/path/to/adapter.gguf"
              aria-label="Adapter file path"
              data-testid="adapter-path"
              spellCheck={false}
              disabled={!current}
            />
            <input
              className="input input--narrow"
              type="number"
              min={0}
              max={4}
              step={0.1}
              value={adapterScale}
              onChange={(e) => setAdapterScale(e.target.value)}
              aria-label="Adapter scale (0 to 4)"
              aria-invalid={scaleInvalid}
              data-testid="adapter-scale"
              disabled={!current}
            />
            <button className="btn" type="submit" disabled={!current || !adapterPath.trim() || scaleInvalid || busy !== null} data-testid="adapter-apply">
              Apply
            </button>
            <button
              className="btn"
              type="button"
              disabled={!current?.adapter || busy !== null}
              onClick={() => void act('adapter', () => api.model.setAdapter({ path: null }))}
              data-testid="adapter-remove"
            >
              Remove
            </button>
            {onExport && (
              <button
                className="btn"
                type="button"
                disabled={!(adapterPath.trim() || current?.adapter)}
                onClick={() => onExport(adapterPath.trim() || current?.adapter?.path || '')}
                data-testid="adapter-export"
                title="Fuse an adapter into its base and quantize it into one GGUF"
              >
                Export…
              </button>
            )}
            <button
              className="btn"
              type="button"
              disabled={!current}
              onClick={() => setImporting(true)}
              data-testid="adapter-import"
              title="Convert a LoRA trained elsewhere (PEFT: Unsloth, axolotl, TRL, torchtune, mlx-lm) for this student"
            >
              Import adapter…
            </button>
          </form>
          {importing && <ImportAdapterDialog current={current} onClose={() => setImporting(false)} />}
          {!current && <p className="muted small">Load a model first.</p>}
          {errors.adapter && <ErrorPanel error={errors.adapter} title="Could not change the adapter" />}
        </section>
    </Modal>
  )
}

function DownloadStatus({ download, onCancel, onRetry, onAddFromDisk }: { download: Download; onCancel(): void; onRetry(): void; onAddFromDisk(): void }) {
  const p = download.progress
  const fraction = p?.totalBytes ? p.downloadedBytes / p.totalBytes : null
  return (
    <div className="download" data-testid="model-download">
      <div className="download__line small">
        <span className="download__name" title={download.uri}>
          {p?.fileName ?? download.uri}
        </span>
        <span className="toolbar-spacer" />
        {!download.done && (
          <button className="btn btn--small" onClick={onCancel} data-testid="model-download-cancel">
            Cancel
          </button>
        )}
      </div>
      {!download.done && (
        <>
          <progress
            className="download__bar"
            max={1}
            value={fraction ?? undefined}
            aria-label="Download progress"
          />
          <div className="muted small" data-testid="model-download-progress">
            {p
              ? `${formatBytes(p.downloadedBytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''} · ${formatBytes(p.bytesPerSecond)}/s · ETA ${formatEta(p.etaSeconds)}`
              : 'Connecting…'}
          </div>
        </>
      )}
      {download.done && !download.error && <div className="ok-text small">Downloaded.</div>}
      {download.error && (
        <>
          <ErrorPanel
            error={download.error}
            title={download.error.code === 'CANCELLED' ? 'Download cancelled' : download.error.code === 'UNREACHABLE' ? 'No connection' : 'Download failed'}
          />
          {/* what was downloaded stays on disk (<file>.partial): retrying continues from there */}
          <div className="inline-form">
            <button className="btn btn--small" onClick={onRetry} data-testid="model-download-retry">
              {download.error.code === 'CANCELLED' ? 'Resume' : 'Retry'}
            </button>
            {download.error.code === 'UNREACHABLE' && (
              <button className="btn btn--small" onClick={onAddFromDisk} data-testid="model-download-from-disk">
                Add a GGUF from disk…
              </button>
            )}
          </div>
        </>
      )}
    </div>
  )
}
