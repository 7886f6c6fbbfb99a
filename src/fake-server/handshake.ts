/**
 * Who may connect, and how refusals look. The live API refuses almost everything AFTER a successful 101: an
 * `error` event, then a close (3000 for auth, 4000 for model/beta-header problems), with the close reason
 * `<error.type>.<error.code>`. Proxies and Azure may instead refuse the upgrade with an HTTP
 * status; `rejectHandshake` does that. Keys are compared, masked or redacted, never stored.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { STATUS_CODES } from 'node:http'
import { closeReasonFor, maskApiKey, protocolErrors, type ErrorBody } from './protocol-errors.js'
import { keyDigest, type ResolvedOptions } from './options.js'
import { timingSafeEqual } from 'node:crypto'

const INSECURE_KEY_PROTOCOL = 'openai-insecure-api-key.'
const BETA_PROTOCOL = 'openai-beta.realtime-v1'

export interface Refusal {
  error: ErrorBody
  closeCode: number
  closeReason: string
}

function protocolsOf(headers: IncomingHttpHeaders): string[] {
  const raw = headers['sec-websocket-protocol']
  return typeof raw === 'string'
    ? raw
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : []
}

function presentedKey(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim())
    if (match) return match[1]!.trim()
  }
  // Browsers cannot set headers: the SDKs send the key as a subprotocol.
  const fromProtocol = protocolsOf(headers).find((p) => p.startsWith(INSECURE_KEY_PROTOCOL))
  return fromProtocol ? fromProtocol.slice(INSECURE_KEY_PROTOCOL.length) : null
}

const refuse = (error: ErrorBody, closeCode: number): Refusal => ({ error, closeCode, closeReason: closeReasonFor(error) })

/** The in-band refusal for this upgrade request, or null when it may proceed. Order: auth, beta header, model. */
export function checkUpgrade(req: IncomingMessage, query: URLSearchParams, options: ResolvedOptions): Refusal | null {
  if (options.apiKeyDigest !== undefined) {
    const key = presentedKey(req.headers)
    if (key === null || key === '') return refuse(protocolErrors.missingAuth(), 3000)
    if (!timingSafeEqual(keyDigest(key), options.apiKeyDigest)) return refuse(protocolErrors.invalidApiKey(maskApiKey(key)), 3000)
  }
  const beta = req.headers['openai-beta']
  if ((typeof beta === 'string' && /realtime/i.test(beta)) || protocolsOf(req.headers).includes(BETA_PROTOCOL)) {
    return refuse(protocolErrors.betaHeader(), 4000)
  }
  const model = query.get('model')
  if (model === null || model === '') {
    if (query.has('intent') || query.has('call_id')) {
      return refuse(
        {
          type: 'invalid_request_error',
          code: 'invalid_value',
          param: query.has('intent') ? 'intent' : 'call_id',
          message:
            'expect-voice fake server: transcription sessions (?intent=) and call attachments (?call_id=) are not supported; connect with ?model=<model>.',
        },
        4000,
      )
    }
    return refuse(protocolErrors.missingModel(), 4000)
  }
  if (options.allowedModels && !options.allowedModels.includes(model)) return refuse(protocolErrors.invalidModel(model), 4000)
  return null
}

/** The subprotocol to accept: browsers (and SDKs acting like them) need 'realtime' echoed back. */
export function chooseProtocol(offered: Set<string>): string | false {
  return offered.has('realtime') ? 'realtime' : false
}

/** Request headers as tests may see them: lower-cased, credentials redacted. */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    let text = Array.isArray(value) ? value.join(', ') : value
    if (name === 'authorization') text = /^Bearer\s/i.test(text) ? 'Bearer [redacted]' : '[redacted]'
    else if (name === 'api-key' || name === 'x-api-key' || name === 'cookie') text = '[redacted]'
    else if (name === 'sec-websocket-protocol') {
      text = text
        .split(',')
        .map((p) => (p.trim().startsWith(INSECURE_KEY_PROTOCOL) ? `${INSECURE_KEY_PROTOCOL}[redacted]` : p.trim()))
        .join(', ')
    }
    out[name] = text
  }
  return out
}

/** Query parameters, with anything that looks like a credential redacted. */
export function redactQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of query) out[name] = /key|token|secret|password/i.test(name) ? '[redacted]' : value
  return out
}

const DEFAULT_REJECTION_BODIES: Record<number, { message: string; type: string; code: string | null }> = {
  401: {
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
  403: { message: 'You do not have access to the Realtime API with this key.', type: 'invalid_request_error', code: 'forbidden' },
  404: { message: 'The requested resource was not found.', type: 'invalid_request_error', code: 'not_found' },
  429: { message: 'Rate limit reached. Please try again later.', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', code: null },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
}

/** The JSON body of a refused upgrade when the test gives none: `{"error":{message,type,code,param}}`. */
export function defaultRejectionBody(status: number): string {
  const known = DEFAULT_REJECTION_BODIES[status]
  const error = known ?? { message: STATUS_CODES[status] ?? `HTTP ${status}`, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null }
  return JSON.stringify({ error: { ...error, param: null } })
}
