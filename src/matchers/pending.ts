import { ExpectVoiceError } from '../errors/index.js'
import type { MatcherContext, MatcherResult } from './context.js'

/**
 * Un-awaited async matchers pass silently in Vitest (and become stray rejections when they fail). Each waiting
 * matcher registers here while it runs; the fixtures check, when a test ends, that none is still running.
 */
const PENDING_KEY = Symbol.for('expect-voice.pending-matchers')

interface Pending {
  matcher: string
  /** Set once the fixture has failed the test for this matcher: its late outcome must not surface again. */
  abandoned: boolean
}

type WithPending = typeof globalThis & { [PENDING_KEY]?: Map<object, Set<Pending>> }

function registry(): Map<object, Set<Pending>> {
  const g = globalThis as WithPending
  return (g[PENDING_KEY] ??= new Map())
}

/** Runs `body` while recording that `matcher` is waiting on `agent`. */
export async function trackPending(ctx: MatcherContext, agent: object, matcher: string, body: () => Promise<MatcherResult>): Promise<MatcherResult> {
  const map = registry()
  let set = map.get(agent)
  if (!set) map.set(agent, (set = new Set()))
  const entry: Pending = { matcher, abandoned: false }
  set.add(entry)
  // The test already failed with UnawaitedMatcherError; a late failure (e.g. "disconnected while waiting") would
  // only add an unhandled rejection that points nowhere useful.
  const settled = (): MatcherResult => ({ pass: !ctx.isNot, message: () => `${matcher}() was not awaited` })
  try {
    const result = await body()
    return entry.abandoned ? settled() : result
  } catch (err) {
    if (entry.abandoned) return settled()
    throw err
  } finally {
    set.delete(entry)
    if (set.size === 0) map.delete(agent)
  }
}

/** Names of matchers still waiting on `agent` (e.g. `['toSay']`). */
export function pendingMatchers(agent: object): string[] {
  return [...(registry().get(agent) ?? [])].map((p) => p.matcher)
}

/** A waiting matcher was still running when its test ended (it was not awaited). */
export class UnawaitedMatcherError extends ExpectVoiceError {
  override name = 'UnawaitedMatcherError'
  constructor(names: string[]) {
    const list = [...new Set(names)].map((n) => `expect(agent).${n}()`).join(', ')
    super(`${list} was still running when the test ended: it was not awaited, so its result was lost. ` + `Write \`await expect(agent).${names[0]}(...)\`.`)
  }
}

/** Throws `UnawaitedMatcherError` when a matcher on `agent` is still running (and abandons those matchers). */
export function assertNoPendingMatchers(agent: object): void {
  const pending = [...(registry().get(agent) ?? [])]
  if (!pending.length) return
  for (const p of pending) p.abandoned = true
  throw new UnawaitedMatcherError(pending.map((p) => p.matcher))
}
