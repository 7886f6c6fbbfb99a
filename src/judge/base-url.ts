import { InvalidOptionError } from '../errors/index.js'
import { isLoopbackUrl } from '../loopback/url.js'

/**
 * The HTTP base URL of the API a realtime URL belongs to: `wss://api.openai.com/v1/realtime?model=…` →
 * `https://api.openai.com/v1`, `ws://127.0.0.1:PORT/v1/realtime` → `http://127.0.0.1:PORT/v1`. The judge and the
 * transcriber post beside the realtime endpoint, so whatever the agent talks to (the live API, the fake server, the
 * recording proxy, the replay server) answers them too. `http(s)://` URLs are taken as a base URL already.
 */
export function httpBaseUrl(realtimeUrl: string, option = 'baseURL'): string {
  let url: URL
  try {
    url = new URL(realtimeUrl)
  } catch {
    throw new InvalidOptionError(`option "${option}" must be a URL (https://host/v1 or the agent's wss://host/v1/realtime), got ${JSON.stringify(realtimeUrl)}`)
  }
  if (!/^(wss?|https?):$/.test(url.protocol)) {
    throw new InvalidOptionError(`option "${option}" must be an http(s):// or ws(s):// URL, got ${url.protocol}//…`)
  }
  const secure = url.protocol === 'wss:' || url.protocol === 'https:'
  let path = url.pathname.replace(/\/+$/, '')
  if (url.protocol.startsWith('ws')) path = path.replace(/\/realtime$/, '')
  return `${secure ? 'https' : 'http'}://${url.host}${path}`
}

/** `base` + `/path`, whatever slashes either has. */
export function endpointUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

export { isLoopbackUrl }

/** True for OpenAI's own API over TLS: the only host the environment's OPENAI_API_KEY goes to unasked. */
export function isOpenAIUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' && parsed.hostname.toLowerCase() === 'api.openai.com'
  } catch {
    return false
  }
}
