import { redactorFor } from '../secrets/redact.js'
import type { MatcherContext, MatcherResult } from './context.js'

type Matcher = (this: MatcherContext, received: never, ...args: never[]) => Promise<MatcherResult>

/**
 * Wraps a matcher so that its failure message (and the `actual` shown in diffs) never prints a credential: the
 * agent's own key when it holds one (through `REDACT`), and anything key-like. Messages quote what the agent said
 * and heard, and a test of "never reveal the key" must not reveal it when it fails.
 */
export function withRedaction<F extends Matcher>(matcher: F): F {
  const wrapped = async function (this: MatcherContext, received: unknown, ...args: unknown[]): Promise<MatcherResult> {
    const clean = redactorFor(received)
    let result: MatcherResult
    try {
      result = await (matcher as unknown as (this: MatcherContext, ...a: unknown[]) => Promise<MatcherResult>).call(this, received, ...args)
    } catch (err) {
      // A thrown error (a bad argument printed back, a server error) is shown like a failure message.
      if (err instanceof Error && !Object.isFrozen(err)) {
        err.message = clean(err.message)
        if (typeof err.stack === 'string') err.stack = clean(err.stack)
      }
      throw err
    }
    const message = result.message
    return {
      ...result,
      message: () => clean(message()),
      ...(typeof result.actual === 'string' ? { actual: clean(result.actual) } : {}),
      ...(typeof result.expected === 'string' ? { expected: clean(result.expected) } : {}),
    }
  }
  Object.defineProperty(wrapped, 'name', { value: matcher.name })
  return wrapped as unknown as F
}
