import { toCallTool } from './toCallTool.js'
import { toRespondWithin } from './toRespondWithin.js'
import { toSay } from './toSay.js'
import { toStopOnInterrupt } from './toStopOnInterrupt.js'
import { toTranscribeAs } from './toTranscribeAs.js'
import { toYieldToCaller } from './toYieldToCaller.js'
import { toFulfill } from './toFulfill.js'
import { toSoundLikeItsTranscript } from './toSoundLikeItsTranscript.js'
import { withRecordingNote } from './recording-note.js'
import { withRedaction } from './redaction.js'

export { toCallTool, type ToCallToolOptions } from './toCallTool.js'
export { toRespondWithin, type ToRespondWithinOptions } from './toRespondWithin.js'
export { toSay, type ToSayOptions } from './toSay.js'
export { toStopOnInterrupt, type ToStopOnInterruptOptions } from './toStopOnInterrupt.js'
export { toTranscribeAs, type ToTranscribeAsOptions } from './toTranscribeAs.js'
export { toYieldToCaller, type ToYieldToCallerOptions } from './toYieldToCaller.js'
export { toFulfill, type FulfillResult, type FulfillVerdict, type ToFulfillOptions } from './toFulfill.js'
export { toSoundLikeItsTranscript, type ToSoundLikeItsTranscriptOptions } from './toSoundLikeItsTranscript.js'
export type { EndpointOptions, HearingOptions } from './endpoints.js'
export { configureVoiceMatchers, type VoiceMatcherConfig, type MatcherContext, type MatcherResult } from './context.js'
export { assertNoPendingMatchers, pendingMatchers, UnawaitedMatcherError } from './pending.js'

/** The raw matcher object for `expect.extend(voiceMatchers)` in any Jest-compatible runner. */
// withRedaction: messages quote what the agent said; no credential may reach a test report through them.
export const voiceMatchers = {
  toRespondWithin: withRedaction(withRecordingNote('toRespondWithin', toRespondWithin)),
  toSay: withRedaction(withRecordingNote('toSay', toSay)),
  toTranscribeAs: withRedaction(withRecordingNote('toTranscribeAs', toTranscribeAs)),
  toStopOnInterrupt: withRedaction(withRecordingNote('toStopOnInterrupt', toStopOnInterrupt)),
  toCallTool: withRedaction(withRecordingNote('toCallTool', toCallTool)),
  toYieldToCaller: withRedaction(withRecordingNote('toYieldToCaller', toYieldToCaller)),
  toFulfill: withRedaction(withRecordingNote('toFulfill', toFulfill)),
  toSoundLikeItsTranscript: withRedaction(withRecordingNote('toSoundLikeItsTranscript', toSoundLikeItsTranscript)),
}

import type { ToCallToolOptions } from './toCallTool.js'
import type { ToRespondWithinOptions } from './toRespondWithin.js'
import type { ToSayOptions } from './toSay.js'
import type { ToStopOnInterruptOptions } from './toStopOnInterrupt.js'
import type { ToTranscribeAsOptions } from './toTranscribeAs.js'
import type { ToYieldToCallerOptions } from './toYieldToCaller.js'
import type { ToFulfillOptions } from './toFulfill.js'
import type { ToSoundLikeItsTranscriptOptions } from './toSoundLikeItsTranscript.js'

/** Matcher signatures as seen by the test author. All wait, so all must be awaited. */
export interface VoiceAgentMatchers<R = unknown> {
  toRespondWithin(ms: number, options?: ToRespondWithinOptions): Promise<R>
  toSay(expected: string | RegExp | { asymmetricMatch(other: unknown): boolean }, options?: ToSayOptions): Promise<R>
  toTranscribeAs(expected: string, options?: ToTranscribeAsOptions): Promise<R>
  toStopOnInterrupt(options?: ToStopOnInterruptOptions): Promise<R>
  /**
   * The latest user turn (its response and the follow-up responses of the same turn) called `name`; `args`: the
   * parsed JSON arguments contain these (asymmetric matchers work); `times`: exactly that many matching calls.
   */
  toCallTool(name: string, args?: unknown, options?: ToCallToolOptions): Promise<R>
  /**
   * With the agent speaking and the server's turn detection on, runs `speak` (the caller talking over it) and passes
   * when the agent stops within `within` ms (default 500) of the caller's first audio and answers their new words
   * (saying `answers`, when given).
   */
  toYieldToCaller(speak: () => unknown, options?: ToYieldToCallerOptions): Promise<R>
  /**
   * An LLM judge (a text model, through the Responses API) finds that the conversation so far, tool calls
   * included, meets the criteria (a sentence, or a list of them). Verdicts are recorded and replayed with the
   * conversation.
   */
  toFulfill(criteria: string | string[], options?: ToFulfillOptions): Promise<R>
  /** The audio of the latest response says what its transcript says (word error rate ≤ `maxWer`, default 0.2). */
  toSoundLikeItsTranscript(options?: ToSoundLikeItsTranscriptOptions): Promise<R>
}
