import { performance } from 'node:perf_hooks'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { observe } from '../adapter/observe.js'
import { isResponseOpen, type ResponseRecord, type TurnRecord } from '../conversation/records.js'
import { InvalidOptionError } from '../errors/index.js'
import { silence } from '../audio/pcm16.js'
import { matchPhrase } from '../text/index.js'
import { hint, ms, type MatcherContext, type MatcherResult } from './context.js'
import { drive, waitForChange } from './drive.js'
import { trackPending } from './pending.js'
import { checkMaxWer, excerpt, notAnAdapter, resolveTimeout } from './shared.js'

export interface ToYieldToCallerOptions {
  /**
   * The agent must stop within this many ms of the caller starting to speak: its response ended (the server
   * cancelled it) and none of its audio arrived later than that. Default 500.
   */
  within?: number
  /** Barge in once this much agent audio has been received (ms). Default: at the first audio chunk. */
  afterMs?: number
  /**
   * What the answer to the caller's new words must say: a phrase (normalised, within `maxWer`) or a RegExp (raw
   * text). Default: any answer, as long as the agent answers the new turn.
   */
  answers?: string | RegExp
  /** Word error rate tolerated for `answers` as a phrase. Default 0.2. */
  maxWer?: number
  /**
   * Silence sent after the caller's words when the server has not ended their turn yet, so its turn detection
   * hears them stop (a microphone keeps sending). Default 800 ms.
   */
  silenceMs?: number
  /** How long to wait for the agent to start speaking, to stop, and to answer, in ms. Default 15 s. */
  timeout?: number
}

/** How long to wait for an answer once the agent has failed to stop in time. */
const ANSWER_GRACE_MS = 500

const bytesPerMs = (rate: number) => (rate * 2) / 1000
const audioMs = (chunks: { data: Buffer; sampleRate: number }[]) => chunks.reduce((sum, c) => sum + c.data.length / bytesPerMs(c.sampleRate), 0)

/**
 * With the agent speaking, runs `speak` (the caller talking over it, e.g. `() => user.say('wait, make it eight')`)
 * and passes when the agent yields: its response ends within `within` ms of the caller's first audio, no audio of it
 * arrives after that, and the agent answers the caller's new turn (saying `answers`, when given).
 * Needs the server's turn detection (`turnDetection: { type: 'server_vad' }`): the server hears the caller and cancels.
 */
