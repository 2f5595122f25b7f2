import { useState } from 'react'
import { activationHeadline, trainedAdapterPath, type CustomizeEvalSummary, type CustomizeReport, type EvalFigures, type RunManifest, type TrainingFacts } from '../../../../shared/customize'
import type { ApiErrorShape } from '../../../../shared/errors'
import { toErrorShape } from '../../../../shared/errors'
import type { LoadedModelInfo } from '../../../../shared/models'
import { formatBytes } from '../../../../shared/format'
import { getApi } from '../../api'
import { fileName, pct } from '../../lib/customize'
import { ErrorPanel } from '../ErrorPanel'

const HARDNESS = ['easy', 'medium', 'hard', 'extra', 'unknown'] as const
const FAILURES = ['no_sql', 'parse', 'unknown_identifier', 'runtime_error', 'timeout', 'wrong_result', 'empty'] as const


function Delta({ a, b }: { a: number | null | undefined; b: number | null | undefined }) {
  if (a === null || a === undefined || b === null || b === undefined) return <span className="muted">—</span>
  const d = (b - a) * 100
  return <span className={d > 0 ? 'ok-text' : d < 0 ? 'cz-bad' : 'muted'}>{`${d > 0 ? '+' : ''}${d.toFixed(1)} pts`}</span>
}

function acc(s: CustomizeEvalSummary | null, h: (typeof HARDNESS)[number]) {
  return s?.byHardness[h] ?? null
}

/** The end of a run: base vs. customized accuracy (overall, by hardness, failure modes) and whether the adapter is on. */
export function RunReport({ manifest, report, model }: { manifest: RunManifest; report: CustomizeReport | null; model: LoadedModelInfo | null | undefined }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiErrorShape | null>(null)
  const evaluate = manifest.stages.evaluate
  const adapterPath = trainedAdapterPath(manifest)
  if (evaluate.status !== 'done') {
    return (
      <p className="muted" data-testid="customize-report-pending">
        The report appears when the evaluation stage has finished{adapterPath ? '' : ' (training comes first)'}.
      </p>
    )
  }
  const base: EvalFigures = evaluate.extra?.base ?? { all: null, userItems: null }
  const customized: EvalFigures = evaluate.extra?.customized ?? { all: null, userItems: null }
  const decision = evaluate.extra?.decision ?? null
  const active = !!adapterPath && model?.adapter?.path === adapterPath
  const headline = activationHeadline(decision, active)
  const sameStudent = model?.path === manifest.settings.studentModel
  const b = report?.base ?? null
  const c = report?.customized ?? null

  const activate = async () => {
    if (!adapterPath) return
    setBusy(true)
    setError(null)
    try {
      await getApi().model.setAdapter({ path: adapterPath })
    } catch (err) {
      setError(toErrorShape(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="cz-report" data-testid="customize-report">
      <div className={`cz-decision ${decision?.activate ? 'cz-decision--good' : 'cz-decision--neutral'}`} data-testid="customize-decision" data-activated={decision?.activated ?? false} data-active={active}>
        <div>
          <strong data-testid="activation-headline">{headline.text}</strong>
          <span className="muted"> — {decision?.reason ?? 'no decision recorded'}</span>
          {headline.note && <span className="muted"> ({headline.note})</span>}
        </div>
        <div className="cz-decision__actions">
          {active ? (
            <span className="chip chip--ok" data-testid="adapter-active">
              active on {fileName(model!.path)}
            </span>
          ) : adapterPath ? (
            <button
              type="button"
              className="btn btn--primary"
              onClick={() => void activate()}
              disabled={busy || !sameStudent}
              title={sameStudent ? `Apply ${fileName(adapterPath)} to the loaded student` : `Load ${fileName(manifest.settings.studentModel)} first: the adapter belongs to it`}
              data-testid="activate-adapter"
            >
              {busy ? 'Activating…' : 'Activate adapter'}
            </button>
          ) : null}
        </div>
      </div>
      {error && <ErrorPanel error={error} title="Could not activate the adapter" />}
      {report?.training && <TrainingLine facts={report.training} />}

      <table className="cz-table" data-testid="customize-accuracy">
        <caption className="dialog__section-title">Execution accuracy on the held-out eval split</caption>
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">Base</th>
            <th scope="col">Customized</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          <tr data-testid="accuracy-all">
            <th scope="row">All eval items{b ? ` (${b.totals.evaluated})` : ''}</th>
            <td>{pct(base.all)}</td>
            <td>{pct(customized.all)}</td>
            <td>
              <Delta a={base.all} b={customized.all} />
            </td>
          </tr>
          <tr>
            <th scope="row">Your own examples</th>
            <td>{pct(base.userItems)}</td>
            <td>{pct(customized.userItems)}</td>
            <td>
              <Delta a={base.userItems} b={customized.userItems} />
            </td>
          </tr>
          {HARDNESS.map((h) => {
            const x = acc(b, h)
            const y = acc(c, h)
            if (!x?.total && !y?.total) return null
            return (
              <tr key={h} data-testid="accuracy-hardness" data-hardness={h}>
                <th scope="row">
                  {h} <span className="muted small">({x?.total ?? y?.total})</span>
                </th>
                <td>{pct(x?.accuracy)}</td>
                <td>{pct(y?.accuracy)}</td>
                <td>
                  <Delta a={x?.accuracy} b={y?.accuracy} />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {report && (b || c) && (
        <p className="small muted" data-testid="customize-fixed-broken">
          {report.fixed} item{report.fixed === 1 ? '' : 's'} fixed by the adapter, {report.broken} broken.
        </p>
      )}

      {(b || c) && (
        <table className="cz-table" data-testid="customize-failures">
          <caption className="dialog__section-title">Failure modes (items)</caption>
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col">Base</th>
              <th scope="col">Customized</th>
            </tr>
          </thead>
          <tbody>
            {FAILURES.map((f) => (
              <tr key={f} data-testid="failure-row" data-failure={f}>
                <th scope="row">{f.replace(/_/g, ' ')}</th>
                <td>{b?.failures[f] ?? 0}</td>
                <td>{c?.failures[f] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adapterPath && (
        <p className="small muted">
          Adapter: <code className="cz-path">{adapterPath}</code>
        </p>
      )}
    </div>
  )
}

/** One line on how training went: where, how fast, how much memory, what packing saved. */
function TrainingLine({ facts }: { facts: TrainingFacts }) {
  const where = facts.device.name === 'CPU' ? `CPU, ${facts.device.threads} thread${facts.device.threads === 1 ? '' : 's'}` : `${facts.device.name} (${facts.device.description})`
  const saved = facts.tokens.computed > 0 ? facts.tokens.examples / facts.tokens.computed : 1
  return (
    <p className="muted small" data-testid="customize-training-facts">
      Trained {facts.steps} steps in {formatDuration(facts.seconds)} on {where}: {facts.examplesPerSecond.toFixed(2)} examples/s,{' '}
      {facts.completionTokensPerSecond.toFixed(1)} SQL tokens/s, {formatBytes(facts.peakRssBytes)} peak memory; the shared prompt packed {saved.toFixed(1)}× fewer positions
      {facts.skippedTooLong ? `; ${facts.skippedTooLong} examples too long for the context were left out` : ''}.
    </p>
  )
}

function formatDuration(seconds: number): string {
  return seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`
}
