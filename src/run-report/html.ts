/**
 * The run report as one self-contained HTML page: a histogram per metric (inline SVG), budgets, and a row per test
 * with its figures and links to its failure recordings. No scripts, no external assets: it opens from disk.
 */
import { relative, sep } from 'node:path'
import type { BudgetResult } from './budgets.js'
import type { VoiceReport } from './model.js'
import type { MetricSummary, VoiceReportSummary } from './report.js'
import { formatBudget, formatValue, testLabels } from './table.js'

export interface VoiceReportHtmlOptions {
  /** Where the page is written: links to recordings are relative to it. */
  outputDir: string
  title?: string
}

export function renderVoiceReportHtml(
  report: VoiceReport,
  summary: VoiceReportSummary,
  budgets: readonly BudgetResult[],
  options: VoiceReportHtmlOptions,
): string {
  const title = options.title ?? 'Voice report'
  const labels = testLabels(summary)
  const failedBudgets = budgets.filter((b) => !b.pass).length
  const parts: string[] = []
  parts.push(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="overview">${summary.runs} run${summary.runs === 1 ? '' : 's'} · ${summary.tests.length} test${summary.tests.length === 1 ? '' : 's'} · ${summary.attempts} attempt${summary.attempts === 1 ? '' : 's'}${summary.failedAttempts ? ` (<span class="failed">${summary.failedAttempts} failed</span>)` : ''} · ${summary.turns} turn${summary.turns === 1 ? '' : 's'}</p>
</header>`)
  if (budgets.length) {
    parts.push(`<section id="budgets" class="${failedBudgets ? 'exceeded' : 'met'}">
<h2>Budgets: ${failedBudgets ? `${failedBudgets} exceeded` : 'all met'}</h2>
<ul>
${budgets.map((b) => `<li class="budget ${b.pass ? 'pass' : 'fail'}" data-metric="${esc(b.metric)}" data-stat="${esc(b.stat)}">${esc(formatBudget(b))}</li>`).join('\n')}
</ul>
</section>`)
  }
  parts.push('<section id="histograms">\n<h2>Distributions</h2>')
  if (summary.metrics.length === 0) parts.push('<p>No voice measurements: no test used an agent fixture.</p>')
  for (const m of summary.metrics) parts.push(histogramFigure(m))
  for (const v of summary.verdicts) {
    parts.push(`<p class="verdicts" data-kind="${esc(v.kind)}">${esc(v.kind)}: ${v.passed} of ${v.total} verdict${v.total === 1 ? '' : 's'} passed</p>`)
  }
  parts.push('</section>')
  parts.push(testsTable(summary, labels, options.outputDir))
  parts.push(`<section id="runs">
<h2>Runs</h2>
<table class="runs">
<thead><tr><th>run</th><th>runner</th><th>started</th><th>duration</th></tr></thead>
<tbody>
${report.runs.map((r) => `<tr class="run"><td>${esc(r.id)}</td><td>${esc(r.runner)}</td><td>${esc(r.startedAt)}</td><td class="num">${(r.durationMs / 1000).toFixed(1)} s</td></tr>`).join('\n')}
</tbody>
</table>
</section>
<footer>Made by expect-voice. Latencies are measured from the end of each user turn; percentiles by nearest rank.</footer>
</body>
</html>
`)
  return parts.join('\n')
}

function testsTable(summary: VoiceReportSummary, labels: Map<string, string>, outputDir: string): string {
  const metrics = summary.metrics
  const head = metrics
    .map((m) => `<th class="num" title="p50 / p95 / max">${esc(m.label)}${m.unit ? ` (${esc(m.unit)})` : ''}<br><small>p50 / p95 / max</small></th>`)
    .join('')
  const verdictHead = summary.verdicts.map((v) => `<th class="num">${esc(v.kind)}</th>`).join('')
  const rows = summary.tests.map((t) => {
    const cells = metrics
      .map((m) => {
        const s = m.tests.find((x) => x.id === t.id)?.summary
        return `<td class="num" data-metric="${esc(m.metric)}">${s ? `${formatValue(s.p50, m.unit)} / ${formatValue(s.p95, m.unit)} / ${formatValue(s.max, m.unit)}` : '—'}</td>`
      })
      .join('')
    const verdictCells = summary.verdicts
      .map((v) => {
        const x = v.tests.find((y) => y.id === t.id)
        if (!x) return '<td class="num">—</td>'
        const why = x.failures.map((f) => [f.criteria, f.reason].filter(Boolean).join(': ')).filter(Boolean)
        return `<td class="num${x.passed < x.total ? ' failed' : ''}"${why.length ? ` title="${esc(why.join('\n'))}"` : ''}>${x.passed} / ${x.total}</td>`
      })
      .join('')
    const links = t.recordings
      .slice(0, 10)
      .map(
        (r, i) =>
          `<span class="recording">${t.recordings.length > 1 ? `${i + 1}: ` : ''}<a href="${esc(link(outputDir, r.wav))}">WAV</a> · <a href="${esc(link(outputDir, r.timeline))}">timeline</a></span>`,
      )
      .join('<br>')
    return `<tr class="test${t.failed ? ' has-failures' : ''}" data-test-id="${esc(t.id)}">
<td class="name">${esc(labels.get(t.id) ?? t.name)}<br><small>${esc(t.file)}</small></td>
<td class="num">${t.attempts - t.failed} / ${t.attempts}${t.failed ? ` <span class="failed">(${t.failed} failed)</span>` : ''}</td>
<td class="num">${t.turns}</td>${cells}${verdictCells}
<td class="recordings">${links || '—'}</td>
</tr>`
  })
  return `<section id="tests">
<h2>Tests</h2>
<table class="tests">
<thead><tr><th>test</th><th class="num">passed</th><th class="num">turns</th>${head}${verdictHead}<th>failure recordings</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`
}

/** A link from the page to a file: relative when the file is on the same drive, as a URL path. */
function link(outputDir: string, file: string): string {
  const rel = relative(outputDir, file)
  const path = (rel && !/^[A-Za-z]:/.test(rel) ? rel : file).split(sep).join('/')
  return encodeURI(path).replace(/#/g, '%23').replace(/\?/g, '%3F')
}

const W = 640
const H = 220
const PAD = { left: 44, right: 16, top: 28, bottom: 40 }

/** A histogram of every value of a metric, with the p50 and p95 marked. */
export function histogramSvg(m: MetricSummary): string {
  const values = m.values
  const lo = Math.min(0, m.overall.min)
  // Whole milliseconds at least (finer bins only show timer noise); at least 10 bins, so one value is not one wide bar.
  const minStep = m.unit === 'ms' ? 1 : 0.01
  const step = Math.max(minStep, niceStep((m.overall.max - lo) / 20 || minStep))
  const bins = Math.max(10, Math.floor((m.overall.max - lo) / step) + 1)
  const counts = new Array<number>(bins).fill(0)
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / step))]!++
  const top = Math.max(...counts)
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const x = (v: number) => PAD.left + ((v - lo) / (bins * step)) * plotW
  const y = (c: number) => PAD.top + plotH - (c / top) * plotH
  const barW = plotW / bins
  const unit = m.unit ? ` ${m.unit}` : ''
  const bars = counts
    .map((c, i) =>
      c === 0
        ? ''
        : `<rect class="bar" x="${fx(PAD.left + i * barW + 1)}" y="${fx(y(c))}" width="${fx(Math.max(1, barW - 2))}" height="${fx(PAD.top + plotH - y(c))}"><title>${esc(
            `${formatValue(lo + i * step, m.unit)}–${formatValue(lo + (i + 1) * step, m.unit)}${unit}: ${c}`,
          )}</title></rect>`,
    )
    .join('')
  const tickEvery = Math.ceil(bins / 8)
  const ticks: string[] = []
  for (let i = 0; i <= bins; i += tickEvery) {
    ticks.push(
      `<text class="tick" x="${fx(x(lo + i * step))}" y="${H - PAD.bottom + 16}" text-anchor="middle">${esc(m.unit === 'ms' ? formatValue(lo + i * step, m.unit) : String(Number((lo + i * step).toFixed(2))))}</text>`,
    )
  }
  // Labels go right of their line, or left of it near the right edge, so they stay inside the picture.
  const marker = (name: string, v: number, dy: number) => {
    const left = x(v) > W - PAD.right - 90
    return (
      `<line class="marker ${name}" x1="${fx(x(v))}" x2="${fx(x(v))}" y1="${PAD.top - 4}" y2="${PAD.top + plotH}"/>` +
      `<text class="marker-label ${name}" x="${fx(left ? x(v) - 4 : x(v) + 4)}" y="${PAD.top - 8 + dy}"${left ? ' text-anchor="end"' : ''}>${name} ${esc(formatValue(v, m.unit))}${esc(unit)}</text>`
    )
  }
  return (
    `<svg class="histogram" data-metric="${esc(m.metric)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(`${m.label}: histogram of ${m.overall.n} values`)}">` +
    `<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}"/>` +
    `<text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${top}</text>` +
    `<text class="tick" x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end">0</text>` +
    bars +
    ticks.join('') +
    marker('p50', m.overall.p50, 0) +
    marker('p95', m.overall.p95, 12) +
    `<text class="axis-label" x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle">${esc(m.label)}${esc(unit ? ` (${m.unit})` : '')}</text>` +
    '</svg>'
  )
}