export async function toYieldToCaller(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  speak: () => unknown,
  options: ToYieldToCallerOptions = {},
): Promise<MatcherResult> {
  const invalid = notAnAdapter(this, 'toYieldToCaller', received)
  if (invalid) return invalid
  if (typeof speak !== 'function') {
    throw new InvalidOptionError('toYieldToCaller(speak): speak must be a function that makes the caller talk, e.g. () => user.say("wait")')
  }
  const within = nonNegative('within', options.within ?? 500)
  const afterMs = nonNegative('afterMs', options.afterMs ?? 0)
  const silenceMs = nonNegative('silenceMs', options.silenceMs ?? 800)
  const timeout = resolveTimeout('toYieldToCaller', options.timeout)
  const answers = options.answers
  if (answers !== undefined && typeof answers !== 'string' && !(answers instanceof RegExp)) {
    throw new InvalidOptionError(`toYieldToCaller: option "answers" must be a string or a RegExp, got ${typeof answers}`)
  }
  const maxWer = checkMaxWer('toYieldToCaller', options.maxWer)
  const turnDetection = (received as { turnDetection?: unknown }).turnDetection
  const head = hint(this, 'toYieldToCaller', 'speak', undefined)
  return trackPending(this, received, 'toYieldToCaller', async () => {
    if (turnDetection === null) {
      return {
        pass: !!this.isNot,
        message: () =>
          `${head}\n\nNo barge-in is possible: the adapter's turn detection is off, so the server never hears the caller over the agent. ` +
          "Connect with turnDetection: { type: 'server_vad' } (Vitest: test.override({ voiceOptions: { turnDetection: … } })).",
      }
    }
    const conversation = observe(received)
    const deadline = performance.now() + timeout
    // The server answers a turn its VAD ended on its own time: when the caller's latest turn has no response yet,
    // the agent is about to speak (the response read so far is an earlier one). Wait for it to start.
    const latest = conversation.turns[conversation.turns.length - 1]
    const speaking = () => (conversation.currentResponse && isResponseOpen(conversation.currentResponse) ? true : undefined)
    if (latest && latest.response === null && !speaking()) await waitForChange(conversation, speaking, timeout)
    const started = await drive(received, Math.max(0, deadline - performance.now()), (r) => r.audio.length > 0 && audioMs(r.audio) >= afterMs)
    const response = started.response
    if (!response || started.timeout) {
      return {
        pass: !!this.isNot,
        message: () =>
          `${head}\n\nNothing to barge in on: ${response ? `the agent did not start speaking within ${ms(timeout)}.\n${started.timeout?.message ?? ''}` : 'the agent has not been asked anything.'}`,
      }
    }
    if (!isResponseOpen(response)) {
      return {
        pass: !!this.isNot,
        message: () =>
          `${head}\n\nNothing to barge in on: the response already ended (${response.status}) after ${ms(audioMs(response.audio))} of audio, ` +
          'before the caller could speak. Barge in earlier (smaller afterMs) or make the reply longer.',
      }
    }
    const heardBefore = audioMs(response.audio)
    const turnsBefore = conversation.turns.length
    const bargedAt = performance.now()
    await speak()
    const callerTurn = conversation.turns.slice(turnsBefore).find((t) => t.input === 'audio') ?? null
    // The caller's first audio went out when `speak` sent its first chunk.
    const spokeAt = conversation.timeline.find((e) => e.direction === 'out' && e.type === 'input_audio_buffer.append' && e.at >= bargedAt)?.at ?? bargedAt
    if (callerTurn && callerTurn.endedAt === null) await received.sendAudio(silence(silenceMs))
    const left = () => Math.max(0, deadline - performance.now())
    await waitForChange(conversation, () => (response.doneAt !== null ? true : undefined), left())
    const answerTurn = (): TurnRecord | undefined => conversation.turns.slice(turnsBefore).find((t) => t.response !== null)
    // An agent that did not stop has failed already: its answer (a server that talked on may never give one) is
    // only evidence, worth a short wait.
    const stoppedInTime = response.doneAt !== null && response.doneAt - spokeAt <= within
    const turn = await waitForChange(conversation, answerTurn, stoppedInTime ? left() : Math.min(left(), ANSWER_GRACE_MS))
    let answer: ResponseRecord | null = turn?.response ?? null
    if (answer) {
      const read = await drive(received, left(), () => false)
      answer = turn?.response ?? read.response
    }
    const stoppedAfter = response.doneAt !== null ? response.doneAt - spokeAt : null
    const after = response.audio.filter((c) => (c.receivedAt ?? 0) > spokeAt)
    const late = after.filter((c) => (c.receivedAt ?? 0) > spokeAt + within)
    const answerText = answer ? answer.transcript : null
    const answered = answer !== null && answer.doneAt !== null && answer.status === 'completed'
    const matches =
      answers === undefined || answerText === null
        ? answered
        : typeof answers === 'string'
          ? matchPhrase(answerText, answers, { maxWer }).pass
          : answers.test(answerText)
    const stopped = stoppedAfter !== null && stoppedAfter <= within && late.length === 0
    const pass = stopped && answered && matches
    const expectation = `${this.isNot ? 'not ' : ''}to stop within ${ms(within)} of the caller barging in, then answer their new words${answers === undefined ? '' : ` with ${typeof answers === 'string' ? JSON.stringify(answers) : String(answers)}`}`
    const stopLine =
      stoppedAfter === null
        ? `the response had not ended ${ms(performance.now() - spokeAt)} after the caller started speaking`
        : `the response ended (${response.status}) ${ms(stoppedAfter)} after the caller started speaking`
    const heard = callerTurn?.transcription ?? null
    const answerLine = !answer
      ? 'The agent did not answer the caller (no response to their turn).'
      : `The answer (${answer.status}): ${JSON.stringify(excerpt(answerText))}` +
        (answers === undefined ? '' : matches ? ' (matches)' : ` (does not match ${typeof answers === 'string' ? JSON.stringify(answers) : String(answers)})`)
    return {
      pass,
      actual: stoppedAfter === null ? null : Math.round(stoppedAfter),
      expected: within,
      message: () =>
        `${head}\n\n` +
        `Expected: the agent ${expectation}\n` +
        `Received: ${stopLine}; ${ms(audioMs(after))} of its audio arrived after that` +
        (late.length ? ` (${late.length} chunk${late.length === 1 ? '' : 's'} later than ${ms(within)})` : '') +
        `\nThe caller's new words, as the agent heard them: ${heard === null ? '(no transcription)' : JSON.stringify(excerpt(heard))}` +
        `\n${answerLine}` +
        `\n\nBarged in after ${ms(heardBefore)} of agent audio.`,
    }
  })
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(`toYieldToCaller: option "${name}" must be a non-negative number of ms, got ${String(value)}`)
  }
  return value
}
