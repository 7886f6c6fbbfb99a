/**
 * Percentiles and summaries of measured values. One definition for the matchers (`toRespondWithin` with
 * `percentile`) and the run report, so a p95 in a failure message and a p95 in the report mean the same thing.
 *
 * Percentiles are by nearest rank: the p-th percentile of n values is the ⌈p/100 · n⌉-th smallest. It is always a
 * value that was measured (no interpolation between two turns), and with few values it is conservative: with fewer
 * than 20 values, p95 is the largest one.
 */

/** The rank (1-based, in ascending order) of the p-th percentile of `n` values by nearest rank. */
export function percentileRank(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n)))
}

/** The p-th percentile (0 < p ≤ 100) of `values` by nearest rank; `null` for no values. `Infinity` sorts last. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[percentileRank(p, sorted.length) - 1]!
}

export interface ValueSummary {
  n: number
  p50: number
  p95: number
  p99: number
  max: number
  min: number
  mean: number
}

/** n, p50, p95, p99, max (and min, mean) of `values`; `null` for no values. */
export function summarize(values: readonly number[]): ValueSummary | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number) => sorted[percentileRank(p, sorted.length) - 1]!
  return {
    n: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted[sorted.length - 1]!,
    min: sorted[0]!,
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
  }
}
