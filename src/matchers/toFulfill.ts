import type { VoiceAgentAdapter } from '../adapter/types.js'
import { latestTurn, observe, syncUserTranscription } from '../adapter/observe.js'
import { buildTranscript } from '../conversation/transcript.js'
import { InvalidOptionError } from '../errors/index.js'
import { conversationText, DEFAULT_JUDGE_MODEL, requestVerdict, type CriterionVerdict } from '../judge/index.js'
import { normalizeText } from '../text/index.js'
import { hint, type MatcherContext, type MatcherResult } from './context.js'
import { drive, waitForChange } from './drive.js'
import { endpointAccess, type EndpointOptions } from './endpoints.js'
import { trackPending } from './pending.js'
import { excerpt, notAnAdapter, resolveTimeout } from './shared.js'
import { noteVoiceMeasurement } from '../run-report/sink.js'

export interface ToFulfillOptions extends EndpointOptions {
  /** The judge model (a text model of the Responses API). Default `gpt-4.1-mini`. */
  model?: string
  /** How long to wait for the response to end, and then for the judge's answer, in ms (each). Default: the global matcher timeout (15 s). */
  timeout?: number
}

/** The judge's verdict, plain and serialisable (for reports): on the matcher's result as `verdict`. */
export interface FulfillVerdict {
  /** The criteria as given. */
  criteria: string | string[]
  /** The judge's answer: its own `pass` and every criterion's. */
  pass: boolean
  reason: string
  /** The judge model. */
  model: string
  /** Each criterion as the judge decided it, with its quoted evidence. */
  checks: CriterionVerdict[]
}

export type FulfillResult = MatcherResult & { verdict?: FulfillVerdict }

/** The longest wait for the user's late transcriptions (a session without input transcription never gets one). */
const TRANSCRIPTION_WAIT_MS = 3000

function checkCriteria(criteria: unknown): string[] {
  const list = typeof criteria === 'string' ? [criteria] : Array.isArray(criteria) ? criteria : null
  if (!list || list.length === 0 || !list.every((c) => typeof c === 'string' && c.trim() !== '')) {
    throw new InvalidOptionError(
      `toFulfill(criteria): criteria must be a non-empty string or a non-empty array of non-empty strings, e.g. 'confirms the party size and the time; does not promise a window seat', got ${JSON.stringify(criteria) ?? String(criteria)}`,
    )
  }
  return list.map((c) => c.trim())
}

/**
 * Passes when an LLM judge finds that the conversation so far (the transcript, with tool calls and their results)
 * meets the criteria. Waits for the latest response to end first. The verdict is asked of a text model through the
 * Responses API with a strict JSON schema; what cannot be read as a verdict is an error, never a pass.
 */
