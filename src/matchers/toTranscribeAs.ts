import { performance } from 'node:perf_hooks'
import type { TurnRecord } from '../conversation/records.js'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { InvalidOptionError } from '../errors/index.js'
import { formatAlignment, wordErrorRate } from '../text/index.js'
import { hint, type MatcherContext, type MatcherResult } from './context.js'
import { hasPendingInput, latestTurn, observe, syncUserTranscription } from '../adapter/observe.js'
import { drive, waitForChange } from './drive.js'
import { trackPending } from './pending.js'
import { checkMaxWer, notAnAdapter, resolveTimeout } from './shared.js'
import { noteVoiceMeasurement } from '../run-report/sink.js'

export interface ToTranscribeAsOptions {
  /** Largest word error rate between the expected text and what the model heard. Default 0.2. */
  maxWer?: number
  /** Count words that sound alike as matches. */
  phonetic?: boolean
  /** How long to wait for the (late-arriving) transcription, in ms. Default: the global matcher timeout (15 s). */
  timeout?: number
}

/** Passes when what the model heard of the latest user audio turn matches `expected` with WER ≤ maxWer. */
export async function toTranscribeAs(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  expected: string,
  options: ToTranscribeAsOptions = {},
): Promise<MatcherResult> {
  const invalid = notAnAdapter(this, 'toTranscribeAs', received)
  if (invalid) return invalid
  if (typeof expected !== 'string') {
    throw new InvalidOptionError(`toTranscribeAs(expected): expected must be a string, got ${this.utils.printReceived(expected)}`)
  }
  const maxWer = checkMaxWer('toTranscribeAs', options.maxWer)
  const timeout = resolveTimeout('toTranscribeAs', options.timeout)
  const head = hint(this, 'toTranscribeAs')
  return trackPending(this, received, 'toTranscribeAs', async () => {
    const obs = observe(received)
    // One deadline for the whole wait: ending the turn and the late transcription share the timeout.
    const deadline = performance.now() + timeout
    // Pending audio is only sent to the model (committed) by the receive loop.
    if (hasPendingInput(obs) || latestTurn(obs)?.endedAt === null) await drive(received, timeout, () => true)
    const turn = [...obs.turns].reverse().find((t) => t.input === 'audio' && t.endedAt !== null)
    if (!turn) {
      return {
        pass: false,
        message: () => `${head}\n\nNo user audio turn to check: send audio with agent.sendAudio() first (text turns are not transcribed).`,
      }
    }
    const heard = await waitForChange<{ text: string } | { failed: string } | { closed: string }>(
      obs,
      () => {
        syncUserTranscription(received)
        return read(turn) ?? closedWithout(received)
      },
      Math.max(0, deadline - performance.now()),
      // A third-party adapter whose transcript is a getter of its own announces nothing: look again every 25 ms.
      syncUserTranscription(received) ? undefined : 25,
    )
    if (heard && 'closed' in heard) {
      return {
        pass: false,
        message: () => `${head}

The connection closed (${heard.closed}) before the transcription of the latest user audio arrived.`,
      }
    }
    if (!heard) {
      return {
        pass: false,
        message: () => `${head}\n\nNo transcription of the latest user audio arrived within ${timeout} ms (is input transcription enabled?).`,
      }
    }
    if ('failed' in heard) {
      return { pass: false, message: () => `${head}\n\nThe model could not transcribe the latest user audio: ${heard.failed}` }
    }
    const result = wordErrorRate(expected, heard.text, { phonetic: options.phonetic })
    // The run report's user transcription WER (a note, not a record: matchers never write the records).
    noteVoiceMeasurement(received, { kind: 'wer', turn: turn.index + 1, value: result.wer })
    const pass = result.wer <= maxWer
    return {
      pass,
      actual: heard.text,
      expected,
      message: () =>
        `${head}\n\n` +
        `Expected: the model to ${this.isNot ? 'not ' : ''}hear ${this.utils.printExpected(expected)} (word error rate ≤ ${maxWer})\n` +
        `Received: ${this.utils.printReceived(heard.text)} — word error rate ${result.wer.toFixed(2)} ` +
        `(${result.substitutions} substituted, ${result.deletions} missing, ${result.insertions} extra of ${result.referenceLength} words)\n\n` +
        `Alignment (expected → heard):\n${formatAlignment(result.alignment)
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
    }
  })
}

/** Set once the adapter's socket has closed (adapters that expose `closeInfo`): nothing more can arrive. */
function closedWithout(agent: VoiceAgentAdapter): { closed: string } | undefined {
  const close = (agent as { closeInfo?: { code: number; reason: string } | null }).closeInfo
  return close ? { closed: `${close.code}${close.reason ? ` ${close.reason}` : ''}` } : undefined
}

function read(turn: TurnRecord): { text: string } | { failed: string } | undefined {
  if (turn.transcriptionFailed) return { failed: turn.transcriptionFailed }
  if (turn.transcription !== null) return { text: turn.transcription }
  return undefined
}
