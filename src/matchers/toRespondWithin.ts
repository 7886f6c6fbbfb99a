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
import { isTurnOpen, type TurnRecord } from '../conversation/records.js'
import { percentile, percentileRank } from '../run-report/stats.js'

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
  /**
   * Judge the latency of every user turn of the conversation so far instead of the latest one: passes when this
   * percentile (0 < p ≤ 100, nearest rank) of the turns' latencies is within `ms`. A turn without audio (or, with
   * `measure: 'first-speech'`, without speech) counts as slower than any budget. The latest turn is waited for as
   * usual. Default: none (the latest turn only).
   */
  percentile?: number
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
  if (options.percentile !== undefined) {
    const p = options.percentile
    if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0 || p > 100) {
      throw new InvalidOptionError(`toRespondWithin: option "percentile" must be a number in (0, 100], e.g. 95 for p95, got ${String(p)}`)
    }
    return overAllTurns.call(this, received, maxMs, { ...options, percentile: p })
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

/** One turn's latency for `percentile`: `ms` null when the turn had no audio (or speech). */
interface TurnLatency {
  turn: number
  ms: number | null
  /** Why there is no latency. */
  missing: string | null
}

/** Turns listed in full in a failure message; beyond it, only the turns over the budget (bounded messages). */
const LISTED_TURNS = 30

/** `percentile`: the latency of every turn so far, judged by one percentile. */
async function overAllTurns(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  maxMs: number,
  options: ToRespondWithinOptions & { percentile: number },
): Promise<MatcherResult> {
  const timeout = resolveTimeout('toRespondWithin', options.timeout)
  const head = hint(this, 'toRespondWithin', 'ms')
  const speech = options.measure === 'first-speech'
  const detection = options.speechDetection ?? {}
  const what = speech ? 'first speech' : 'first audio'
  const ready = speech ? speechWatcher(detection) : (r: { firstAudioAt: number | null }) => r.firstAudioAt !== null
  const p = options.percentile
  return trackPending(this, received, 'toRespondWithin', async () => {
    const { response, timeout: timedOut } = await drive(received, timeout, ready)
    const turns = observe(received).turns.filter((t) => t.responses.length > 0)
    if (!response || turns.length === 0) return noTurnToMeasure(head)
    const latencies = turns.map((t) => turnLatency(t, speech, detection, timedOut ? timeout : null))
    const values = latencies.map((l) => l.ms ?? Number.POSITIVE_INFINITY)
    const value = percentile(values, p)!
    const rank = percentileRank(p, values.length)
    const over = latencies.filter((l) => l.ms === null || l.ms > maxMs)
    const pass = value <= maxMs
    const label = `p${formatPercentile(p)}`
    // The turn whose latency is the percentile (the first one, when several turns measured the same).
    const atRank = latencies.find((l) => (l.ms ?? Number.POSITIVE_INFINITY) === value)
    const width = Math.max(...latencies.map((l) => (l.ms === null ? 0 : String(Math.round(l.ms)).length)), 1)
    const line = (l: TurnLatency) =>
      `  turn ${String(l.turn).padEnd(String(turns.length).length)}  ` +
      (l.ms === null ? `— (${l.missing})` : `${String(Math.round(l.ms)).padStart(width)} ms`) +
      (l.ms !== null && l.ms > maxMs ? `  over by ${ms(l.ms - maxMs)}` : '') +
      (l === atRank ? `  ← ${label}` : '')
    const listed = latencies.length <= LISTED_TURNS ? latencies : latencies.filter((l) => l === atRank || over.includes(l)).slice(0, LISTED_TURNS)
    const unlisted = latencies.length - listed.length
    const overTurns = over.map((l) => l.turn)
    const overText =
      over.length === 0
        ? `none of the ${turns.length} turns over ${ms(maxMs)}`
        : `${over.length} of ${turns.length} turn${turns.length === 1 ? '' : 's'} over ${ms(maxMs)}: turn${over.length === 1 ? '' : 's'} ` +
          (overTurns.length > 10 ? `${overTurns.slice(0, 10).join(', ')}, …` : overTurns.join(', '))
    return {
      pass,
      actual: Number.isFinite(value) ? Math.round(value) : null,
      expected: maxMs,
      message: () =>
        `${head}\n\n` +
        `Expected: ${label} of ${what} over the ${turns.length} turn${turns.length === 1 ? '' : 's'} so far ` +
        (this.isNot ? `later than ${ms(maxMs)} after` : `within ${ms(maxMs)} of`) +
        ' the end of each user turn\n' +
        `Received: ${label} ${Number.isFinite(value) ? `${this.utils.printReceived(Math.round(value))} ms` : `none (a turn without ${speech ? 'speech' : 'audio'})`}; ${overText}\n\n` +
        `Each turn's ${what} after the end of its user turn:\n${listed.map(line).join('\n')}` +
        (unlisted > 0 ? `\n  … ${unlisted} more turns, all within ${ms(maxMs)}` : '') +
        `\n\n${label} by nearest rank: the ${ordinal(rank)} smallest of ${values.length} latenc${values.length === 1 ? 'y' : 'ies'}` +
        (latencies.some((l) => l.ms === null) ? ` (a turn without ${speech ? 'speech' : 'audio'} counts as the slowest).` : '.'),
    }
  })
}

function turnLatency(turn: TurnRecord, speech: boolean, detection: SpeechDetectionOptions, timedOutAfter: number | null): TurnLatency {
  const start = turn.endedAt ?? turn.responses[0]!.requestedAt
  let end: number | null = null
  if (speech) {
    for (const r of turn.responses) {
      const at = responseSpeechTiming(r, detection).firstSpeechAt
      if (at !== null && (end === null || at < end)) end = at
    }
  } else {
    end = turnFirstAudioAt(turn, turn.responses[0]!)
  }
  if (end !== null) return { turn: turn.index + 1, ms: end - start, missing: null }
  const last = turn.responses[turn.responses.length - 1]!
  const missing = isTurnOpen(turn)
    ? timedOutAfter !== null
      ? `none within ${ms(timedOutAfter)}`
      : 'none yet'
    : `the response ended (${last.status}) without ${speech && last.firstAudioAt !== null ? 'speech' : 'audio'}`
  return { turn: turn.index + 1, ms: null, missing }
}

function formatPercentile(p: number): string {
  return Number.isInteger(p) ? String(p) : String(Number(p.toFixed(3)))
}

function ordinal(n: number): string {
  const tens = n % 100
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
  return `${n}${suffix}`
}
