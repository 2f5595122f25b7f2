import { useEffect, useId, useState, type InputHTMLAttributes, type KeyboardEvent } from 'react'
import type { ApiErrorShape } from '../../../../shared/errors'
import { toErrorShape } from '../../../../shared/errors'
import type { ModelEntry } from '../../../../shared/models'
import type { TeacherConfig, TeacherTestResult } from '../../../../shared/teacher'
import { getApi } from '../../api'
import { buildTeacherConfig, describeTeacher, formFromConfig, type TeacherForm, type TeacherFormErrors } from '../../lib/teacherDiff'
import { ErrorPanel } from '../ErrorPanel'

interface Props {
  config: TeacherConfig | null | undefined
  /** After a configuration was saved (and, with "Save and test", tested). */
  onSaved?(config: TeacherConfig): void
}

const sameConfig = (a: TeacherConfig | null | undefined, b: TeacherConfig | null) => JSON.stringify(a ?? null) === JSON.stringify(b)

/**
 * The teacher's configuration: a local GGUF or an OpenAI-compatible server, saved in the core, with a connection
 * test. Every button is type="button": this form can sit inside another dialog's <form>.
 */
export function TeacherConfigForm({ config, onSaved }: Props) {
  const ids = useId()
  const [form, setForm] = useState<TeacherForm>(() => formFromConfig(config ?? null))
  const [touched, setTouched] = useState(false)
  const [busy, setBusy] = useState<'save' | 'test' | 'key' | 'forget' | null>(null)
  const [error, setError] = useState<{ title: string; error: ApiErrorShape } | null>(null)
  const [test, setTest] = useState<TeacherTestResult | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [apiKey, setApiKey] = useState('')
  const [models, setModels] = useState<ModelEntry[]>([])

  // The saved configuration arrives after the first render (or changes elsewhere): show it while untouched.
  useEffect(() => {
    if (!touched && config !== undefined) setForm(formFromConfig(config))
  }, [config, touched])

  useEffect(() => {
    let live = true
    getApi()
      .model.list()
      .then((list) => live && setModels(list), () => undefined)
    return () => {
      live = false
    }
  }, [])

  const built = buildTeacherConfig(form, config ?? null)
  const errors: TeacherFormErrors = touched && 'errors' in built ? built.errors : {}
  const set = <K extends keyof TeacherForm>(key: K, value: TeacherForm[K]) => {
    setTouched(true)
    setTest(null)
    setSaved(null)
    setForm((f) => ({ ...f, [key]: value }))
  }

  /** Saves when the form differs from what the core has; returns the saved config, or null when invalid or failed. */
  const save = async (): Promise<TeacherConfig | null> => {
    setTouched(true)
    if (!('config' in built)) return null
    if (sameConfig(config, built.config)) return built.config
    try {
      const savedConfig = (await getApi().teacher.configure({ config: built.config }))!
      setSaved(`Saved: the teacher is ${describeTeacher(savedConfig)}.`)
      return savedConfig
    } catch (err) {
      setError({ title: 'Could not save the teacher', error: toErrorShape(err) })
      return null
    }
  }

  const run = async (what: 'save' | 'test') => {
    setBusy(what)
    setError(null)
    setTest(null)
    try {
      const savedConfig = await save()
      if (!savedConfig) return
      if (what === 'test') {
        const result = await getApi().teacher.test()
        setTest(result)
      }
      setTouched(false)
      onSaved?.(savedConfig)
    } catch (err) {
      setError({ title: 'Could not test the teacher', error: toErrorShape(err) })
    } finally {
      setBusy(null)
    }
  }

  const saveKey = async () => {
    if (!apiKey.trim()) return
    setBusy('key')
    setError(null)
    try {
      await getApi().teacher.setApiKey({ key: apiKey.trim() })
      setApiKey('')
      setSaved('The API key is saved in the system’s secret store. It is never shown again.')
    } catch (err) {
      setError({ title: 'Could not save the API key', error: toErrorShape(err) })
    } finally {
      setBusy(null)
    }
  }

  const forget = async () => {
    setBusy('forget')
    setError(null)
    setTest(null)
    try {
      await getApi().teacher.configure({ config: null })
      setTouched(false)
      setSaved('The teacher is forgotten.')
    } catch (err) {
      setError({ title: 'Could not forget the teacher', error: toErrorShape(err) })
    } finally {
      setBusy(null)
    }
  }

  // Enter in a field saves and tests (this is not a <form> of its own).
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter' && !busy) {
      event.preventDefault()
      void run('test')
    }
  }

  const field = (key: keyof TeacherFormErrors, label: string, hint: string, input: InputHTMLAttributes<HTMLInputElement>) => (
    <label className="field">
      <span className="field__label">{label}</span>
      <input
        className={`input${errors[key] ? ' input--invalid' : ''}`}
        value={form[key]}
        onChange={(e) => set(key, e.target.value)}
        onKeyDown={onKeyDown}
        aria-invalid={!!errors[key]}
        aria-describedby={`${ids}-${key}-hint`}
        data-testid={`teacher-${key}`}
        spellCheck={false}
        {...input}
      />
      <span id={`${ids}-${key}-hint`} className={`small ${errors[key] ? 'field__error' : 'muted'}`} data-testid={errors[key] ? `teacher-${key}-error` : undefined}>
        {errors[key] ?? hint}
      </span>
    </label>
  )

  return (
    <div className="teacher-config" data-testid="teacher-config">
      <p className="teacher-config__current" data-testid="teacher-current">
        Current teacher: <strong>{config === undefined ? 'checking…' : describeTeacher(config)}</strong>
      </p>
      <div className="teacher-config__kinds" role="radiogroup" aria-label="Kind of teacher">
        <label className="teacher-config__kind">
          <input type="radio" name={`${ids}-kind`} checked={form.kind === 'local'} onChange={() => set('kind', 'local')} data-testid="teacher-kind-local" />
          <span>
            <strong>Local GGUF model</strong>
            <span className="muted small"> — a bigger model file on this machine, e.g. Qwen2.5-Coder-7B-Instruct Q4_K_M</span>
          </span>
        </label>
        <label className="teacher-config__kind">
          <input type="radio" name={`${ids}-kind`} checked={form.kind === 'openai'} onChange={() => set('kind', 'openai')} data-testid="teacher-kind-openai" />
          <span>
            <strong>OpenAI-compatible server</strong>
            <span className="muted small"> — llama.cpp server, Ollama, LM Studio, vLLM or a hosted API</span>
          </span>
        </label>
      </div>
      {form.kind === 'local' ? (
        <>
          {field('modelPath', 'Model file', 'The path of a .gguf file. It is loaded next to the student, so it needs its own memory.', {
            list: `${ids}-models`,
            placeholder: '/path/to/teacher.gguf',
          })}
          <datalist id={`${ids}-models`}>
            {models.map((m) => (
              <option key={m.id} value={m.path}>
                {m.fileName}
              </option>
            ))}
          </datalist>
        </>
      ) : (
        <div className="teacher-config__grid">
          {field('baseUrl', 'Base URL', 'Where the server’s /v1 API lives, e.g. http://127.0.0.1:11434/v1', { type: 'url', placeholder: 'http://127.0.0.1:8080/v1' })}
          {field('model', 'Model', 'The model name the server offers; the connection test lists them.', { placeholder: 'qwen2.5-coder:7b' })}
          {field('concurrency', 'Requests at once (optional)', 'Empty: as many as the server says it runs (llama-server --parallel, SGLang), else 2.', { inputMode: 'numeric', placeholder: 'from the server' })}
          {field('priceIn', 'Price per million input tokens, USD (optional)', 'With the output price, a customization shows what the teacher cost.', { inputMode: 'decimal', placeholder: '—' })}
          {field('priceOut', 'Price per million output tokens, USD (optional)', 'Leave both empty for a local server.', { inputMode: 'decimal', placeholder: '—' })}
          <div className="field teacher-config__key">
            <label className="field__label" htmlFor={`${ids}-key`}>
              API key (optional)
            </label>
            <span className="inline-form">
              <input
                id={`${ids}-key`}
                className="input"
                type="password"
                autoComplete="off"
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
                aria-describedby={`${ids}-key-hint`}
                data-testid="teacher-api-key"
              />
              <button type="button" className="btn" onClick={() => void saveKey()} disabled={!apiKey.trim() || busy !== null} data-testid="teacher-api-key-save">
                {busy === 'key' ? 'Saving…' : 'Save key'}
              </button>
            </span>
            <span id={`${ids}-key-hint`} className="muted small">
              Kept in the system’s secret store and never shown back. In browser mode, set SQLSTILL_TEACHER_API_KEY before starting sqlstill instead.
            </span>
          </div>
        </div>
      )}
      <p className="muted small">
        The built-in synthesizer needs no configuration: it writes training pairs in the Customize wizard but does not answer questions, so it cannot be
        compared here.
      </p>
      <div className="dialog__actions">
        <button type="button" className="btn btn--primary" onClick={() => void run('test')} disabled={busy !== null} data-testid="teacher-test">
          {busy === 'test' ? (
            <>
              <span className="spinner" aria-hidden /> Testing…
            </>
          ) : (
            'Save and test connection'
          )}
        </button>
        <button type="button" className="btn" onClick={() => void run('save')} disabled={busy !== null} data-testid="teacher-save">
          {busy === 'save' ? 'Saving…' : 'Save'}
        </button>
        <span className="toolbar-spacer" />
        {config && (
          <button type="button" className="btn btn--link" onClick={() => void forget()} disabled={busy !== null} data-testid="teacher-forget">
            Forget this teacher
          </button>
        )}
      </div>
      <div aria-live="polite" className="teacher-config__feedback">
        {busy === 'test' && form.kind === 'local' && <p className="muted small">Loading the model can take a while the first time…</p>}
        {saved && !test && (
          <p className="ok-text small" data-testid="teacher-saved">
            {saved}
          </p>
        )}
        {test && (
          <div className={`teacher-test ${test.ok ? 'teacher-test--ok' : 'teacher-test--bad'}`} role="status" data-testid="teacher-test-result" data-ok={test.ok}>
            <span className={`chip ${test.ok ? 'chip--ok' : 'chip--bad'}`}>{test.ok ? '✓ connected' : '✗ failed'}</span> <span>{test.message}</span>
            {test.models && test.models.length > 0 && (
              <div className="muted small teacher-test__models">Models offered: {test.models.slice(0, 20).join(', ')}{test.models.length > 20 ? ' …' : ''}</div>
            )}
          </div>
        )}
      </div>
      {error && <ErrorPanel error={error.error} title={error.title} onDismiss={() => setError(null)} />}
    </div>
  )
}
