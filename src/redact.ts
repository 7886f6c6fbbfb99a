/** Placeholder written wherever a secret would have appeared. */
export const REDACTED = '[redacted]'

// Key-looking strings (OpenAI `sk-…` keys, bearer tokens) are scrubbed even when we were not told the secret,
// because a server message or user payload may echo one back.
const KEY_LIKE = /\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,})|(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g

/** Removes the given secrets and anything that looks like an API key or bearer token from `text`. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined | null> = []): string {
  let out = text
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED)
  }
  return out.replace(KEY_LIKE, (_m, _key: string | undefined, bearer: string | undefined) =>
    bearer ? `${bearer}${REDACTED}` : REDACTED,
  )
}
