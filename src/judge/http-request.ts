/**
 * One POST to an OpenAI HTTP endpoint, on `node:http`/`node:https` rather than the global `fetch`: Node 20's `fetch`
 * cannot trust a custom CA (the fake server's TLS mode) without `undici`, which is not a dependency, and `https`
 * takes `ca` directly. One connection per request (`agent: false`), so nothing stays open after the answer.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { HttpEndpointError, HttpEndpointTimeoutError, MalformedModelOutputError, type HttpEndpoint } from '../errors/index.js'
import type { Redactor } from '../secrets/redact.js'

/** Answers larger than this are refused: a verdict or a transcription is a few KiB. */
export const MAX_RESPONSE_BYTES = 1024 * 1024

export interface EndpointRequest {
  endpoint: HttpEndpoint
  /** Who asks, for messages: 'the judge', 'the transcriber'. */
  who: string
  url: string
  headers: Record<string, string>
  body: Buffer
  contentType: string
  timeoutMs: number
  ca?: string | Buffer | Array<string | Buffer>
  redact: Redactor
  maxResponseBytes?: number
}

export interface EndpointAnswer {
  status: number
  contentType: string
  body: string
}

/** The URL as messages show it: no query, no credentials. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return '(the endpoint)'
  }
}

/**
 * POSTs the body and resolves with a 2xx answer. Rejects with `HttpEndpointError` on any other status (naming the
 * server's error message) or no answer, `HttpEndpointTimeoutError` when the whole answer did not arrive within
 * `timeoutMs`, and `MalformedModelOutputError` when it exceeds `maxResponseBytes`.
 */
export function postToEndpoint(req: EndpointRequest): Promise<EndpointAnswer> {
  const max = req.maxResponseBytes ?? MAX_RESPONSE_BYTES
  const target = `${req.who} (POST ${shownUrl(req.url)})`
  return new Promise<EndpointAnswer>((resolve, reject) => {
    let url: URL
    try {
      url = new URL(req.url)
    } catch {
      reject(new HttpEndpointError(`${target}: not a URL`, req.endpoint, null))
      return
    }
    let settled = false
    let received = 0
    let status: number | null = null
    const finish = (err: Error | null, answer?: EndpointAnswer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) {
        client.destroy()
        reject(err)
      } else resolve(answer!)
    }
    const options = {
      method: 'POST',
      agent: false as const,
      headers: { ...req.headers, 'Content-Type': req.contentType, 'Content-Length': String(req.body.length), Accept: 'application/json', Connection: 'close' },
      ...(url.protocol === 'https:' && req.ca !== undefined ? { ca: req.ca } : {}),
    }
    const onResponse = (res: IncomingMessage) => {
      status = res.statusCode ?? 0
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > max) {
          finish(new MalformedModelOutputError(`${target} answered more than ${max} bytes; refused`, req.endpoint, ''))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', (err) =>
        finish(new HttpEndpointError(`${target}: the answer was cut off (${req.redact(err.message)})`, req.endpoint, status, null, null, { cause: err })),
      )
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const contentType = String(res.headers['content-type'] ?? '')
        if (status !== null && status >= 200 && status < 300) finish(null, { status, contentType, body })
        else finish(httpError(req, target, status ?? 0, body))
      })
    }
    const client = url.protocol === 'https:' ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse)
    const timer = setTimeout(() => {
      const got = status === null ? 'nothing arrived' : `HTTP ${status} arrived with ${received} bytes of its body`
      finish(
        new HttpEndpointTimeoutError(`${target} did not answer within ${req.timeoutMs} ms (${got}); pass a longer { timeout }`, req.endpoint, req.timeoutMs),
      )
    }, req.timeoutMs)
    client.on('error', (err) => {
      finish(
        new HttpEndpointError(`${target}: no HTTP answer (${req.redact(err.message)})`, req.endpoint, null, null, (err as NodeJS.ErrnoException).code ?? null, {
          cause: err,
        }),
      )
    })
    client.end(req.body)
  })
}

function httpError(req: EndpointRequest, target: string, status: number, body: string): HttpEndpointError {
  let type: string | null = null
  let code: string | null = null
  let message = body.slice(0, 500)
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; type?: unknown; code?: unknown } }
    if (parsed && typeof parsed.error === 'object' && parsed.error !== null) {
      if (typeof parsed.error.message === 'string') message = parsed.error.message
      if (typeof parsed.error.type === 'string') type = parsed.error.type
      if (typeof parsed.error.code === 'string') code = parsed.error.code
    }
  } catch {
    // not JSON: the start of the body is the message
  }
  const hint =
    status === 401
      ? ' (check the API key: the agent’s apiKey option or OPENAI_API_KEY)'
      : status === 429
        ? ' (rate limited or out of quota; try again later)'
        : ''
  const shown = message.length > 2000 ? `${message.slice(0, 2000)}…` : message
  return new HttpEndpointError(
    req.redact(`${target} failed with HTTP ${status}${type || code ? ` (${[type, code].filter(Boolean).join('/')})` : ''}: ${shown || '(empty body)'}${hint}`),
    req.endpoint,
    status,
    type,
    code,
  )
}
