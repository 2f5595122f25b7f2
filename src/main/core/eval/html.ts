// Self-contained HTML pages for a report and for a comparison: CSS, data and chart.js are all inline, so the
// file opens offline, can be mailed, and loads nothing from the network.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { RunComparison } from './compare'
import type { Distribution, EvalReport } from './report'
import { FAILURE_CLASSES, HARDNESS_LEVELS, type ItemRecord } from './types'

let chartJsSource: string | null | undefined

/** chart.js's UMD build from node_modules, or null when it is not installed (the page then shows tables only). */
export function loadChartJs(): string | null {
  if (chartJsSource !== undefined) return chartJsSource
  try {
    const entry = createRequire(import.meta.url).resolve('chart.js')
    chartJsSource = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8')
  } catch {
    chartJsSource = null
  }
  return chartJsSource
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

/** Keeps an inlined script from closing its own element. */
function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1')
}

const CSS = `
:root { color-scheme: light dark; --fg:#1d2330; --muted:#667085; --bg:#fff; --card:#f6f7f9; --line:#d9dde3; --ok:#1a7f37; --bad:#c93c37; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e8eb; --muted:#9aa3b2; --bg:#14171c; --card:#1c2027; --line:#2e343e; } }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0; padding: 24px; max-width: 1200px; margin-inline: auto; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.muted { color: var(--muted); }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 150px; }
.card .v { font-size: 24px; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 16px; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; height: 300px; position: relative; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { font-weight: 600; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; word-break: break-word; }
.ok { color: var(--ok); } .bad { color: var(--bad); }
.note { background: var(--card); border-left: 3px solid var(--muted); padding: 8px 12px; }
`

function pct(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1)}%`
}

function num(x: number | null, digits = 1): string {
  return x === null ? '—' : x.toFixed(digits)
}

function page(title: string, body: string, script: string, data: unknown): string {
  const chart = loadChartJs()
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sqlstill eval">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
${chart ? '' : '<p class="note">Charts are not available: chart.js was not found when this page was written.</p>'}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
${chart ? `<script>${inlineScript(chart)}</script>` : ''}
<script>${inlineScript(script)}</script>
</body>
</html>
`
}

