/**
 * Un-awaited async matchers pass silently in Vitest (and become stray rejections when they fail). Each waiting
 * matcher registers here while it runs; the fixtures check, when a test ends, that none is still running.
 */
const PENDING_KEY = Symbol.for('expect-voice.pending-matchers')
type WithPending = typeof globalThis & { [PENDING_KEY]?: Map<object, Set<string>> }

function registry(): Map<object, Set<string>> {
  const g = globalThis as WithPending
  return (g[PENDING_KEY] ??= new Map())
}

/** Runs `body` while recording that `matcher` is waiting on `agent`. */
export async function trackPending<T>(agent: object, matcher: string, body: () => Promise<T>): Promise<T> {
  const map = registry()
  let set = map.get(agent)
  if (!set) map.set(agent, (set = new Set()))
  const token = `${matcher}#${set.size}:${Math.random().toString(36).slice(2, 8)}`
  set.add(token)
  try {
    return await body()
  } finally {
    set.delete(token)
    if (set.size === 0) map.delete(agent)
  }
}

/** Names of matchers still waiting on `agent` (e.g. `['toSay']`). */
export function pendingMatchers(agent: object): string[] {
  return [...(registry().get(agent) ?? [])].map((token) => token.slice(0, token.indexOf('#')))
}

export class UnawaitedMatcherError extends Error {
  override name = 'UnawaitedMatcherError'
  constructor(names: string[]) {
    const list = [...new Set(names)].map((n) => `expect(agent).${n}()`).join(', ')
    super(
      `${list} was still running when the test ended: it was not awaited, so its result was lost. ` +
        `Write \`await expect(agent).${names[0]}(...)\`.`,
    )
  }
}

/** Throws `UnawaitedMatcherError` when a matcher on `agent` is still running. */
export function assertNoPendingMatchers(agent: object): void {
  const names = pendingMatchers(agent)
  if (names.length) throw new UnawaitedMatcherError(names)
}
