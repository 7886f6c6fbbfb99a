import { noteMatcherFailure, recordingPlanFor } from '../reports/registry.js'
import { recordingNote } from '../reports/note.js'
import type { MatcherContext, MatcherResult } from './context.js'

type Matcher = (this: MatcherContext, received: never, ...args: never[]) => Promise<MatcherResult>

/**
 * Wraps a matcher so that, when it fails: the failure is noted on the agent (Jest's fixture records the conversation
 * of a test in which a voice matcher failed), and, when recordings are written for every test (mode 'always'), the
 * message names the files the fixture will write when the test ends. In 'on-failure' mode the fixture adds the paths
 * to the test's failure itself, once it knows the test failed.
 */
export function withRecordingNote<F extends Matcher>(name: string, matcher: F): F {
  const wrapped = async function (this: MatcherContext, received: unknown, ...args: unknown[]): Promise<MatcherResult> {
    const result = await (matcher as unknown as (this: MatcherContext, ...a: unknown[]) => Promise<MatcherResult>).call(this, received, ...args)
    if (result.pass === !!this.isNot) {
      noteMatcherFailure(received, name)
      const plan = recordingPlanFor(received)
      if (plan?.mode === 'always') {
        const message = result.message
        return { ...result, message: () => `${message()}\n\n${recordingNote(plan, true)}` }
      }
    }
    return result
  }
  Object.defineProperty(wrapped, 'name', { value: name })
  return wrapped as unknown as F
}
