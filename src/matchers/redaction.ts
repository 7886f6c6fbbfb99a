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
      // `actual` and `expected` reach JSON reports (Vitest's serialised error, Jest's failureDetails) as they are.
      ...('actual' in result ? { actual: cleanDeep(result.actual, clean) } : {}),
      ...('expected' in result ? { expected: cleanDeep(result.expected, clean) } : {}),
    }
  }
  Object.defineProperty(wrapped, 'name', { value: matcher.name })
  return wrapped as unknown as F
}

/**
 * `value` with `clean` applied to every string in it: strings, arrays and plain objects (e.g. toCallTool's list of
 * calls) are copied, anything else (asymmetric matchers, class instances) is kept as it is. Bounded in depth.
 */
function cleanDeep(value: unknown, clean: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return clean(value)
  if (depth > 8 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => cleanDeep(v, clean, depth + 1))
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanDeep(v, clean, depth + 1)]))
}