const REPORT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  if (typeof Chart === 'undefined') return;
  var css = getComputedStyle(document.documentElement);
  Chart.defaults.color = css.getPropertyValue('--fg').trim() || '#333';
  // A report is read, printed and screenshotted, not watched: draw the final state at once.
  Chart.defaults.animation = false;
  var levels = data.hardnessLevels.filter(function (h) { return data.ex.byHardness[h].total > 0; });
  new Chart(document.getElementById('chart-hardness'), {
    type: 'bar',
    data: { labels: levels.concat(['overall']), datasets: [{ label: 'Execution accuracy (%)',
      data: levels.map(function (h) { return 100 * (data.ex.byHardness[h].accuracy || 0); }).concat([100 * (data.ex.overall.accuracy || 0)]),
      backgroundColor: '#4e79a7' }] },
    options: { maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } }
  });
  new Chart(document.getElementById('chart-failures'), {
    type: 'bar',
    data: { labels: data.failureClasses, datasets: [{ label: 'Items', data: data.failureClasses.map(function (c) { return data.failures[c]; }), backgroundColor: '#e15759' }] },
    options: { maintainAspectRatio: false, indexAxis: 'y' }
  });
  var h = data.latency.histogram;
  new Chart(document.getElementById('chart-latency'), {
    type: 'bar',
    data: { labels: h.counts.map(function (_, i) { return h.edges[i] + '–' + h.edges[i + 1]; }),
      datasets: [{ label: (h.metric === 'totalMs' ? 'Generation time' : 'Execution time') + ' (ms)', data: h.counts, backgroundColor: '#59a14f' }] },
    options: { maintainAspectRatio: false, scales: { x: { ticks: { autoSkip: true } } } }
  });
})();
`

/** Failing items shown in the page; the JSONL file has all of them. */
const MAX_LISTED_FAILURES = 300

export function renderReportHtml(report: EvalReport, records?: ItemRecord[]): string {
  const levels = [...HARDNESS_LEVELS, 'unknown' as const]
  const hardnessRows = levels
    .filter((h) => h !== 'unknown' || report.ex.byHardness.unknown.total > 0)
    .map((h) => {
      const a = report.ex.byHardness[h]
      return `<tr><td>${h}</td><td class="n">${a.correct}</td><td class="n">${a.total}</td><td class="n">${pct(a.accuracy)}</td></tr>`
    })
    .join('')
  const failureRows = FAILURE_CLASSES.map(
    (c) => `<tr><td>${c}</td><td class="n">${report.failures[c]}</td></tr>`,
  ).join('')
  const skipRows = Object.entries(report.skipReasons)
    .map(([reason, n]) => `<tr><td>${escapeHtml(reason)}</td><td class="n">${n}</td></tr>`)
    .join('')
  const latencyRow = (label: string, d: Distribution, digits: number): string =>
    `<tr><td>${label}</td><td class="n">${d.n}</td><td class="n">${num(d.p50, digits)}</td><td class="n">${num(d.p90, digits)}</td><td class="n">${num(d.mean, digits)}</td></tr>`
  const failing = (records ?? []).filter((r) => r.verdict !== 'ok' && r.verdict !== 'skipped')
  const failingRows = failing
    .slice(0, MAX_LISTED_FAILURES)
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.db_id)}</td><td>${r.hardness}</td><td class="bad">${r.verdict}</td><td>${escapeHtml(r.question)}<br><code>gold: ${escapeHtml(r.gold)}</code><br><code>pred: ${escapeHtml(r.pred ?? '(none)')}</code>${r.detail ? `<br><span class="muted">${escapeHtml(r.detail)}</span>` : ''}</td></tr>`,
    )
    .join('')

  const body = `
<h1>Evaluation: ${escapeHtml(report.source)}</h1>
<div class="muted">Predictor ${escapeHtml(report.predictor)} · ${escapeHtml(report.createdAt)} · timeout ${report.options.timeoutMs} ms per query${report.options.limit !== undefined ? ` · limit ${report.options.limit}` : ''}${report.options.dbFilter ? ` · databases ${escapeHtml(report.options.dbFilter.join(', '))}` : ''}</div>
<div class="cards">
  <div class="card"><div class="muted">Execution accuracy</div><div class="v" id="ex-overall">${pct(report.ex.overall.accuracy)}</div></div>
  <div class="card"><div class="muted">Correct / evaluated</div><div class="v">${report.totals.correct} / ${report.totals.evaluated}</div></div>
  <div class="card"><div class="muted">Skipped</div><div class="v">${report.totals.skipped}</div></div>
  <div class="card"><div class="muted">Items</div><div class="v">${report.totals.items}</div></div>
</div>
<div class="grid">
  <div class="chart"><canvas id="chart-hardness" aria-label="Accuracy by hardness"></canvas></div>
  <div class="chart"><canvas id="chart-failures" aria-label="Failure modes"></canvas></div>
  <div class="chart"><canvas id="chart-latency" aria-label="Latency histogram"></canvas></div>
</div>
<h2>Accuracy by hardness</h2>
<table id="table-hardness"><thead><tr><th>Hardness</th><th class="n">Correct</th><th class="n">Evaluated</th><th class="n">EX</th></tr></thead><tbody>${hardnessRows}
<tr><th>overall</th><th class="n">${report.ex.overall.correct}</th><th class="n">${report.ex.overall.total}</th><th class="n">${pct(report.ex.overall.accuracy)}</th></tr></tbody></table>
<h2>Failure modes</h2>
<table id="table-failures"><thead><tr><th>Class</th><th class="n">Items</th></tr></thead><tbody>${failureRows}</tbody></table>
${skipRows ? `<h2>Skipped</h2><table id="table-skipped"><thead><tr><th>Reason</th><th class="n">Items</th></tr></thead><tbody>${skipRows}</tbody></table>` : ''}
<h2>Latency</h2>
<table id="table-latency"><thead><tr><th>Measure</th><th class="n">n</th><th class="n">p50</th><th class="n">p90</th><th class="n">mean</th></tr></thead><tbody>
${latencyRow('Time to first token (ms)', report.latency.ttftMs, 1)}
${latencyRow('Generation time (ms)', report.latency.totalMs, 1)}
${latencyRow('Tokens per second', report.latency.tokensPerSecond, 1)}
${latencyRow('Prompt tokens', report.latency.promptTokens, 0)}
${latencyRow('Execution, gold + prediction (ms)', report.latency.execMs, 1)}
</tbody></table>
${
  records
    ? `<h2>Failing items${failing.length > MAX_LISTED_FAILURES ? ` (first ${MAX_LISTED_FAILURES} of ${failing.length})` : ''}</h2>
${failing.length ? `<table id="table-items"><thead><tr><th>Id</th><th>Database</th><th>Hardness</th><th>Verdict</th><th>Question / SQL</th></tr></thead><tbody>${failingRows}</tbody></table>` : '<p class="ok">Every evaluated item is correct.</p>'}`
    : ''
}
<p class="muted">Per-item results: ${escapeHtml(report.itemsFile)}</p>`

  const data = {
    ex: report.ex,
    failures: report.failures,
    latency: report.latency,
    hardnessLevels: levels,
    failureClasses: FAILURE_CLASSES,
  }
  return page(`sqlstill eval — ${report.source}`, body, REPORT_SCRIPT, data)
}

