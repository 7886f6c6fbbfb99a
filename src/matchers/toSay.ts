import type { VoiceAgentAdapter } from '../adapter/types.js'
import { InvalidOptionError } from '../errors/index.js'
import { formatAlignment, matchPhrase } from '../text/index.js'
import { hint, type MatcherContext, type MatcherResult } from './context.js'
import { latestTurn, observe } from '../adapter/observe.js'
import { drive } from './drive.js'
import { checkHearingOptions, hearResponse, type HearingOptions } from './endpoints.js'
import { trackPending } from './pending.js'
import { checkMaxWer, describeTurnTimings, excerpt, notAnAdapter, resolveTimeout } from './shared.js'

export interface ToSayOptions extends HearingOptions {
  /** Largest word error rate over the best-aligned window of the transcript. Default 0.2. */
  maxWer?: number
  /** Require the whole normalised transcript to equal the expected text. */
  exact?: boolean
  /** Count words that sound alike (Double Metaphone) as matches: "their" = "there". */
  phonetic?: boolean
  /** How long to wait for the response to end (and, with `from: 'audio'`, for the transcription), in ms. Default: the global matcher timeout (15 s). */
  timeout?: number
  /**
   * What to match: `'transcript'` (default), the model's own transcript of what it said; `'audio'`, the
   * response's actual audio, transcribed by `transcriber` (default: OpenAI's `/v1/audio/transcriptions`).
   */
  from?: 'transcript' | 'audio'
}

type Asymmetric = { asymmetricMatch(other: unknown): boolean }
const isAsymmetric = (v: unknown): v is Asymmetric => v !== null && typeof v === 'object' && typeof (v as Asymmetric).asymmetricMatch === 'function'

/**
 * Passes when the agent transcript of the latest response matches: a RegExp against the raw text, a string as a
 * fuzzy contained phrase (normalised, WER ≤ maxWer), an asymmetric matcher through `equals`.
 */
export async function toSay(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  expected: string | RegExp | Asymmetric,
  options: ToSayOptions = {},
): Promise<MatcherResult> {
  const invalid = notAnAdapter(this, 'toSay', received)
  if (invalid) return invalid
  if (typeof expected !== 'string' && !(expected instanceof RegExp) && !isAsymmetric(expected)) {
    throw new InvalidOptionError(`toSay(expected): expected must be a string, a RegExp or an asymmetric matcher, got ${this.utils.printReceived(expected)}`)
  }
  const maxWer = checkMaxWer('toSay', options.maxWer)
  const from = options.from ?? 'transcript'
  if (from !== 'transcript' && from !== 'audio')
    throw new InvalidOptionError(`toSay: option "from" must be 'transcript' or 'audio', got ${JSON.stringify(options.from)}`)
  checkHearingOptions('toSay', options)
  const timeout = resolveTimeout('toSay', options.timeout)
  const head = hint(this, 'toSay')
  return trackPending(this, received, 'toSay', async () => {
    // Nothing to evaluate fails with and without `.not` (as every matcher does): nothing sent, nothing to wait for.
    if (latestTurn(observe(received)) === null)
      return { pass: !!this.isNot, message: () => `${head}\n\nThe agent has not been asked anything: send audio or text first.` }
    const { response, timeout: timedOut } = await drive(received, timeout, () => false)
    const turn = latestTurn(observe(received))
    if (!response) {
      return { pass: !!this.isNot, message: () => `${head}\n\nThe agent has not been asked anything: send audio or text first.` }
    }
    if (timedOut) {
      return {
        pass: !!this.isNot,
        message: () =>
          `${head}\n\nThe response did not end within ${timeout} ms, so its transcript is not final.\n` +
          `Transcript so far: ${excerpt(response.transcript || null)}\n${timedOut.message}`,
      }
    }
    let transcript = response.transcript
    let shown = `Received: ${this.utils.printReceived(excerpt(transcript))}` + (response.status !== 'completed' ? ` (response ${response.status})` : '')
    if (from === 'audio') {
      const heard = await hearResponse('toSay', received, response, options, timeout)
      // Nothing heard fails with and without `.not`: not saying it is not shown by audio that is not there.
      if (!heard.ok) return { pass: !!this.isNot, message: () => `${head}\n\nCannot hear the agent: ${heard.why}.` }
      transcript = heard.text
      shown =
        `Heard (the audio, transcribed by ${heard.by}): ${this.utils.printReceived(excerpt(heard.text))}` +
        (response.status !== 'completed' ? ` (response ${response.status})` : '') +
        `\nTranscript (the model's account): ${JSON.stringify(excerpt(response.transcript))}`
    }

    if (expected instanceof RegExp) {
      expected.lastIndex = 0
      const pass = expected.test(transcript)
      return {
        pass,
        message: () => `${head}\n\nExpected: the agent to ${this.isNot ? 'not ' : ''}say ${this.utils.printExpected(expected)}\n${shown}`,
      }
    }
    if (isAsymmetric(expected)) {
      const pass = this.equals(transcript, expected, this.customTesters)
      return {
        pass,
        message: () => `${head}\n\nExpected: the agent to ${this.isNot ? 'not ' : ''}say ${this.utils.printExpected(expected)}\n${shown}`,
      }
    }
    // Only a user-given maxWer is passed on: `exact` has no tolerance and refuses one.
    const match = matchPhrase(transcript, expected, { maxWer: options.maxWer, exact: options.exact, phonetic: options.phonetic })
    const how = options.exact ? 'exactly (after normalisation)' : `with word error rate ≤ ${maxWer}`
    return {
      pass: match.pass,
      actual: transcript,
      expected,
      message: () =>
        `${head}\n\nExpected: the agent to ${this.isNot ? 'not ' : ''}say ${this.utils.printExpected(expected)} ${how}\n` +
        `${shown}\n\n` +
        `Best match: ${JSON.stringify(match.window)} — word error rate ${match.wer.toFixed(2)}\n` +
        `Alignment (expected → ${from === 'audio' ? 'heard' : 'said'}):\n${indent(formatAlignment(match.alignment))}\n\n` +
        `Timings:\n${describeTurnTimings(turn, response)}`,
    }
  })
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
}
