/**
 * The client side of the realtime handshake: which headers carry credentials, and what an HTTP refusal of the
 * upgrade says. (A refusal after the upgrade is an `error` event followed by a close; the adapter reads those as
 * events.)
 */
import type { IncomingMessage } from 'node:http'

// Authorization, api-key (Azure), x-api-key, ocp-apim-subscription-key, x-auth-token, cookie, ...
const CREDENTIAL_HEADERS = /auth|key|token|secret|cookie|password/i

/** The secret values among handshake headers (Azure's `api-key`, a custom Authorization), scheme removed. */
export function credentialHeaderValues(headers: Record<string, string>): string[] {
  return Object.entries(headers)
    .filter(([name]) => CREDENTIAL_HEADERS.test(name))
    .map(([, value]) => String(value).replace(/^(Bearer|Basic)\s+/i, ''))
}

/** Reads at most `limit` characters of a refusal's body, giving up after `maxWaitMs` (a body that never ends). */
export function readBody(res: IncomingMessage, limit = 64 * 1024, maxWaitMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    let body = ''
    const done = () => {
      clearTimeout(timer)
      resolve(body.slice(0, limit))
    }
    const timer = setTimeout(done, maxWaitMs)
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      if (body.length < limit) body += chunk
    })
    res.on('end', done)
    res.on('error', done)
    res.on('close', done)
  })
}

/** Pulls the human message out of an OpenAI-style `{"error":{"message":…}}` body, else the trimmed text. */
export function describeHttpError(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; code?: string } | string; message?: string }
    if (typeof parsed.error === 'string') return parsed.error
    const msg = parsed.error?.message ?? parsed.message
    if (msg) return parsed.error && typeof parsed.error === 'object' && parsed.error.code ? `${msg} (${parsed.error.code})` : msg
  } catch {
    // not JSON: fall through
  }
  return body.trim().slice(0, 500)
}