function histogramFigure(m: MetricSummary): string {
  const s = m.overall
  const unit = m.unit ? ` ${m.unit}` : ''
  const f = (v: number) => `${formatValue(v, m.unit)}${unit}`
  return `<figure class="metric" data-metric="${esc(m.metric)}">
${histogramSvg(m)}
<figcaption><strong>${esc(m.label)}</strong>: n ${s.n} · p50 ${esc(f(s.p50))} · p95 ${esc(f(s.p95))} · p99 ${esc(f(s.p99))} · max ${esc(f(s.max))}</figcaption>
</figure>`
}

/** 1, 2 or 5 × a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power
  return 10 * power
}

const fx = (n: number) => (Math.round(n * 10) / 10).toString()

function esc(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

const STYLE = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2433; background: #fff; }
body { margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; }
.overview { color: #4a5468; margin: 0; }
.failed { color: #b3261e; }
#budgets ul { list-style: none; padding: 0; margin: 0; }
.budget { padding: 4px 8px; border-radius: 4px; margin: 2px 0; font-family: ui-monospace, monospace; font-size: 0.9rem; }
.budget.pass { background: #e7f5ea; }
.budget.fail { background: #fdecea; color: #8c1d18; }
figure.metric { margin: 8px 0 16px; }
figcaption { font-size: 0.9rem; color: #4a5468; }
svg.histogram { max-width: 100%; height: auto; background: #fafbfc; border: 1px solid #e3e6ec; border-radius: 4px; }
svg .bar { fill: #4f7cc9; }
svg .axis { stroke: #8a93a6; stroke-width: 1; }
svg .tick, svg .axis-label, svg .marker-label { font: 11px system-ui, sans-serif; fill: #4a5468; }
svg .marker { stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .marker.p50 { stroke: #2e7d32; }
svg .marker.p95 { stroke: #c62828; }
svg .marker-label.p50 { fill: #2e7d32; }
svg .marker-label.p95 { fill: #c62828; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td small, th small { color: #6b7488; font-weight: normal; }
td.name { min-width: 16em; }
tr.has-failures td.name { border-left: 3px solid #b3261e; }
footer { margin: 32px 0 8px; color: #6b7488; font-size: 0.8rem; }
`
