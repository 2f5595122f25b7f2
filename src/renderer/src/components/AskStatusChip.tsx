import type { AskRecord, ValidationClass } from '../../../shared/ask'
import type { AskState } from '../hooks/useAsk'
import { formatMs } from '../lib/format'

const LABELS: Record<ValidationClass, string> = {
  ok: 'ok',
  empty_result: 'empty result',
  syntax: 'syntax error',
  unknown_identifier: 'unknown name',
  runtime_error: 'runtime error',
  no_sql: 'no SQL',
}

const TONES: Record<ValidationClass, 'ok' | 'warn' | 'bad'> = {
  ok: 'ok',
  empty_result: 'warn',
  syntax: 'bad',
  unknown_identifier: 'bad',
  runtime_error: 'bad',
  no_sql: 'bad',
}

export function ValidationChip({ validation }: { validation: ValidationClass }) {
  return (
    <span className={`chip chip--${TONES[validation]}`} data-testid="validation-chip" data-validation={validation} title={`Validation: ${validation}`}>
      {LABELS[validation]}
    </span>
  )
}

export function modelLabel(record: Pick<AskRecord, 'modelId' | 'adapterId'>): string {
  return record.adapterId ? `${record.modelId} + ${record.adapterId}` : record.modelId
}

/** After a question: how the query validated, whether it was repaired, and how fast the model was. */
export function AskStatusChip({ state }: { state: AskState }) {
  if (state.status === 'cancelled') {
    return (
      <span className="chip chip--muted" data-testid="ask-cancelled">
        cancelled
      </span>
    )
  }
  if (state.status === 'error') {
    return (
      <span className="ask-error" data-testid="ask-error" role="alert" title={state.error.message}>
        <code className="chip chip--bad">{state.error.code}</code> {state.error.message}
      </span>
    )
  }
  if (state.status !== 'done') return null
  const r = state.record
  const repair = r.attempts.find((a) => a.kind === 'repair')
  const repaired = !!repair && repair.generatedTokens > 0
  return (
    <span className="ask-status" data-testid="ask-status">
      <ValidationChip validation={r.validation} />
      {repaired && (
        <span className="chip chip--info" data-testid="ask-repaired" title="The first query failed; the model was shown the error and tried once more">
          repaired
        </span>
      )}
      {repair && !repaired && (
        <span className="chip chip--muted" data-testid="ask-repair-skipped" title={repair.error ? `${repair.error.code}: ${repair.error.message}` : 'The repair round wrote nothing'}>
          repair failed
        </span>
      )}
      <span className="ask-status__facts muted small" title={r.error ? `${r.error.code}: ${r.error.message}` : undefined}>
        {modelLabel(r)} · {r.promptTokens} prompt tokens · first token {formatMs(r.timeToFirstTokenMs)} · {r.tokensPerSecond.toFixed(0)} tok/s
      </span>
    </span>
  )
}