const COMPARE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  if (typeof Chart === 'undefined') return;
  var css = getComputedStyle(document.documentElement);
  Chart.defaults.color = css.getPropertyValue('--fg').trim() || '#333';
  // A report is read, printed and screenshotted, not watched: draw the final state at once.
  Chart.defaults.animation = false;
  var levels = data.levels.filter(function (h) { return data.byHardness[h].a.total > 0 || data.byHardness[h].b.total > 0; });
  var labels = levels.concat(['overall']);
  function series(side) { return levels.map(function (h) { return 100 * (data.byHardness[h][side].accuracy || 0); }).concat([100 * (data.overall[side].accuracy || 0)]); }
  new Chart(document.getElementById('chart-compare'), {
    type: 'bar',
    data: { labels: labels, datasets: [
      { label: 'A (%)', data: series('a'), backgroundColor: '#9c9c9c' },
      { label: 'B (%)', data: series('b'), backgroundColor: '#4e79a7' }] },
    options: { maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } }
  });
})();
`

export function renderComparisonHtml(cmp: RunComparison): string {
  const levels = [...HARDNESS_LEVELS, 'unknown' as const]
  const signed = (d: number | null): string =>
    d === null ? '—' : `<span class="${d > 0 ? 'ok' : d < 0 ? 'bad' : ''}">${d > 0 ? '+' : ''}${(d * 100).toFixed(1)} pts</span>`
  const row = (label: string, d: RunComparison['overall']): string =>
    `<tr><td>${label}</td><td class="n">${pct(d.a.accuracy)} (${d.a.correct}/${d.a.total})</td><td class="n">${pct(d.b.accuracy)} (${d.b.correct}/${d.b.total})</td><td class="n">${signed(d.delta)}</td></tr>`
  const itemRows = (items: RunComparison['fixed']): string =>
    items
      .map(
        (i) =>
          `<tr><td>${escapeHtml(i.id)}</td><td>${escapeHtml(i.db_id)}</td><td>${i.hardness}</td><td>${i.verdictA}</td><td>${i.verdictB}</td></tr>`,
      )
      .join('')
  const itemTable = (id: string, items: RunComparison['fixed']): string =>
    items.length
      ? `<table id="${id}"><thead><tr><th>Id</th><th>Database</th><th>Hardness</th><th>A</th><th>B</th></tr></thead><tbody>${itemRows(items)}</tbody></table>`
      : '<p class="muted">None.</p>'
  const body = `
<h1>Evaluation comparison</h1>
<div class="muted">A: ${escapeHtml(cmp.a.predictor)} on ${escapeHtml(cmp.a.source)} (${escapeHtml(cmp.a.createdAt)})<br>
B: ${escapeHtml(cmp.b.predictor)} on ${escapeHtml(cmp.b.source)} (${escapeHtml(cmp.b.createdAt)})</div>
<div class="cards">
  <div class="card"><div class="muted">EX change</div><div class="v" id="ex-delta">${signed(cmp.overall.delta)}</div></div>
  <div class="card"><div class="muted">Fixed</div><div class="v ok">${cmp.fixed.length}</div></div>
  <div class="card"><div class="muted">Broken</div><div class="v bad">${cmp.broken.length}</div></div>
  <div class="card"><div class="muted">Compared items</div><div class="v">${cmp.common}</div></div>
</div>
<div class="chart"><canvas id="chart-compare" aria-label="Accuracy A vs B"></canvas></div>
<h2>Execution accuracy</h2>
<table id="table-compare"><thead><tr><th>Hardness</th><th class="n">A</th><th class="n">B</th><th class="n">Δ</th></tr></thead><tbody>
${levels.filter((h) => cmp.byHardness[h].a.total + cmp.byHardness[h].b.total > 0).map((h) => row(h, cmp.byHardness[h])).join('')}
${row('overall', cmp.overall)}
</tbody></table>
${cmp.onlyInA || cmp.onlyInB ? `<p class="note">${cmp.onlyInA} items only in A and ${cmp.onlyInB} only in B are not compared item by item.</p>` : ''}
<h2>Fixed (wrong in A, right in B)</h2>
${itemTable('table-fixed', cmp.fixed)}
<h2>Broken (right in A, wrong in B)</h2>
${itemTable('table-broken', cmp.broken)}`
  return page('sqlstill eval — comparison', body, COMPARE_SCRIPT, {
    overall: cmp.overall,
    byHardness: cmp.byHardness,
    levels,
  })
}