export async function toFulfill(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  criteria: string | string[],
  options: ToFulfillOptions = {},
): Promise<FulfillResult> {
  const invalid = notAnAdapter(this, 'toFulfill', received)
  if (invalid) return invalid
  const list = checkCriteria(criteria)
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('toFulfill(criteria, options): options must be an object')
  const model = options.model ?? DEFAULT_JUDGE_MODEL
  if (typeof model !== 'string' || model === '') throw new InvalidOptionError(`toFulfill: option "model" must be a model name such as ${DEFAULT_JUDGE_MODEL}`)
  const timeout = resolveTimeout('toFulfill', options.timeout)
  const access = endpointAccess('toFulfill', received, options)
  const head = hint(this, 'toFulfill', 'criteria')
  return trackPending(this, received, 'toFulfill', async (): Promise<FulfillResult> => {
    // Nothing sent yet: nothing to wait for. Nothing to evaluate fails with and without `.not` (as every matcher does).
    if (latestTurn(observe(received)) === null)
      return { pass: !!this.isNot, message: () => `${head}\n\nThe agent has not been asked anything: send audio or text first.` }
    const { response, timeout: timedOut } = await drive(received, timeout, () => false)
    const conversation = observe(received)
    if (!response) {
      return { pass: !!this.isNot, message: () => `${head}\n\nThe agent has not been asked anything: send audio or text first.` }
    }
    if (timedOut) {
      return {
        pass: !!this.isNot,
        message: () =>
          `${head}\n\nThe response did not end within ${timeout} ms, so there is no whole conversation to judge.\n` +
          `Transcript so far: ${excerpt(response.transcript || null)}\n${timedOut.message}`,
      }
    }
    // The user's words arrive as a late transcription event: judging before it lands would judge (and record) a
    // conversation with "(not transcribed)" in it, and a replay could then differ from its recording by timing alone.
    const watched = syncUserTranscription(received)
    await waitForChange(
      conversation,
      () => {
        syncUserTranscription(received)
        return conversation.turns.some((t) => t.input === 'audio' && t.endedAt !== null && t.transcription === null && t.transcriptionFailed === null)
          ? undefined
          : true
      },
      Math.min(timeout, TRANSCRIPTION_WAIT_MS),
      // A third-party adapter whose transcript is a getter of its own announces nothing: look again every 25 ms.
      watched ? undefined : 25,
    )
    const transcript = buildTranscript(conversation.turns)
    const verdict = await requestVerdict({ ...access, model, criteria: list, transcript, timeoutMs: timeout })
    const pass = verdict.pass && verdict.criteria.every((c) => c.pass)
    const plain: FulfillVerdict = {
      criteria: typeof criteria === 'string' ? criteria : [...list],
      pass,
      reason: verdict.reason,
      model,
      checks: verdict.criteria,
    }
    // For the run report (when one is collecting): the verdict, about the conversation as a whole.
    noteVoiceMeasurement(received, { kind: 'judge', turn: null, criteria: list.join('; '), pass, reason: verdict.reason, model })
    const said = normalizeText(conversationText(transcript))
    return {
      pass,
      verdict: plain,
      message: () => {
        const lines = [
          head,
          '',
          `Expected: the conversation to ${this.isNot ? 'not ' : ''}fulfil ${list.length === 1 ? this.utils.printExpected(list[0]) : 'these criteria:'}`,
          ...(list.length > 1 ? list.map((c) => `  - ${c}`) : []),
          `Verdict of ${model}: ${pass ? 'fulfilled' : 'not fulfilled'}${verdict.pass !== pass ? ' (the judge said pass, but a criterion failed)' : ''}`,
          `Reason: ${verdict.reason}`,
          '',
          'Criteria:',
          ...(verdict.criteria.length === 0 ? ['  (the judge listed none)'] : verdict.criteria.flatMap((c) => describeCriterion(c, said))),
          '',
          `Conversation (${transcript.length} ${transcript.length === 1 ? 'entry' : 'entries'}):`,
          ...excerptLines(conversationText(transcript)),
        ]
        return lines.join('\n')
      },
    }
  })
}

/** `✓ criterion` / `✗ criterion` and its quotes; a quote that is not in the conversation is marked, not trusted. */
function describeCriterion(c: CriterionVerdict, said: string): string[] {
  const lines = [`  ${c.pass ? '✓' : '✗'} ${c.criterion}`]
  for (const quote of c.evidence.slice(0, 5)) {
    const found = normalizeText(quote) === '' || said.includes(normalizeText(quote))
    lines.push(`      “${excerpt(quote, 200)}”${found ? '' : ' (not found in the conversation)'}`)
  }
  if (c.evidence.length > 5) lines.push(`      … and ${c.evidence.length - 5} more`)
  if (c.evidence.length === 0) lines.push('      (no evidence quoted)')
  return lines
}

/** The conversation for the message, bounded: the last 20 lines, each cut at 300 characters. */
function excerptLines(text: string): string[] {
  const lines = text.split('\n').slice(1)
  const shown = lines.slice(-20).map((l) => `  ${excerpt(l)}`)
  return lines.length > 20 ? [`  … ${lines.length - 20} earlier lines`, ...shown] : shown
}
