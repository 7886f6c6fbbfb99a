/** Placeholder written wherever a secret would have appeared. */
export const REDACTED = '[redacted]'

/**
 * Implemented by adapters that hold credentials: returns the text with them removed (never the credentials
 * themselves). The matchers pass their messages through it.
 */
export const REDACT: unique symbol = Symbol.for('expect-voice.redact') as never

// Key-looking strings (OpenAI `sk-…` keys, bearer tokens) are scrubbed even when we were not told the secret,
// because a server message or user payload may echo one back.
const KEY_LIKE = /\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,})|(Bearer\s+)([A-Za-z0-9._~+/=-]{8,})/g
// The long random runs inside a secret: they survive normalisation (lower-casing, splitting on "-"), as in the
// word alignments of matcher messages, and never occur by chance.
const SEGMENT = /[A-Za-z0-9]{12,}/g

/**
 * Removes the given secrets and anything that looks like an API key or bearer token from `text`, and also the
 * long random runs of those (e.g. the key's words after text normalisation, in any case).
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined | null> = []): string {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4)
  for (const m of text.matchAll(KEY_LIKE)) known.push((m[1] ?? m[3])!)
  let out = text
  for (const secret of known) out = out.split(secret).join(REDACTED)
  out = out.replace(KEY_LIKE, (_m, _key: string | undefined, bearer: string | undefined) => (bearer ? `${bearer}${REDACTED}` : REDACTED))
  const segments = new Set(known.flatMap((s) => s.match(SEGMENT) ?? []).map((s) => s.toLowerCase()))
  for (const segment of segments) out = out.replace(new RegExp(segment, 'gi'), REDACTED)
  return out
}
