import { BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js'
import { useMemo, useState } from 'react'
import { Bar, Line } from 'react-chartjs-2'
import { cellText } from '../../../shared/format'
import type { QueryResult } from '../../../shared/query'
import type { ResolvedTheme } from '../hooks/useTheme'
import { numericValue, type ChartPlan } from '../lib/chartable'
import { formatCount } from '../lib/format'

ChartJS.register(CategoryScale, LinearScale, BarElement, LineElement, PointElement, Tooltip, Legend)

const MAX_POINTS = 500
const PALETTE = ['#2f6fdf', '#e0803a', '#2f9e6a', '#b04fc2']

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/** A bar or line chart of a result's label column against its numeric columns. */
export function ResultChart({ result, plan, theme }: { result: QueryResult; plan: ChartPlan; theme: ResolvedTheme }) {
  const [kind, setKind] = useState<'bar' | 'line'>(plan.suggested)
  const rows = result.rows.slice(0, MAX_POINTS)

  const { data, options } = useMemo(() => {
    const text = cssVar('--text-muted')
    const grid = cssVar('--border')
    return {
      data: {
        labels: rows.map((r) => cellText(r[plan.labelColumn] ?? null)),
        datasets: plan.valueColumns.map((c, i) => ({
          label: result.columns[c]!.name,
          data: rows.map((r) => numericValue(r[c] ?? null)),
          backgroundColor: PALETTE[i % PALETTE.length],
          borderColor: PALETTE[i % PALETTE.length],
          borderWidth: kind === 'line' ? 2 : 0,
          pointRadius: rows.length > 60 ? 0 : 2,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false as const,
        plugins: { legend: { display: plan.valueColumns.length > 1, labels: { color: text } } },
        scales: {
          x: { ticks: { color: text, autoSkip: true, maxRotation: 50 }, grid: { color: grid } },
          y: { ticks: { color: text }, grid: { color: grid }, beginAtZero: true },
        },
      },
    }
    // theme: the colors come from CSS variables that change with it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [result, plan, kind, theme])

  return (
    <div className="result-chart" data-testid="result-chart">
      <div className="result-toolbar">
        <span className="result-status">
          {result.columns[plan.labelColumn]!.name} × {plan.valueColumns.map((c) => result.columns[c]!.name).join(', ')}
          {result.rows.length > MAX_POINTS ? ` · first ${formatCount(MAX_POINTS)} of ${formatCount(result.rows.length)} rows` : ''}
        </span>
        <span className="toolbar-spacer" />
        <div className="segmented" role="group" aria-label="Chart type">
          <button className={`segmented__btn${kind === 'bar' ? ' segmented__btn--on' : ''}`} aria-pressed={kind === 'bar'} onClick={() => setKind('bar')} data-testid="chart-bar">
            Bar
          </button>
          <button className={`segmented__btn${kind === 'line' ? ' segmented__btn--on' : ''}`} aria-pressed={kind === 'line'} onClick={() => setKind('line')} data-testid="chart-line">
            Line
          </button>
        </div>
      </div>
      <div className="result-chart__canvas" role="img" aria-label={`${kind} chart of ${result.columns[plan.valueColumns[0]!]!.name} by ${result.columns[plan.labelColumn]!.name}`}>
        {kind === 'bar' ? <Bar data={data} options={options} /> : <Line data={data} options={options} />}
      </div>
    </div>
  )
}
