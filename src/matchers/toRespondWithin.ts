import { performance } from 'node:perf_hooks'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { InvalidOptionError } from '../errors/index.js'
import { hint, ms, type MatcherContext, type MatcherResult } from './context.js'
import { latestTurn, observe } from '../adapter/observe.js'
import { drive } from './drive.js'
import { trackPending } from './pending.js'
import { describeTimings, describeTurnTimings, notAnAdapter, resolveTimeout, turnFirstAudioAt } from './shared.js'
import { formatDb, responseSpeechTiming, speechWatcher } from '../conversation/speech-timing.js'
import type { SpeechDetectionOptions } from '../audio/speech-detection.js'

export interface ToRespondWithinOptions {
  /** How long to wait for the first audio at all, in ms. Default: the global matcher timeout (15 s). */
  timeout?: number
  /**
   * What ends the latency: `'first-audio'` (default), the first audio delta received; or `'first-speech'`, the
   * instant a client playing the audio as it arrives would start hearing speech (first audio + leading silence,
   * found by the energy speech detector).
   */
  measure?: 'first-audio' | 'first-speech'
  /** `measure: 'first-speech'`: speech detector options (default: -45 dBFS threshold, 60 ms of speech, 10 ms frames). */
  speechDetection?: SpeechDetectionOptions
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
  if (options.measure !== undefined && options.measure !== 'first-audio' && options.measure !== 'first-speech') {
    throw new InvalidOptionError(`toRespondWithin: option "measure" must be 'first-audio' or 'first-speech', got ${JSON.stringify(options.measure)}`)
  }
  if (options.measure === 'first-speech') return firstSpeech.call(this, received, maxMs, options)
  const timeout = resolveTimeout('toRespondWithin', options.timeout)
  const head = hint(this, 'toRespondWithin', 'ms')
  return trackPending(this, received, 'toRespondWithin', async () => {
    const { response, timeout: timedOut } = await drive(received, timeout, (r) => r.firstAudioAt !== null)
    const turn = latestTurn(observe(received))
    if (!response || !turn) return noTurnToMeasure(head)
    const start = turn.endedAt ?? (turn.responses[0] ?? response).requestedAt
    // A turn with tool calls spans several responses: its latency ends at the first audio of any of them.
    const firstAudioAt = turnFirstAudioAt(turn, response)
    if (firstAudioAt === null) {
      const why = timedOut ? `no audio arrived within ${ms(timeout)} (${timedOut.message})` : `the response ended (${response.status}) without any audio`
      const elapsed = (response.doneAt ?? performance.now()) - start
      return {
        // No audio at all: it did not respond within maxMs, so `.not` passes only if we waited past maxMs.
        pass: false,
        message: () =>
          `${head}\n\nExpected: first audio within ${ms(maxMs)} of the end of the user turn\nReceived: ${why}\n\n` +
          `Timings (waited ${ms(elapsed)}):\n${describeTurnTimings(turn, response)}`,
      }
    }
    return latencyResult(this, head, 'first audio', firstAudioAt - start, maxMs, '', describeTurnTimings(turn, response))
  })
}

function noTurnToMeasure(head: string): MatcherResult {
  return {
    pass: false,
    message: () => `${head}\n\nNo user turn to measure: send audio or text to the agent before asserting its latency.`,
  }
}

/** The verdict on a measured latency, with the same wording for first audio and first speech. */
function latencyResult(
  ctx: MatcherContext,
  head: string,
  what: 'first audio' | 'first speech',
  latency: number,
  maxMs: number,
  detail: string,
  timings: string,
  footer = '',
): MatcherResult {
  const pass = latency <= maxMs
  return {
    pass,
    actual: Math.round(latency),
    expected: maxMs,
    message: () =>
      `${head}\n\n` +
      (ctx.isNot
        ? `Expected: ${what} later than ${ms(maxMs)} after the end of the user turn\n`
        : `Expected: ${what} within ${ms(maxMs)} of the end of the user turn\n`) +
      `Received: ${what} after ${ctx.utils.printReceived(Math.round(latency))} ms` +
      (pass ? '' : ` (${ms(latency - maxMs)} over)`) +
      detail +
      `\n\nTimings:\n${timings}` +
      footer,
  }
}

/** `measure: 'first-speech'`: the latency ends when the first speech would be heard. */
async function firstSpeech(this: MatcherContext, received: VoiceAgentAdapter, maxMs: number, options: ToRespondWithinOptions): Promise<MatcherResult> {
  const timeout = resolveTimeout('toRespondWithin', options.timeout)
  const head = hint(this, 'toRespondWithin', 'ms')
  const detection = options.speechDetection ?? {}
  const hasSpeech = speechWatcher(detection)
  return trackPending(this, received, 'toRespondWithin', async () => {
    const { response, timeout: timedOut } = await drive(received, timeout, hasSpeech)
    const turn = latestTurn(observe(received))
    if (!response || !turn) return noTurnToMeasure(head)
    const start = turn.endedAt ?? response.requestedAt
    const speech = responseSpeechTiming(response, detection)
    if (speech.firstSpeechAt === null) {
      const why =
        response.firstAudioAt === null
          ? timedOut
            ? `no audio arrived within ${ms(timeout)} (${timedOut.message})`
            : `the response ended (${response.status}) without any audio`
          : timedOut
            ? `no speech within ${ms(timeout)}: ${ms(speech.audioMs)} of audio so far, none of it at or above ` +
              `${formatDb(speech.thresholdDb)} (loudest 10 ms frame ${formatDb(speech.peakDb)})`
            : `the response ended (${response.status}) after ${ms(speech.audioMs)} of audio with no speech in it: nothing at or above ` +
              `${formatDb(speech.thresholdDb)} for ${detection.minSpeechMs ?? 60} ms (loudest 10 ms frame ${formatDb(speech.peakDb)})`
      return {
        pass: false,
        message: () =>
          `${head}\n\nExpected: first speech within ${ms(maxMs)} of the end of the user turn\nReceived: ${why}\n\n` +
          `Timings:\n${describeTimings(turn, response, speech)}`,
      }
    }
    return latencyResult(
      this,
      head,
      'first speech',
      speech.firstSpeechAt - start,
      maxMs,
      response.firstAudioAt !== null ? `: first audio after ${ms(response.firstAudioAt - start)}, then ${ms(speech.leadingSilenceMs)} of leading silence` : '',
      describeTimings(turn, response, speech),
      '\n\nFirst speech is when a client that plays the audio as it arrives starts hearing speech (energy speech ' +
        `detection, threshold ${formatDb(speech.thresholdDb)}).`,
    )
  })
}
