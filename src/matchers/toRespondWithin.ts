import { performance } from 'node:perf_hooks'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { InvalidOptionError } from '../errors.js'
import { hint, ms, type MatcherContext, type MatcherResult } from './context.js'
import { drive, latestTurn, observe } from './observe.js'
import { trackPending } from './pending.js'
import { describeTimings, notAnAdapter, resolveTimeout } from './shared.js'

export interface ToRespondWithinOptions {
  /** How long to wait for the first audio at all, in ms. Default: the global matcher timeout (15 s). */
  timeout?: number
  /** What ends the latency: the first audio delta (default). */
  measure?: 'first-audio'
}

/**
 * Passes when the first audio of the response to the latest user turn arrived within `maxMs` of the end of that
 * turn (the commit / `response.create`).
 */
export async function toRespondWithin(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  maxMs: number,
  options: ToRespondWithinOptions = {},
): Promise<MatcherResult> {
  const invalid = notAnAdapter(this, 'toRespondWithin', received)
  if (invalid) return invalid
  if (typeof maxMs !== 'number' || !Number.isFinite(maxMs) || maxMs < 0) {
    throw new InvalidOptionError(`toRespondWithin(ms): ms must be a non-negative number, got ${String(maxMs)}`)
  }
  if (options.measure !== undefined && options.measure !== 'first-audio') {
    throw new InvalidOptionError(`toRespondWithin: option "measure" must be 'first-audio', got ${JSON.stringify(options.measure)}`)
  }
  const timeout = resolveTimeout('toRespondWithin', options.timeout)
  const head = hint(this, 'toRespondWithin', 'ms')
  return trackPending(received, 'toRespondWithin', async () => {
    const { response, timeout: timedOut } = await drive(received, timeout, (r) => r.firstAudioAt !== null)
    const turn = latestTurn(observe(received))
    if (!response || !turn) {
      return {
        pass: false,
        message: () => `${head}\n\nNo user turn to measure: send audio or text to the agent before asserting its latency.`,
      }
    }
    const start = turn.endedAt ?? response.requestedAt
    if (response.firstAudioAt === null) {
      const why = timedOut
        ? `no audio arrived within ${ms(timeout)} (${timedOut.message})`
        : `the response ended (${response.status}) without any audio`
      const elapsed = (response.doneAt ?? performance.now()) - start
      return {
        // No audio at all: it did not respond within maxMs, so `.not` passes only if we waited past maxMs.
        pass: false,
        message: () =>
          `${head}\n\nExpected: first audio within ${ms(maxMs)} of the end of the user turn\nReceived: ${why}\n\n` +
          `Timings (waited ${ms(elapsed)}):\n${describeTimings(turn, response)}`,
      }
    }
    const latency = response.firstAudioAt - start
    const pass = latency <= maxMs
    return {
      pass,
      actual: Math.round(latency),
      expected: maxMs,
      message: () =>
        `${head}\n\n` +
        (this.isNot
          ? `Expected: first audio later than ${ms(maxMs)} after the end of the user turn\n`
          : `Expected: first audio within ${ms(maxMs)} of the end of the user turn\n`) +
        `Received: first audio after ${this.utils.printReceived(Math.round(latency))} ms` +
        (pass ? '' : ` (${ms(latency - maxMs)} over)`) +
        `\n\nTimings:\n${describeTimings(turn, response)}`,
    }
  })
}
