import { CategoryScale, Chart as ChartJS, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js'
import { useMemo } from 'react'
import { Line } from 'react-chartjs-2'
import type { LossPoint } from '../../../../shared/customize'

ChartJS.register(CategoryScale, LinearScale, LineElement, PointElement, Tooltip, Legend)

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/** Training loss per optimizer step, with the eval loss where the trainer measured one. */
export function LossChart({ points, theme }: { points: LossPoint[]; theme: string }) {
  const evalPoints = points.filter((p) => p.evalLoss !== undefined)
  const { data, options } = useMemo(() => {
    const text = cssVar('--text-muted')
    const grid = cssVar('--border')
    return {
      data: {
        datasets: [
          {
            label: 'train loss',
            data: points.map((p) => ({ x: p.step, y: p.loss })),
            borderColor: '#2f6fdf',
            backgroundColor: '#2f6fdf',
            borderWidth: 2,
            pointRadius: points.length > 60 ? 0 : 2,
          },
          ...(evalPoints.length
            ? [
                {
                  label: 'eval loss',
                  data: evalPoints.map((p) => ({ x: p.step, y: p.evalLoss! })),
                  borderColor: '#e0803a',
                  backgroundColor: '#e0803a',
                  borderWidth: 2,
                  pointRadius: 3,
                },
              ]
            : []),
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false as const,
        parsing: false as const,
        plugins: { legend: { labels: { color: text, boxWidth: 12 } } },
        scales: {
          x: { type: 'linear' as const, title: { display: true, text: 'step', color: text }, ticks: { color: text, precision: 0 }, grid: { color: grid } },
          y: { title: { display: true, text: 'loss', color: text }, ticks: { color: text }, grid: { color: grid } },
        },
      },
    }
    // theme: the colors come from CSS variables that change with it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [points, theme])

  return (
    <div
      className="loss-chart"
      data-testid="loss-chart"
      data-points={points.length}
      data-eval-points={evalPoints.length}
      role="img"
      aria-label={points.length ? `Loss chart: ${points.length} steps, last loss ${points.at(-1)!.loss.toFixed(3)}` : 'Loss chart: no steps yet'}
    >
      {points.length === 0 ? <div className="loss-chart__empty muted">The loss curve appears once training takes its first step.</div> : <Line data={data} options={options} />}
    </div>
  )
}
