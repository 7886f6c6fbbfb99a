/**
 * How code that calls OpenAI's HTTP endpoints on an agent's behalf (the judge, the transcriber) reaches the same
 * endpoint with the same credentials as the agent's realtime connection, without the credentials ever becoming a
 * readable property: an adapter that holds them answers `agent[HTTP_ACCESS]()` (a registered symbol, so it is
 * recognised across module copies; a method, so it is not enumerable, copied, compared or serialised).
 */
export const HTTP_ACCESS: unique symbol = Symbol.for('expect-voice.http-access') as never

export interface HttpAccess {
  /** The realtime URL the agent dials (`wss://api.openai.com/v1/realtime?model=…`). */
  url: string
  /** The credential headers it sends (`Authorization: Bearer …`, Azure's `api-key`); `{}` on loopback. */
  headers: Record<string, string>
  /** The CA its socket trusts (`wsOptions.ca`), for a TLS fake server. */
  ca?: string | Buffer | Array<string | Buffer>
}

/** `agent[HTTP_ACCESS]()`, or undefined when the agent offers none (a third-party adapter). */
export function httpAccessOf(agent: unknown): HttpAccess | undefined {
  if ((typeof agent !== 'object' && typeof agent !== 'function') || agent === null) return undefined
  const fn = (agent as { [HTTP_ACCESS]?: unknown })[HTTP_ACCESS]
  if (typeof fn !== 'function') return undefined
  const access = (fn as () => unknown).call(agent)
  if (typeof access !== 'object' || access === null || typeof (access as HttpAccess).url !== 'string') return undefined
  return access as HttpAccess
}
