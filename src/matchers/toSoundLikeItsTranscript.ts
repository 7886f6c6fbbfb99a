import type { VoiceAgentAdapter } from '../adapter/types.js'
import { latestTurn, observe } from '../adapter/observe.js'
import { InvalidOptionError } from '../errors/index.js'
import { formatAlignment, wordErrorRate } from '../text/index.js'
import { hint, type MatcherContext, type MatcherResult } from './context.js'
import { drive } from './drive.js'
import { checkHearingOptions, hearResponse, type HearingOptions } from './endpoints.js'
import { trackPending } from './pending.js'
import { checkMaxWer, excerpt, notAnAdapter, resolveTimeout } from './shared.js'

export interface ToSoundLikeItsTranscriptOptions extends HearingOptions {
  /** Largest word error rate of what the audio says against the model's transcript. Default 0.2. */
  maxWer?: number
  /** How long to wait for the response to end, and then for the transcription, in ms (each). Default: the global matcher timeout. */
  timeout?: number
}

/**
 * Passes when the audio of the latest response says what the model's transcript of it says (word error rate ≤
 * `maxWer` over the whole text, after normalisation). The transcript (`response.output_audio_transcript.*`) is
 * the model's account of what it said, generated beside the audio, not from it: truncation, a misspoken number or
 * another language shows up here.
 */
export async function toSoundLikeItsTranscript(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  options: ToSoundLikeItsTranscriptOptions = {},
): Promise<MatcherResult> {
  const invalid = notAnAdapter(this, 'toSoundLikeItsTranscript', received)
  if (invalid) return invalid
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('toSoundLikeItsTranscript(options): options must be an object')
  const maxWer = checkMaxWer('toSoundLikeItsTranscript', options.maxWer)
  const timeout = resolveTimeout('toSoundLikeItsTranscript', options.timeout)
  checkHearingOptions('toSoundLikeItsTranscript', options)
  const head = hint(this, 'toSoundLikeItsTranscript', '')
  return trackPending(this, received, 'toSoundLikeItsTranscript', async () => {
    // Nothing sent yet: nothing to wait for. Nothing to evaluate fails with and without `.not` (as every matcher does).
    if (latestTurn(observe(received)) === null)
      return { pass: !!this.isNot, message: () => `${head}\n\nThe agent has not been asked anything: send audio or text first.` }
    const { response, timeout: timedOut } = await drive(received, timeout, () => false)
    if (!response) return { pass: !!this.isNot, message: () => `${head}\n\nThe agent has not been asked anything: send audio or text first.` }
    if (timedOut) {
      return { pass: !!this.isNot, message: () => `${head}\n\nThe response did not end within ${timeout} ms, so its audio is not whole.\n${timedOut.message}` }
    }
    const heard = await hearResponse('toSoundLikeItsTranscript', received, response, options, timeout)
    // Nothing to compare is a failure either way: `.not` must not pass on a response that has no audio.
    if (!heard.ok) return { pass: !!this.isNot, message: () => `${head}\n\nCannot compare: ${heard.why}.` }
    const transcript = response.transcript
    const result = wordErrorRate(transcript, heard.text)
    const pass = result.wer <= maxWer
    return {
      pass,
      actual: heard.text,
      expected: transcript,
      message: () =>
        `${head}\n\n` +
        `Expected: the audio to ${this.isNot ? 'not ' : ''}say what the transcript says, with word error rate ≤ ${maxWer}\n` +
        `Transcript (the model's account): ${this.utils.printExpected(excerpt(transcript))}\n` +
        `Audio (heard by ${heard.by}): ${this.utils.printReceived(excerpt(heard.text))}\n\n` +
        `Word error rate ${result.wer.toFixed(2)} (${result.substitutions} substituted, ${result.deletions} missing, ${result.insertions} extra of ${result.referenceLength} words)\n` +
        `Alignment (transcript → audio):\n${formatAlignment(result.alignment)
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
    }
  })
}
