import { useCallback, useEffect, useState } from 'react'
import type { DatasetExample, Split } from '../../../../shared/customize'
import type { ApiErrorShape } from '../../../../shared/errors'
import { toErrorShape } from '../../../../shared/errors'
import { getApi } from '../../api'
import { formatCount } from '../../lib/format'
import { ErrorPanel } from '../ErrorPanel'

const PAGE = 25

const SCENARIO: Record<DatasetExample['scenario'], string> = {
  synthetic: 'synthetic',
  add_ref: 'your reference',
  fix_it: 'your fix',
  learn_prior: 'rule',
}

function ExampleRow({ outDir, example, editable, onSaved }: { outDir: string; example: DatasetExample; editable: boolean; onSaved(e: DatasetExample): void }) {
  const [editing, setEditing] = useState(false)
  const [question, setQuestion] = useState(example.question)
  const [sql, setSql] = useState(example.sql)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiErrorShape | null>(null)

  const save = async (patch: { question?: string; sql?: string; excluded?: boolean }) => {
    setBusy(true)
    setError(null)
    try {
      const updated = await getApi().dataset.update({ outDir, id: example.id, ...patch })
      onSaved(updated)
      setEditing(false)
    } catch (err) {
      setError(toErrorShape(err))
    } finally {
      setBusy(false)
    }
  }
  const verdicts = Object.entries(example.verdicts)
  return (
    <li className={`cz-example${example.excluded ? ' cz-example--excluded' : ''}`} data-testid="dataset-example" data-id={example.id} data-excluded={example.excluded}>
      {editing ? (
        <div className="cz-example__edit">
          <input className="input" value={question} onChange={(e) => setQuestion(e.target.value)} aria-label="Question" data-testid="example-edit-question" />
          <textarea className="input textarea mono" rows={3} value={sql} onChange={(e) => setSql(e.target.value)} aria-label="SQL" data-testid="example-edit-sql" />
          <div className="dialog__actions">
            <span className="muted small">The SQL is checked against the database before it is saved.</span>
            <span className="toolbar-spacer" />
            <button type="button" className="btn btn--small" onClick={() => setEditing(false)} disabled={busy}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn--small btn--primary"
              disabled={busy || !question.trim() || !sql.trim()}
              onClick={() => void save({ ...(question !== example.question ? { question } : {}), ...(sql !== example.sql ? { sql } : {}) })}
              data-testid="example-save"
            >
              {busy ? 'Checking…' : 'Save'}
            </button>
          </div>
        </div>
      ) : (
        <>
          <div className="cz-example__question">{example.question}</div>
          <pre className="cz-example__sql mono">{example.sql}</pre>
        </>
      )}
      <div className="cz-example__meta small">
        <span className={`chip ${example.origin === 'user' ? 'chip--info' : 'chip--muted'}`}>{SCENARIO[example.scenario]}</span>
        <span className="chip chip--muted">{example.hardness}</span>
        <span className="muted" title="Where it came from">
          {example.teacher}
          {example.origin && example.origin !== example.teacher ? ` · ${example.origin}` : ''}
        </span>
        {example.agreement < 1 && <span className="muted">agreement {(example.agreement * 100).toFixed(0)}%</span>}
        {example.edited && <span className="chip chip--warn">edited</span>}
        {example.excluded && <span className="chip chip--warn">excluded</span>}
        <span className="cz-verdicts" aria-label="Filter verdicts">
          {verdicts.map(([f, v]) => (
            <span key={f} className={`cz-verdict ${v.pass ? 'cz-verdict--pass' : 'cz-verdict--fail'}`} title={v.reason ?? (v.pass ? 'passed' : 'failed')}>
              {v.pass ? '✓' : '✗'} {f.replace(/_/g, ' ')}
            </span>
          ))}
        </span>
        <span className="toolbar-spacer" />
        {editable && !editing && (
          <>
            <button type="button" className="btn btn--small" onClick={() => setEditing(true)} disabled={busy} data-testid="example-edit">
              Edit
            </button>
            <button type="button" className="btn btn--small" onClick={() => void save({ excluded: !example.excluded })} disabled={busy} data-testid="example-toggle-exclude">
              {example.excluded ? 'Include' : 'Exclude'}
            </button>
          </>
        )}
      </div>
      {error && <ErrorPanel error={error} title="Not saved" onDismiss={() => setError(null)} />}
    </li>
  )
}

/** The run's examples with their provenance and filter verdicts; edit or exclude one (a resume then retrains). */
export function DatasetReview({ outDir, editable, onChanged }: { outDir: string; editable: boolean; onChanged(): void }) {
  const [split, setSplit] = useState<Split>('train')
  const [search, setSearch] = useState('')
  const [offset, setOffset] = useState(0)
  const [page, setPage] = useState<{ total: number; items: DatasetExample[] } | null>(null)
  const [error, setError] = useState<ApiErrorShape | null>(null)

  const load = useCallback(() => {
    let live = true
    getApi()
      .dataset.list({ outDir, split, offset, limit: PAGE, ...(search.trim() ? { search: search.trim() } : {}) })
      .then(
        (p) => {
          if (!live) return
          setPage(p)
          setError(null)
        },
        (err: unknown) => live && setError(toErrorShape(err)),
      )
    return () => {
      live = false
    }
  }, [outDir, split, offset, search])
  useEffect(load, [load])

  const saved = (updated: DatasetExample) => {
    setPage((p) => p && { ...p, items: p.items.map((e) => (e.id === updated.id ? { ...updated, split: e.split } : e)) })
    onChanged()
  }

  return (
    <div className="cz-review" data-testid="dataset-review">
      <div className="cz-review__bar">
        <div className="segmented" role="group" aria-label="Split">
          {(['train', 'eval'] as const).map((s) => (
            <button
              key={s}
              type="button"
              className={`segmented__btn${split === s ? ' segmented__btn--on' : ''}`}
              aria-pressed={split === s}
              onClick={() => {
                setSplit(s)
                setOffset(0)
              }}
              data-testid={`dataset-split-${s}`}
            >
              {s === 'train' ? 'Train' : 'Eval'}
            </button>
          ))}
        </div>
        <input
          className="input cz-review__search"
          type="search"
          placeholder="Search questions and SQL"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value)
            setOffset(0)
          }}
          aria-label="Search the examples"
          data-testid="dataset-search"
        />
        <span className="toolbar-spacer" />
        {page && (
          <span className="muted small" data-testid="dataset-total" data-total={page.total}>
            {page.total === 0 ? 'no examples' : `${formatCount(offset + 1)}–${formatCount(Math.min(offset + PAGE, page.total))} of ${formatCount(page.total)}`}
          </span>
        )}
        <button type="button" className="btn btn--small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} aria-label="Previous page">
          ‹
        </button>
        <button type="button" className="btn btn--small" disabled={!page || offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)} aria-label="Next page" data-testid="dataset-next">
          ›
        </button>
      </div>
      {!editable && <p className="muted small">The run is going: examples can be edited once it is paused, stopped or finished.</p>}
      {editable && <p className="muted small">Edits and exclusions make the trained adapter stale: Resume retrains and re-evaluates.</p>}
      {error && <ErrorPanel error={error} title="Could not read the examples" />}
      {!page && !error && <span className="muted">Reading…</span>}
      <ul className="cz-examples">
        {page?.items.map((e) => <ExampleRow key={`${split}:${e.id}`} outDir={outDir} example={e} editable={editable} onSaved={saved} />)}
      </ul>
    </div>
  )
}
