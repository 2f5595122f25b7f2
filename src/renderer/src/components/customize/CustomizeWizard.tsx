import { useEffect, useState } from 'react'
import type { ApiErrorShape } from '../../../../shared/errors'
import { toErrorShape } from '../../../../shared/errors'
import type { LoadedModelInfo } from '../../../../shared/models'
import { historyPairs } from '../../../../shared/customize'
import { getApi } from '../../api'
import { useTeacherConfig } from '../../hooks/useTeacherConfig'
import { buildStartRequest, DEFAULT_FORM, estimateLine, estimateRequest, fileName, teacherLabel, type WizardForm } from '../../lib/customize'
import { ErrorPanel } from '../ErrorPanel'

interface Props {
  dbId: string
  dbName: string
  model: LoadedModelInfo | null | undefined
  onStarted(run: { runId: string; outDir: string }, pauseBeforeTraining: boolean): void
}

function FieldError({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <span className="field__error" id={id} role="alert" data-testid={id}>
      {text}
    </span>
  ) : null
}

/** "Customize on my schema", step one: what to learn from and how hard to train. */
export function CustomizeWizard({ dbId, dbName, model, onStarted }: Props) {
  const api = getApi()
  const [form, setForm] = useState<WizardForm>(DEFAULT_FORM)
  const teacher = useTeacherConfig()
  const [marks, setMarks] = useState<{ right: number; corrected: number } | null>(null)
  const [starting, setStarting] = useState(false)
  const [startError, setStartError] = useState<ApiErrorShape | null>(null)
  const [touched, setTouched] = useState(false)
  const [estimate, setEstimate] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    api.history.list({ dbId, limit: 10_000 }).then(
      (items) => {
        if (!live) return
        const pairs = historyPairs(items)
        setMarks({ right: pairs.addRef.length, corrected: pairs.fixIt.length })
      },
      () => live && setMarks(null),
    )
    return () => {
      live = false
    }
  }, [api, dbId])

  // How long training will take, from the last run of this student measured here; asked again as the size changes.
  const sizing = model ? estimateRequest(form, marks) : null
  const sizingKey = sizing ? JSON.stringify([model?.path, sizing]) : null
  useEffect(() => {
    if (!sizing) {
      setEstimate(null)
      return
    }
    let live = true
    // typing a number asks once it rests, not on every key
    const timer = setTimeout(() => {
      api.customize.estimate(sizing).then(
        (e) => live && setEstimate(estimateLine(e)),
        (err: unknown) => live && setEstimate(`Training time not estimated: ${toErrorShape(err).message}`),
      )
    }, 200)
    return () => {
      live = false
      clearTimeout(timer)
    }
    // sizingKey stands for sizing (a new object on every render)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, sizingKey])

  const set = <K extends keyof WizardForm>(key: K, value: WizardForm[K]) => setForm((f) => ({ ...f, [key]: value }))
  const { request, errors } = buildStartRequest(dbId, form)
  const shownErrors = touched ? errors : {}
  const configured = teacherLabel(teacher ?? null)

  const start = async () => {
    setTouched(true)
    if (!request || !model) return
    setStarting(true)
    setStartError(null)
    try {
      const run = await api.customize.start(request)
      onStarted(run, form.pauseBeforeTraining)
    } catch (err) {
      setStartError(toErrorShape(err))
    } finally {
      setStarting(false)
    }
  }

  const setRef = (i: number, patch: Partial<WizardForm['refs'][number]>) =>
    set('refs', form.refs.map((r, j) => (j === i ? { ...r, ...patch } : r)))

  return (
    <div className="cz-wizard" data-testid="customize-wizard">
      <p className="muted">
        Teaches the loaded student this database: a teacher writes question/SQL pairs for <strong>{dbName}</strong>, every pair is executed and
        filtered, the student is fine-tuned with LoRA on this computer, and base vs. customized are compared on held-out questions.
      </p>

      <div className="cz-grid">
        <section className="cz-card" aria-labelledby="cz-student-title">
          <div className="dialog__section-title" id="cz-student-title">
            Student
          </div>
          {model ? (
            <div data-testid="customize-student">
              <strong>{fileName(model.path)}</strong>
              {model.adapter && <span className="muted small"> (its current adapter is not part of the run)</span>}
            </div>
          ) : (
            <p className="cz-warning" data-testid="customize-no-model">
              {model === undefined ? 'Checking the loaded model…' : 'No student model is loaded. Load one in Models first: customization fine-tunes the loaded model.'}
            </p>
          )}

          <div className="dialog__section-title">Teacher</div>
          <div className="cz-radios" role="radiogroup" aria-label="Teacher">
            <label className="field--check">
              <input type="radio" name="cz-teacher" checked={form.teacher === 'synth'} onChange={() => set('teacher', 'synth')} data-testid="teacher-synth" />
              <span>
                Built-in synthesizer <span className="muted small">— samples executable SQL from the database itself; no model needed</span>
              </span>
            </label>
            <label className="field--check">
              <input
                type="radio"
                name="cz-teacher"
                checked={form.teacher === 'configured'}
                disabled={!configured}
                onChange={() => set('teacher', 'configured')}
                data-testid="teacher-configured"
              />
              <span>
                Configured teacher{' '}
                <span className="muted small" data-testid="teacher-configured-label">
                  — {teacher === undefined ? 'checking…' : (configured ?? 'none configured (set one up with the Teacher button in the top bar)')}
                </span>
              </span>
            </label>
          </div>

          <div className="cz-row">
            <label className="field">
              <span className="field__label">Examples to synthesize</span>
              <input className="input input--narrow" inputMode="numeric" value={form.n} onChange={(e) => set('n', e.target.value)} aria-invalid={!!shownErrors.n} data-testid="customize-n" />
              <FieldError id="customize-n-error" text={shownErrors.n} />
            </label>
            {form.teacher === 'configured' && (
              <label className="field">
                <span className="field__label" title="Self-consistency: k samples per question, the majority result is kept">
                  Samples per question (k)
                </span>
                <input className="input input--narrow" inputMode="numeric" value={form.k} onChange={(e) => set('k', e.target.value)} aria-invalid={!!shownErrors.k} data-testid="customize-k" />
                <FieldError id="customize-k-error" text={shownErrors.k} />
              </label>
            )}
          </div>

          <div className="dialog__section-title">Your History</div>
          <label className="field--check">
            <input type="checkbox" checked={form.useHistory} onChange={(e) => set('useHistory', e.target.checked)} data-testid="customize-use-history" />
            <span>
              Use my History marks{' '}
              <span className="muted small" data-testid="customize-marks">
                {marks ? `— ${marks.right} marked right (references), ${marks.corrected} corrected (FixIt)` : ''}
              </span>
            </span>
          </label>
          <label className="field--check">
            <input type="checkbox" checked={form.pauseBeforeTraining} onChange={(e) => set('pauseBeforeTraining', e.target.checked)} data-testid="customize-pause" />
            <span>Pause before training so I can review the examples</span>
          </label>
        </section>

        <section className="cz-card" aria-labelledby="cz-rules-title">
          <div className="dialog__section-title" id="cz-rules-title">
            Rules (one per line)
          </div>
          <textarea
            className="input textarea"
            rows={4}
            value={form.rules}
            onChange={(e) => set('rules', e.target.value)}
            placeholder={'revenue excludes refunds\ndates are ISO strings'}
            aria-label="Rules"
            data-testid="customize-rules"
          />

          <div className="cz-section-head">
            <span className="dialog__section-title">Reference examples ({form.refs.length})</span>
            <span className="toolbar-spacer" />
            <button type="button" className="btn btn--small" onClick={() => set('refs', [...form.refs, { question: '', sql: '' }])} data-testid="customize-add-ref">
              + Add example
            </button>
          </div>
          {form.refs.length === 0 && <p className="muted small">Optional: question/SQL pairs you know are right. They are trained on and always evaluated.</p>}
          <ol className="cz-refs">
            {form.refs.map((r, i) => (
              <li key={i} className="cz-ref" data-testid="customize-ref">
                <input className="input" placeholder="Question" value={r.question} onChange={(e) => setRef(i, { question: e.target.value })} aria-label={`Reference ${i + 1} question`} data-testid="customize-ref-question" />
                <textarea className="input textarea mono" rows={2} placeholder="SELECT …" value={r.sql} onChange={(e) => setRef(i, { sql: e.target.value })} aria-label={`Reference ${i + 1} SQL`} data-testid="customize-ref-sql" />
                <button type="button" className="icon-btn" onClick={() => set('refs', form.refs.filter((_, j) => j !== i))} aria-label={`Remove reference ${i + 1}`} data-testid="customize-ref-remove">
                  ×
                </button>
              </li>
            ))}
          </ol>
          <FieldError id="customize-refs-error" text={shownErrors.refs} />

          <details className="cz-advanced" data-testid="customize-advanced">
            <summary>Advanced training options</summary>
            <div className="cz-row">
              <label className="field">
                <span className="field__label">Epochs</span>
                <input className="input input--narrow" inputMode="numeric" value={form.epochs} onChange={(e) => set('epochs', e.target.value)} aria-invalid={!!shownErrors.epochs} data-testid="customize-epochs" />
                <FieldError id="customize-epochs-error" text={shownErrors.epochs} />
              </label>
              <label className="field">
                <span className="field__label">Max steps</span>
                <input className="input input--narrow" inputMode="numeric" placeholder="no limit" value={form.maxSteps} onChange={(e) => set('maxSteps', e.target.value)} aria-invalid={!!shownErrors.maxSteps} data-testid="customize-max-steps" />
                <FieldError id="customize-max-steps-error" text={shownErrors.maxSteps} />
              </label>
              <label className="field">
                <span className="field__label" title="Longest prompt + SQL to train on, in the student's tokens. Empty: the longest example, within the student's context. Longer examples are counted and left out.">Max length</span>
                <input className="input input--narrow" inputMode="numeric" placeholder="fit examples" value={form.maxLength} onChange={(e) => set('maxLength', e.target.value)} aria-invalid={!!shownErrors.maxLength} data-testid="customize-max-length" />
                <FieldError id="customize-max-length-error" text={shownErrors.maxLength} />
              </label>
              <label className="field">
                <span className="field__label">Eval fraction</span>
                <input className="input input--narrow" inputMode="decimal" value={form.evalFraction} onChange={(e) => set('evalFraction', e.target.value)} aria-invalid={!!shownErrors.evalFraction} data-testid="customize-eval-fraction" />
                <FieldError id="customize-eval-fraction-error" text={shownErrors.evalFraction} />
              </label>
              <label className="field">
                <span className="field__label">Seed</span>
                <input className="input input--narrow" inputMode="numeric" placeholder="42" value={form.seed} onChange={(e) => set('seed', e.target.value)} aria-invalid={!!shownErrors.seed} data-testid="customize-seed" />
                <FieldError id="customize-seed-error" text={shownErrors.seed} />
              </label>
            </div>
            <div className="cz-row">
              <label className="field--check">
                <input type="checkbox" checked={form.kidOn} onChange={(e) => set('kidOn', e.target.checked)} data-testid="customize-kid" />
                <span title="Knowledge distillation with imperfect data: a fraction α of completion tokens is replaced by the student's own predictions as input">KID augmentation, α</span>
              </label>
              <input className="input input--narrow" inputMode="decimal" value={form.kidAlpha} disabled={!form.kidOn} onChange={(e) => set('kidAlpha', e.target.value)} aria-label="KID alpha" aria-invalid={!!shownErrors.kidAlpha} data-testid="customize-kid-alpha" />
              <FieldError id="customize-kid-alpha-error" text={shownErrors.kidAlpha} />
              <label className="field--check">
                <input type="checkbox" checked={form.planTargets} onChange={(e) => set('planTargets', e.target.checked)} data-testid="customize-plan-targets" />
                <span title="Struct-SQL style: a short plan line before the SQL (experimental)">Query-plan targets (experiment)</span>
              </label>
            </div>
          </details>
        </section>
      </div>

      {estimate && (
        <p className="muted small" data-testid="customize-estimate">
          {estimate}
        </p>
      )}
      {startError && <ErrorPanel error={startError} title="Could not start the customization" />}
      <div className="dialog__actions">
        <span className="muted small">Runs in the background; you can close this window and come back.</span>
        <span className="toolbar-spacer" />
        <button type="button" className="btn btn--primary" disabled={starting || !model || (touched && !request)} onClick={() => void start()} data-testid="customize-start">
          {starting ? 'Starting…' : 'Start customization'}
        </button>
      </div>
    </div>
  )
}
