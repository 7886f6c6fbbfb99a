/** Budgets for a whole run: limits on the overall percentiles of a metric, or on a verdict kind's pass rate. */
import { InvalidOptionError } from '../errors/index.js'
import type { VoiceReportSummary } from './report.js'

/** Limits on one numeric metric, over every turn of the run (`firstAudio`, `firstSpeech`, `interruptStop`, `wer`, …). */
export interface MetricBudget {
  p50?: number
  p95?: number
  p99?: number
  max?: number
  mean?: number
}

/** Least share of passing verdicts of one kind (`judge`), 0…1. */
export interface VerdictBudget {
  passRate: number
}

/**
 * Budgets by metric name: `{ firstSpeech: { p95: 1200 }, wer: { max: 0.2 }, judge: { passRate: 0.9 } }`. Numeric
 * metrics in ms (`wer` as a ratio, custom metrics in their own unit).
 */
export type VoiceBudgets = Record<string, MetricBudget | VerdictBudget>

const STATS = ['p50', 'p95', 'p99', 'max', 'mean'] as const

/** Checks `budgets` and returns them (frozen): a typo fails when the config loads, not after the run. */
export function voiceBudgets(budgets: VoiceBudgets): Readonly<VoiceBudgets> {
  if (budgets === null || typeof budgets !== 'object' || Array.isArray(budgets)) {
    throw new InvalidOptionError(`voiceBudgets: expected an object such as { firstSpeech: { p95: 1200 } }, got ${budgets === null ? 'null' : typeof budgets}`)
  }
  const out: VoiceBudgets = {}
  for (const [metric, budget] of Object.entries(budgets)) {
    if (budget === null || typeof budget !== 'object') {
      throw new InvalidOptionError(`voiceBudgets: budget "${metric}" must be an object such as { p95: 1200 }, got ${budget === null ? 'null' : typeof budget}`)
    }
    const keys = Object.keys(budget)
    if (keys.length === 0) throw new InvalidOptionError(`voiceBudgets: budget "${metric}" sets no limit (use ${STATS.join(', ')} or passRate)`)
    if ('passRate' in budget) {
      const rate = (budget as VerdictBudget).passRate
      if (keys.length > 1)
        throw new InvalidOptionError(`voiceBudgets: budget "${metric}": passRate cannot be combined with ${keys.filter((k) => k !== 'passRate').join(', ')}`)
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
        throw new InvalidOptionError(`voiceBudgets: budget "${metric}.passRate" must be a number in [0, 1], got ${String(rate)}`)
      }
      out[metric] = Object.freeze({ passRate: rate })
      continue
    }
    const checked: MetricBudget = {}
    for (const key of keys) {
      if (!(STATS as readonly string[]).includes(key)) {
        throw new InvalidOptionError(`voiceBudgets: budget "${metric}" has an unknown limit "${key}" (use ${STATS.join(', ')} or passRate)`)
      }
      const limit = (budget as Record<string, unknown>)[key]
      if (typeof limit !== 'number' || !Number.isFinite(limit) || limit < 0) {
        throw new InvalidOptionError(`voiceBudgets: budget "${metric}.${key}" must be a non-negative number, got ${String(limit)}`)
      }
      checked[key as (typeof STATS)[number]] = limit
    }
    out[metric] = Object.freeze(checked)
  }
  return Object.freeze(out)
}

export interface BudgetResult {
  metric: string
  /** `p95`, `max`, …, or `passRate`. */
  stat: string
  limit: number
  /** What the run measured; `null` when it measured nothing for this metric. */
  actual: number | null
  unit: string
  pass: boolean
  /** Why it failed, or what it was checked against. */
  detail: string
}

/**
 * Every limit of `budgets` checked against the run's overall figures. A metric the run measured nothing of fails
 * (a misspelt metric, or a run that never reached it), unless the run had no voice tests at all.
 */
export function checkVoiceBudgets(summary: VoiceReportSummary, budgets: Readonly<VoiceBudgets> | undefined): BudgetResult[] {
  if (!budgets) return []
  const checked = voiceBudgets(budgets as VoiceBudgets)
  const results: BudgetResult[] = []
  const known = [...summary.metrics.map((m) => m.metric), ...summary.verdicts.map((v) => v.kind)]
  for (const [metric, budget] of Object.entries(checked)) {
    if ('passRate' in budget) {
      const v = summary.verdicts.find((x) => x.kind === metric)
      const actual = v && v.total > 0 ? v.passed / v.total : null
      results.push({
        metric,
        stat: 'passRate',
        limit: budget.passRate,
        actual,
        unit: '',
        pass: actual !== null ? actual >= budget.passRate : summary.attempts === 0,
        detail: actual !== null ? `${v!.passed} of ${v!.total} verdicts passed` : noValues(metric, known, summary),
      })
      continue
    }
    const m = summary.metrics.find((x) => x.metric === metric)
    for (const [stat, limit] of Object.entries(budget) as Array<[keyof typeof budget, number]>) {
      const actual = m ? m.overall[stat] : null
      results.push({
        metric,
        stat,
        limit,
        actual,
        unit: m?.unit ?? (['firstAudio', 'firstSpeech', 'interruptStop'].includes(metric) ? 'ms' : ''),
        pass: actual !== null ? actual <= limit : summary.attempts === 0,
        detail: m ? `over ${m.overall.n} value${m.overall.n === 1 ? '' : 's'}` : noValues(metric, known, summary),
      })
    }
  }
  return results
}

function noValues(metric: string, known: string[], summary: VoiceReportSummary): string {
  if (summary.attempts === 0) return 'no voice tests ran: not checked'
  return `nothing measured for "${metric}" in ${summary.attempts} test attempt${summary.attempts === 1 ? '' : 's'}${known.length ? ` (measured: ${known.join(', ')})` : ''}`
}
