import { useMemo, useState } from 'react'
import type { HistoryItem, Verdict } from '../../../shared/ask'
import type { ApiErrorShape } from '../../../shared/errors'
import { formatWhen } from '../lib/units'
import { modelLabel, ValidationChip } from './AskStatusChip'
import { ErrorPanel } from './ErrorPanel'
import { ListSearch } from './ListSearch'

interface Props {
  items: HistoryItem[]
  loaded: boolean
  error: ApiErrorShape | null
  onRerun(sql: string): void
  onMark(id: string, verdict: Verdict, correctedSql?: string): Promise<ApiErrorShape | null>
}

/** Past questions for this database. Verdicts (and corrected SQL for wrong answers) become training examples. */
export function HistoryPanel({ items, loaded, error, onRerun, onMark }: Props) {
  const [search, setSearch] = useState('')
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase()
    if (!q) return items
    return items.filter((i) => i.question.toLowerCase().includes(q) || (i.sql ?? '').toLowerCase().includes(q))
  }, [items, search])

  return (
    <div className="history" data-testid="history-panel">
      <ListSearch value={search} onChange={setSearch} placeholder="Search questions and SQL" testId="history-search" shown={shown.length} total={items.length} noun="asked" />
      {error && <ErrorPanel error={error} title="Could not read the history" />}
      <ul className="history__list" aria-label="Asked questions">
        {loaded && items.length === 0 && <li className="history__empty muted">Nothing asked yet on this database.</li>}
        {items.length > 0 && shown.length === 0 && <li className="history__empty muted">No question matches.</li>}
        {shown.map((item) => (
          <HistoryRow key={item.id} item={item} onRerun={onRerun} onMark={onMark} />
        ))}
      </ul>
    </div>
  )
}

function HistoryRow({ item, onRerun, onMark }: { item: HistoryItem; onRerun(sql: string): void; onMark: Props['onMark'] }) {
  const [correcting, setCorrecting] = useState(false)
  const [corrected, setCorrected] = useState(item.feedback?.correctedSql ?? item.sql ?? '')
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const [saving, setSaving] = useState(false)
  const verdict = item.feedback?.verdict
  const runnable = item.feedback?.correctedSql ?? item.sql

  const mark = async (v: Verdict, sql?: string) => {
    setSaving(true)
    const err = await onMark(item.id, v, sql)
    setSaving(false)
    setError(err)
    if (!err) setCorrecting(false)
  }

  return (
    <li className="history-item" data-testid="history-item" data-verdict={verdict ?? 'none'}>
      <button
        className="history-item__main"
        onClick={() => runnable && onRerun(runnable)}
        disabled={!runnable}
        title={runnable ? 'Put this SQL in the editor and run it' : 'The model wrote no SQL for this question'}
        data-testid="history-rerun"
      >
        <span className="history-item__question">{item.question}</span>
        <code className="history-item__sql">{runnable ?? '— no SQL —'}</code>
      </button>
      <div className="history-item__meta small">
        <ValidationChip validation={item.validation} />
        {verdict && (
          <span className={`chip ${verdict === 'right' ? 'chip--ok' : 'chip--bad'}`} data-testid="history-verdict">
            {verdict === 'right' ? '✓ right' : item.feedback?.correctedSql ? '✗ wrong · corrected' : '✗ wrong'}
          </span>
        )}
        <span className="muted history-item__model" title={modelLabel(item)}>
          {modelLabel(item)}
        </span>
        <span className="toolbar-spacer" />
        <time className="muted" dateTime={item.createdAt} title={new Date(item.createdAt).toLocaleString()}>
          {formatWhen(item.createdAt)}
        </time>
        <button
          className={`btn btn--small verdict-btn${verdict === 'right' ? ' verdict-btn--on' : ''}`}
          onClick={() => void mark('right')}
          disabled={saving}
          aria-label="Mark the answer right"
          aria-pressed={verdict === 'right'}
          data-testid="history-mark-right"
        >
          ✓
        </button>
        <button
          className={`btn btn--small verdict-btn${verdict === 'wrong' ? ' verdict-btn--on' : ''}`}
          onClick={() => setCorrecting((c) => !c)}
          disabled={saving}
          aria-label="Mark the answer wrong and give the right SQL"
          aria-expanded={correcting}
          aria-pressed={verdict === 'wrong'}
          data-testid="history-mark-wrong"
        >
          ✗
        </button>
      </div>
      {correcting && (
        <form
          className="history-item__correct"
          onSubmit={(e) => {
            e.preventDefault()
            void mark('wrong', corrected.trim() || undefined)
          }}
        >
          <label className="field small">
            <span className="field__label">The SQL that answers this question (optional — becomes a FixIt example)</span>
            <textarea
              className="input textarea mono"
              rows={3}
              value={corrected}
              onChange={(e) => setCorrected(e.target.value)}
              aria-label="Corrected SQL"
              data-testid="history-corrected-sql"
              spellCheck={false}
            />
          </label>
          <div className="dialog__actions">
            <button type="submit" className="btn btn--primary btn--small" disabled={saving} data-testid="history-save-wrong">
              Mark wrong
            </button>
            <button type="button" className="btn btn--small" onClick={() => setCorrecting(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && <ErrorPanel error={error} title="Could not save the verdict" onDismiss={() => setError(null)} />}
    </li>
  )
}
