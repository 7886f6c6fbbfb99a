import { performance } from 'node:perf_hooks'
import { isResponseOpen } from '../conversation/records.js'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { InvalidOptionError } from '../errors/index.js'
import { hint, ms, type MatcherContext, type MatcherResult } from './context.js'
import { drive } from './drive.js'
import { trackPending } from './pending.js'
import { notAnAdapter, resolveTimeout } from './shared.js'
import { formatDb, responseSpeechTiming, type ResponseSpeechTiming } from '../conversation/speech-timing.js'
import type { SpeechDetectionOptions } from '../audio/speech-detection.js'

export interface ToStopOnInterruptOptions {
  /** The response must end, with no more audio, within this many ms of `interrupt()`. Default 500. */
  within?: number
  /** Interrupt once this much agent audio has been received (ms). Default: at the first audio chunk. */
  afterMs?: number
  /** How long to wait for the agent to start speaking and for the response to end, in ms. Default 15 s. */
  timeout?: number
  /** Speech detector options for the evidence (how much of the audio after the interrupt was speech). */
  speechDetection?: SpeechDetectionOptions
}

/** Bytes of PCM16 per ms at the adapter's rate. */
const bytesPerMs = (rate: number) => (rate * 2) / 1000

/**
 * With the agent speaking, calls `interrupt()` and passes when the response ends within `within` ms and no
 * audio for it arrives after that.
 */
export async function toStopOnInterrupt(this: MatcherContext, received: VoiceAgentAdapter, options: ToStopOnInterruptOptions = {}): Promise<MatcherResult> {
  const invalid = notAnAdapter(this, 'toStopOnInterrupt', received)
  if (invalid) return invalid
  const within = options.within ?? 500
  if (typeof within !== 'number' || !Number.isFinite(within) || within < 0) {
    throw new InvalidOptionError(`toStopOnInterrupt: option "within" must be a non-negative number of ms, got ${String(options.within)}`)
  }
  const afterMs = options.afterMs ?? 0
  if (typeof afterMs !== 'number' || !Number.isFinite(afterMs) || afterMs < 0) {
    throw new InvalidOptionError(`toStopOnInterrupt: option "afterMs" must be a non-negative number of ms, got ${String(options.afterMs)}`)
  }
  const timeout = resolveTimeout('toStopOnInterrupt', options.timeout)
  const head = hint(this, 'toStopOnInterrupt', 'options', undefined)
  return trackPending(this, received, 'toStopOnInterrupt', async () => {
    const audioMs = (r: { audio: { data: Buffer; sampleRate: number }[] }) => r.audio.reduce((sum, c) => sum + c.data.length / bytesPerMs(c.sampleRate), 0)
    // One deadline for both waits (speaking, then stopping), so the matcher ends within its timeout; the stop phase
    // always gets long enough to see whether the agent stopped within `within`.
    const deadline = performance.now() + timeout
    const started = await drive(received, timeout, (r) => r.audio.length > 0 && audioMs(r) >= afterMs)
    const response = started.response
    if (!response) {
      return { pass: !!this.isNot, message: () => `${head}\n\nNothing to interrupt: the agent has not been asked anything.` }
    }
    if (started.timeout) {
      return {
        pass: !!this.isNot,
        message: () => `${head}\n\nNothing to interrupt: the agent did not start speaking within ${ms(timeout)}.\n${started.timeout!.message}`,
      }
    }
    if (!isResponseOpen(response)) {
      return {
        pass: !!this.isNot,
        message: () =>
          `${head}\n\nNothing to interrupt: the response already ended (${response.status}) after ${ms(audioMs(response))} of audio, ` +
          'before the interrupt could be sent. Interrupt earlier (smaller afterMs) or make the reply longer.',
      }
    }
    const interruptedAt = performance.now()
    await received.interrupt()
    const ended = await drive(received, Math.max(deadline - performance.now(), within + 250), () => false)
    const after = response.audio.filter((c) => (c.receivedAt ?? 0) > interruptedAt)
    const afterAudioMs = after.reduce((sum, c) => sum + c.data.length / bytesPerMs(c.sampleRate), 0)
    const late = after.filter((c) => (c.receivedAt ?? 0) > interruptedAt + within)
    const lastAfter = after.length ? after[after.length - 1]!.receivedAt! - interruptedAt : null
    const stoppedAfter = response.doneAt !== null ? response.doneAt - interruptedAt : null
    const pass = !ended.timeout && stoppedAfter !== null && stoppedAfter <= within && late.length === 0
    const speech = responseSpeechTiming({ audio: response.audio, interruptedAt }, options.speechDetection)
    const stopLine =
      stoppedAfter === null
        ? `the response had not ended ${ms(performance.now() - interruptedAt)} after the interrupt`
        : `the response ended (${response.status}) ${ms(stoppedAfter)} after the interrupt`
    return {
      pass,
      actual: stoppedAfter === null ? null : Math.round(stoppedAfter),
      expected: within,
      message: () =>
        `${head}\n\n` +
        `Expected: the agent to ${this.isNot ? 'keep speaking past' : 'stop speaking within'} ${ms(within)} of the interrupt\n` +
        `Received: ${stopLine}; ${ms(afterAudioMs)} of audio arrived after the interrupt` +
        (lastAfter !== null ? `, the last chunk at +${ms(lastAfter)}` : '') +
        `\n${describeSpeechAfterInterrupt(speech)}` +
        `\n\nInterrupted after ${ms(audioMs(response) - afterAudioMs)} of agent audio` +
        (speech.firstSpeechMs === null
          ? ' (no speech in any of it).'
          : speech.firstSpeechMs < audioMs(response) - afterAudioMs
            ? ` (speech from ${ms(speech.firstSpeechMs)} into it).`
            : ' (the agent had not started speaking yet: all of it was leading silence).'),
    }
  })
}

/** "Speech after the interrupt: …" evidence line. */
function describeSpeechAfterInterrupt(speech: ResponseSpeechTiming): string {
  const after = speech.afterInterrupt
  if (!after || after.audioMs === 0) return 'Speech after the interrupt: none (no audio arrived after it).'
  if (after.speechMs === 0) {
    return `Speech after the interrupt: none (the audio after it stayed below ${formatDb(speech.thresholdDb)}).`
  }
  return (
    `Speech after the interrupt: ${ms(after.speechMs)} of the ${ms(after.audioMs)}` +
    (after.firstSpeechReceivedAfterMs !== null ? `, the first of it arriving at +${ms(after.firstSpeechReceivedAfterMs)}` : '') +
    ` (energy speech detection, threshold ${formatDb(speech.thresholdDb)}).`
  )
}
