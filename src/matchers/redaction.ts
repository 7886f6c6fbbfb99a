import { REDACT, redactSecrets } from '../secrets/redact.js'
import type { MatcherContext, MatcherResult } from './context.js'

type Matcher = (this: MatcherContext, received: never, ...args: never[]) => Promise<MatcherResult>

/**
 * Wraps a matcher so that its failure message (and the `actual` shown in diffs) never prints a credential: the
 * agent's own key when it holds one (through `REDACT`), and anything key-like. Messages quote what the agent said
 * and heard, and a test of "never reveal the key" must not reveal it when it fails.
 */
export function withRedaction<F extends Matcher>(matcher: F): F {
  const wrapped = async function (this: MatcherContext, received: unknown, ...args: unknown[]): Promise<MatcherResult> {
    const result = await (matcher as unknown as (this: MatcherContext, ...a: unknown[]) => Promise<MatcherResult>).call(this, received, ...args)
    const own = (received as { [REDACT]?: (text: string) => string } | null)?.[REDACT]
    const clean = (text: string) => redactSecrets(typeof own === 'function' ? own.call(received, text) : text)
    const message = result.message
    return {
      ...result,
      message: () => clean(message()),
      ...(typeof result.actual === 'string' ? { actual: clean(result.actual) } : {}),
    }
  }
  Object.defineProperty(wrapped, 'name', { value: matcher.name })
  return wrapped as unknown as F
}
