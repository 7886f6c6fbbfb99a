import { REALTIME_URL } from '../protocol/events.js'
import { InvalidOptionError } from '../errors/index.js'

/**
 * Builds the realtime endpoint from `url` (a full endpoint or a base URL such as `http://127.0.0.1:1234/v1`).
 * http(s) becomes ws(s); `/realtime` is appended to a base ending in `/v1`; `?model=` is added unless the URL
 * already selects a model, an intent or a call.
 */
export function buildRealtimeUrl(url: string | undefined, model: string): string {
  let parsed: URL
  try {
    parsed = new URL(url ?? REALTIME_URL)
  } catch {
    throw new InvalidOptionError(`option "url" is not a valid URL: ${JSON.stringify(url)}`)
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:'
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:'
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new InvalidOptionError(`option "url" must use ws:, wss:, http: or https:, got ${parsed.protocol}`)
  }
  if (/\/v1\/?$/.test(parsed.pathname)) parsed.pathname = parsed.pathname.replace(/\/?$/, '/realtime')
  const q = parsed.searchParams
  if (!q.has('model') && !q.has('intent') && !q.has('call_id')) q.set('model', model)
  return parsed.toString()
}
