/** The run report as a compact terminal table: per test and overall, n / p50 / p95 / p99 / max of each metric. */
import type { BudgetResult } from './budgets.js'
import type { MetricSummary, VoiceReportSummary } from './report.js'

export interface VoiceReportTableOptions {
  /** Rows per metric (the slowest tests by p95 first); the rest are counted. Default 20. */
  maxTests?: number
  /** Test names are cut to this many characters. Default 48. */
  nameWidth?: number
}

/** A value of a metric as the table and the page print it: whole ms, WER with two decimals. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—'
  if (unit === 'ms') return String(Math.round(value))
  if (Math.abs(value) >= 100) return String(Math.round(value))
  return String(Number(value.toFixed(Math.abs(value) >= 10 ? 1 : 2)))
}

/** Names the table and page use for tests: the test's name, with its file when two tests share a name. */
export function testLabels(summary: VoiceReportSummary): Map<string, string> {
  const counts = new Map<string, number>()
  for (const t of summary.tests) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
  return new Map(summary.tests.map((t) => [t.id, (counts.get(t.name) ?? 0) > 1 ? t.id : t.name]))
}

export function formatVoiceReportTable(summary: VoiceReportSummary, budgets: readonly BudgetResult[] = [], options: VoiceReportTableOptions = {}): string {
  const maxTests = options.maxTests ?? 20
  const nameWidth = options.nameWidth ?? 48
  const labels = testLabels(summary)
  const lines: string[] = []
  lines.push(
    `Voice report: ${plural(summary.runs, 'run')}, ${plural(summary.tests.length, 'test')} ` +
      `(${plural(summary.attempts, 'attempt')}${summary.failedAttempts ? `, ${summary.failedAttempts} failed` : ''}), ${plural(summary.turns, 'turn')}`,
  )
  if (summary.metrics.length === 0 && summary.verdicts.length === 0) lines.push('', 'No voice measurements: no test used an agent fixture.')
  // One name column for every metric, so the tables line up.
  const width = Math.max(
    'all tests'.length + 2,
    ...summary.metrics.map((m) => heading(m).length),
    ...summary.metrics.flatMap((m) => m.tests.map((t) => cut(labels.get(t.id) ?? t.id, nameWidth).length + 2)),
  )
  for (const m of summary.metrics) lines.push('', ...metricRows(m, labels, maxTests, nameWidth, width))
  for (const v of summary.verdicts) lines.push('', `${v.kind}: ${v.passed} of ${v.total} verdict${v.total === 1 ? '' : 's'} passed`)
  if (budgets.length) {
    lines.push('', 'Budgets:')
    for (const b of budgets) lines.push(`  ${formatBudget(b)}`)
  }
  return lines.join('\n')
}

/** `✓ firstSpeech p95 ≤ 1200 ms: 845 ms (over 12 values)` */
export function formatBudget(b: BudgetResult): string {
  const unit = b.unit ? ` ${b.unit}` : ''
  const op = b.stat === 'passRate' ? '≥' : '≤'
  const actual = b.actual === null ? 'not measured' : `${formatValue(b.actual, b.unit)}${unit}`
  const over = b.actual !== null && !b.pass && b.stat !== 'passRate' ? `, ${formatValue(b.actual - b.limit, b.unit)}${unit} over` : ''
  const mark = b.actual === null && b.pass ? '–' : b.pass ? '✓' : '✗'
  return `${mark} ${b.metric} ${b.stat} ${op} ${formatValue(b.limit, b.unit)}${unit}: ${actual} (${b.detail}${over})`
}

function heading(m: MetricSummary): string {
  return `${m.label}${m.unit ? `, ${m.unit}` : ''}`
}

function metricRows(m: MetricSummary, labels: Map<string, string>, maxTests: number, nameWidth: number, width: number): string[] {
  const rows = [...m.tests].sort((a, b) => b.summary.p95 - a.summary.p95)
  const shown = rows.slice(0, maxTests)
  const names = shown.map((r) => cut(labels.get(r.id) ?? r.id, nameWidth))
  const cells = (s: { n: number; p50: number; p95: number; p99: number; max: number }) =>
    [String(s.n).padStart(5), ...[s.p50, s.p95, s.p99, s.max].map((v) => formatValue(v, m.unit).padStart(7))].join(' ')
  const out = [`${heading(m).padEnd(width)} ${'n'.padStart(5)} ${['p50', 'p95', 'p99', 'max'].map((h) => h.padStart(7)).join(' ')}`]
  for (const [i, r] of shown.entries()) out.push(`  ${names[i]!.padEnd(width - 2)} ${cells(r.summary)}`)
  if (rows.length > shown.length) out.push(`  … ${plural(rows.length - shown.length, 'more test')}`)
  out.push(`  ${'all tests'.padEnd(width - 2)} ${cells(m.overall)}`)
  return out
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
