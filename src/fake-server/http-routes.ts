/**
 * The HTTP side of the fake server, on the same port as its realtime WebSocket: `POST /v1/responses` (the judge)
 * and `POST /v1/audio/transcriptions` (the transcriber). Everything else is a 404 naming what is served.
 * `faults.http` makes these endpoints fail: an HTTP status, a delay (a slow endpoint), or a malformed answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { transcribeSyntheticSpeech } from '../audio/synthetic-voice.js'
import { decodeWav } from '../audio/wav.js'
import { parseMultipart, readRequestBody, requestPath, sendJson } from '../loopback/http-body.js'
import { answerJudge, responsesApiAnswer } from './http-judge.js'
import { keyDigest, type ResolvedOptions } from './options.js'
import { maskApiKey } from './protocol-errors.js'

const NOT_SERVED = JSON.stringify({
  error: {
    message:
      'expect-voice fake realtime server: serves WebSocket upgrades (GET /v1/realtime?model=...), POST /v1/responses and POST /v1/audio/transcriptions only.',
    type: 'invalid_request_error',
    code: null,
    param: null,
  },
})

const STATUS_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Bad request (injected by faults.http).' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided (injected by faults.http).' },
  403: { type: 'invalid_request_error', code: null, message: 'Forbidden (injected by faults.http).' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached (injected by faults.http).' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request (injected by faults.http).' },
}

const error = (message: string, type = 'invalid_request_error', code: string | null = null) => ({ error: { message, type, code, param: null } })

export interface HttpRoutes {
  handle(req: IncomingMessage, res: ServerResponse): void
  /** Clears the timers of delayed answers. */
  close(): void
}

export function createHttpRoutes(options: ResolvedOptions): HttpRoutes {
  const timers = new Set<NodeJS.Timeout>()
  const counter = { responses: 0 }
  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn()
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
  }

  const route = async (req: IncomingMessage, res: ServerResponse, endpoint: 'responses' | 'audio/transcriptions') => {
    const body = await readRequestBody(req)
    if (body === null) return sendJson(res, 413, error('Request body too large for the fake server.'))
    const refusal = checkKey(req, options)
    if (refusal) return sendJson(res, 401, refusal)
    const fault = options.faults.http
    const applies = fault && (fault.endpoint === undefined || fault.endpoint === endpoint)
    const answer =
      applies && fault.status !== undefined
        ? faultAnswer(fault.status)
        : applies && fault.malformed
          ? malformedAnswer(endpoint)
          : await serve(endpoint, body, req, options, counter)
    later(applies ? (fault.delayMs ?? 0) : 0, () => sendJson(res, answer.status, answer.body, answer.contentType))
  }

  return {
    handle(req, res) {
      const path = requestPath(req)
      const endpoint =
        req.method === 'POST' ? (path === '/v1/responses' ? 'responses' : path === '/v1/audio/transcriptions' ? 'audio/transcriptions' : null) : null
      if (!endpoint) return sendJson(res, 404, NOT_SERVED)
      route(req, res, endpoint).catch((err: unknown) => {
        sendJson(res, 500, error(`expect-voice fake realtime server failed on ${path}: ${err instanceof Error ? err.message : String(err)}`, 'server_error'))
      })
    },
    close() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}

interface Answer {
  status: number
  body: unknown
  contentType?: string
}

function checkKey(req: IncomingMessage, options: ResolvedOptions): unknown {
  if (options.apiKeyDigest === undefined) return null
  const key = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? '').trim())?.[1]?.trim()
  if (!key) return error('Missing bearer or basic authentication in header')
  if (!timingSafeEqual(keyDigest(key), options.apiKeyDigest))
    return error(`Incorrect API key provided: ${maskApiKey(key)}.`, 'invalid_request_error', 'invalid_api_key')
  return null
}

function faultAnswer(status: number): Answer {
  return {
    status,
    body: error(
      STATUS_ERRORS[status]?.message ?? `HTTP ${status} (injected by faults.http).`,
      STATUS_ERRORS[status]?.type,
      STATUS_ERRORS[status]?.code ?? null,
    ),
  }
}

/** 200, but not what was asked for: a judge that chats instead of answering the schema, a transcription that is not JSON. */
function malformedAnswer(endpoint: 'responses' | 'audio/transcriptions'): Answer {
  if (endpoint === 'responses') return { status: 200, body: responsesApiAnswer('fake', 'Sure! The agent did a great job overall.') }
  return { status: 200, body: 'Internal transcription glitch', contentType: 'text/plain' }
}

async function serve(
  endpoint: 'responses' | 'audio/transcriptions',
  body: Buffer,
  req: IncomingMessage,
  options: ResolvedOptions,
  counter: { responses: number },
): Promise<Answer> {
  if (endpoint === 'responses') {
    let json: unknown
    try {
      json = JSON.parse(body.toString('utf8'))
    } catch {
      return { status: 400, body: error('We could not parse the JSON body of your request.') }
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return { status: 400, body: error('The body must be a JSON object.') }
    if (!options.judge) {
      return {
        status: 400,
        body: error("expect-voice fake realtime server: no judge is scripted; pass the fake server's `judge` option ({ criteria, transcript }) => verdict."),
      }
    }
    try {
      return { status: 200, body: await answerJudge(options.judge, json as Record<string, unknown>, ++counter.responses) }
    } catch (err) {
      return {
        status: 500,
        body: error(`expect-voice fake realtime server: the judge threw: ${err instanceof Error ? err.message : String(err)}`, 'server_error'),
      }
    }
  }
  const parts = parseMultipart(body, req.headers['content-type'])
  const file = parts?.find((p) => p.name === 'file')
  if (!parts || !file) return { status: 400, body: error("Expected a multipart/form-data body with a 'file' part.") }
  let pcm: Buffer
  try {
    pcm = decodeWav(file.data).data
  } catch (err) {
    return { status: 400, body: error(`The audio file could not be decoded: ${(err as Error).message}`) }
  }
  // Its own synthetic voice, exactly; anything else is heard as nothing.
  return { status: 200, body: { text: transcribeSyntheticSpeech(pcm) ?? '' } }
}
