/**
 * Outcomes of calls that must end (resolve or reject) within a bound: a call still pending at `capMs` is a hang,
 * reported as such instead of running into the test timeout.
 */
import { performance } from 'node:perf_hooks'

export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number }

export class HangError extends Error {
  override name = 'HangError'
}

/** Awaits `promise`, measuring how long it took; fails with HangError when it is still pending after `capMs`. */
export async function settle<T>(promise: Promise<T>, capMs: number): Promise<Outcome<T>> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`still pending after ${capMs} ms: a hang`)), capMs)
  })
  try {
    const value = await Promise.race([promise, cap])
    return { ok: true, value, ms: performance.now() - started }
  } catch (error) {
    if (error instanceof HangError) throw error
    return { ok: false, error, ms: performance.now() - started }
  } finally {
    clearTimeout(timer)
  }
}

/** The rejection of `promise` (which must reject within `capMs`), with the time it took. */
export async function rejectionOf(promise: Promise<unknown>, capMs: number): Promise<{ error: Error; ms: number }> {
  const outcome = await settle(promise, capMs)
  if (outcome.ok) throw new Error(`expected a rejection, but it resolved with ${String(outcome.value)}`)
  return { error: outcome.error as Error, ms: outcome.ms }
}

/** Largest time to an outcome per area, collected by the hardening tests and printed with HARDENING_REPORT=1. */
export const timings = new Map<string, { ms: number; boundMs: number }>()

export function recordTiming(name: string, ms: number, boundMs: number): void {
  timings.set(name, { ms, boundMs })
}

export function printTimings(title: string): void {
  if (!process.env.HARDENING_REPORT || timings.size === 0) return
  const rows = [...timings].map(([name, t]) => `  ${t.ms.toFixed(0).padStart(6)} ms of ${String(t.boundMs).padStart(6)} ms  ${name}`)
  console.log(`${title}\n${rows.join('\n')}`)
}
