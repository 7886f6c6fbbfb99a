/**
 * The HTTP side of record and replay: the judge's `POST /v1/responses` and the transcriber's `POST
 * /v1/audio/transcriptions`, made beside the realtime connection (their base URL is derived from it, so they reach
 * the recording proxy or the replay server like the socket does).
 *
 * The recording proxy forwards them upstream with the key (the client leg carries none) and records each request
 * and answer, scrubbed; the replay server answers each request with the recorded answer when the request is the one
 * recorded at that point, in order. A request that differs (other criteria, another conversation, another model,
 * other audio) gets an HTTP 409 whose message is the replay diff and how to re-record; so does one the recording does
 * not have.
 */
import { createHash } from 'node:crypto'
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { httpBaseUrl } from '../judge/base-url.js'
import { boundDepth } from '../loopback/frames.js'
import { parseMultipart, readRequestBody, requestPath, sendJson } from '../loopback/http-body.js'
import { isAudioDigestRef, isObject, type JsonObject, type RecordedHttpExchange } from './cassette.js'
import { compareClientEvent, MISMATCH_ERROR_CODE, ReplayMismatchError, type Difference } from './match.js'
import type { Scrubber } from './scrub.js'

/** The paths recorded and replayed (everything else is a 404, as before). */
export const RECORDED_HTTP_PATHS: ReadonlySet<string> = new Set(['/v1/responses', '/v1/audio/transcriptions'])

/** What an upstream may answer: a verdict or a transcription is a few KiB; beyond this the proxy answers 502. */
const MAX_ANSWER_BYTES = 1024 * 1024
const UPSTREAM_TIMEOUT_MS = 120_000

export function isRecordedHttpRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && RECORDED_HTTP_PATHS.has(requestPath(req))
}

/** A request body as recorded: JSON as JSON, multipart fields with each file as its digest, anything else as text. */
export function normalizeHttpRequestBody(body: Buffer, contentType: string | undefined, scrub: Scrubber): JsonObject {
  const parts = /^multipart\/form-data/i.test(contentType ?? '') ? parseMultipart(body, contentType) : null
  if (parts) {
    const out: JsonObject = {}
    for (const part of parts) {
      out[scrub.text(part.name)] =
        part.filename !== undefined
          ? {
              $sha256: createHash('sha256').update(part.data).digest('hex'),
              bytes: part.data.length,
              filename: part.filename,
              contentType: part.contentType ?? '',
            }
          : scrub.text(part.data.toString('utf8'))
    }
    return out
  }
  const text = body.toString('utf8')
  try {
    const parsed: unknown = JSON.parse(text)
    if (isObject(parsed)) return scrub.value(boundDepth(parsed)) as JsonObject
  } catch {
    // not JSON
  }
  return { $text: scrub.text(text.slice(0, 64 * 1024)) }
}

/** An answer body as recorded: JSON as JSON, anything else as `{ $text }`. */
export function normalizeHttpAnswer(body: string, scrub: Scrubber): unknown {
  try {
    return scrub.value(boundDepth(JSON.parse(body) as unknown))
  } catch {
    return { $text: scrub.text(body) }
  }
}

/** The answer to any other plain HTTP request to a local server: a 404 naming what is served. */
export function notServed(res: ServerResponse): void {
  sendJson(res, 404, {
    error: {
      message: 'expect-voice: serves WebSocket upgrades (GET /v1/realtime?model=...), POST /v1/responses and POST /v1/audio/transcriptions only.',
      type: 'invalid_request_error',
      code: null,
      param: null,
    },
  })
}

function sendRecorded(res: ServerResponse, response: RecordedHttpExchange['response']): void {
  // No answer reached the client when it was recorded: none now either. The request stays open until the client
  // gives up (its timeout, as then) or the server closes (which ends every socket).
  if (response.aborted) return
  const body = response.body
  if (isObject(body) && typeof body.$text === 'string' && Object.keys(body).length === 1) sendJson(res, response.status, body.$text, 'text/plain')
  else sendJson(res, response.status, body)
}

// ---- recording -------------------------------------------------------------------------------------------------

export interface HttpRecorderOptions {
  /** The proxy's upstream (a realtime URL or base URL). */
  upstream: string
  /** Credential headers added upstream only. */
  headers: Record<string, string>
  ca?: unknown
  scrub: Scrubber
}

/** Forwards the judge's and the transcriber's requests upstream and records them. */
export class HttpRecorder {
  readonly exchanges: RecordedHttpExchange[] = []
  readonly #base: string
  readonly #live = new Set<{ destroy(): void }>()

  constructor(private readonly options: HttpRecorderOptions) {
    this.#base = httpBaseUrl(options.upstream, 'upstream')
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#forward(req, res).catch((err: unknown) => {
      sendJson(res, 502, {
        error: { message: this.options.scrub.text(`expect-voice recording proxy: ${String(err)}`), type: 'server_error', code: null, param: null },
      })
    })
  }

  async #forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { scrub } = this.options
    const path = requestPath(req)
    const contentType = String(req.headers['content-type'] ?? 'application/json')
    // The client may give up before the answer (its timeout): then the exchange stays abandoned, whatever comes later.
    let abandoned = false
    let upstream: { destroy(): void } | undefined
    res.once('close', () => {
      if (res.writableFinished) return
      abandoned = true
      upstream?.destroy()
    })
    const body = await readRequestBody(req)
    if (body === null)
      return sendJson(res, 413, {
        error: { message: 'expect-voice recording proxy: request body too large', type: 'invalid_request_error', code: null, param: null },
      })
    // Recorded in the order the requests came, whatever order the answers come in. Abandoned until the answer
    // reaches the client: a recording taken meanwhile (the test ended while it waited) replays as no answer.
    const exchange: RecordedHttpExchange = {
      request: { method: 'POST', path, body: normalizeHttpRequestBody(body, contentType, scrub) },
      response: { aborted: true },
    }
    this.exchanges.push(exchange)
    const target = new URL(`${this.#base}${path.replace(/^\/v1(?=\/)/, '')}`)
    const answer = await new Promise<{ status: number; contentType: string; body: string }>((resolve) => {
      const options = {
        method: 'POST',
        agent: false as const,
        headers: {
          ...this.options.headers,
          'Content-Type': contentType,
          'Content-Length': String(body.length),
          Accept: 'application/json',
          Connection: 'close',
        },
        timeout: UPSTREAM_TIMEOUT_MS,
        ...(target.protocol === 'https:' && this.options.ca !== undefined ? { ca: this.options.ca as string } : {}),
      }
      const fail = (message: string) => {
        this.#live.delete(request)
        resolve({
          status: 502,
          contentType: 'application/json',
          body: JSON.stringify({ error: { message: scrub.text(message), type: 'server_error', code: 'upstream_unreachable', param: null } }),
        })
      }
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, (up) => {
        const chunks: Buffer[] = []
        let size = 0
        let tooLarge = false
        up.on('data', (c: Buffer) => {
          if (tooLarge) return
          size += c.length
          if (size <= MAX_ANSWER_BYTES) return void chunks.push(c)
          // Not forwarded cut (the client would read a truncated body as the answer) nor recorded whole: refused.
          tooLarge = true
          this.#live.delete(request)
          request.destroy()
          resolve({
            status: 502,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                message: scrub.text(
                  `expect-voice recording proxy: the answer of ${target.origin}${target.pathname} (HTTP ${up.statusCode}) is over ${MAX_ANSWER_BYTES} bytes (1 MiB), the most the proxy forwards and records; a verdict or a transcription is a few KiB`,
                ),
                type: 'server_error',
                code: 'answer_too_large',
                param: null,
              },
            }),
          })
        })
        up.on('end', () => {
          this.#live.delete(request)
          resolve({
            status: up.statusCode ?? 502,
            contentType: String(up.headers['content-type'] ?? 'application/json'),
            body: Buffer.concat(chunks).toString('utf8'),
          })
        })
        up.on('error', (err) => fail(`expect-voice recording proxy: the answer of ${target.origin}${target.pathname} was cut off: ${err.message}`))
      })
      upstream = request
      this.#live.add(request)
      request.on('timeout', () => request.destroy(new Error(`no answer within ${UPSTREAM_TIMEOUT_MS} ms`)))
      request.on('error', (err) => fail(`expect-voice recording proxy: could not reach ${target.origin}${target.pathname}: ${err.message}`))
      if (abandoned) request.destroy()
      else request.end(body)
    })
    if (abandoned) return
    exchange.response = { status: answer.status, body: normalizeHttpAnswer(answer.body, scrub) }
    // The client gets what the upstream said (scrubbed like the recording: a server may echo a masked key).
    if (!res.destroyed && !res.headersSent) {
      const text = scrub.text(answer.body)
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(text), connection: 'close' })
      res.end(text)
    }
  }

  close(): void {
    for (const req of this.#live) req.destroy()
    this.#live.clear()
  }
}

// ---- replay ----------------------------------------------------------------------------------------------------

export interface HttpReplayContext {
  source?: string
  rerecord?: string
  scrub: Scrubber
  report: (err: ReplayMismatchError) => void
}

const HEAD = 'expect-voice replay: the test no longer does what it did when it was recorded.'

function describeRequest(exchange: RecordedHttpExchange['request'], index: number): string {
  const what = exchange.path.endsWith('/responses') ? 'the judge' : exchange.path.endsWith('/transcriptions') ? 'the transcriber' : 'a request'
  const model = typeof exchange.body.model === 'string' ? `, model ${exchange.body.model}` : ''
  return `HTTP request #${index + 1}, ${exchange.method} ${exchange.path} (${what}${model})`
}

function tail(ctx: HttpReplayContext): string[] {
  return [
    '',
    ...(ctx.source ? [`Recording: ${ctx.source}`] : []),
    ctx.rerecord
      ? `If the change is intended, re-record this test (it then talks to the live endpoint, so it needs OPENAI_API_KEY or a url):\n  ${ctx.rerecord}`
      : 'If the change is intended, re-record the test: EXPECT_VOICE_UPDATE=1 (needs OPENAI_API_KEY or a url).',
  ]
}

function shortJson(value: unknown, max = 200): string {
  if (value === undefined) return '(absent)'
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** What a difference is about, in words: the judge's criteria or conversation (its labelled text parts), the model, the audio. */
function aboutWhat(d: Difference): string {
  const text = typeof d.recorded === 'string' ? d.recorded : ''
  if (text.startsWith('Criteria:')) return ' (the criteria)'
  if (text.startsWith('Conversation:')) return ' (the conversation)'
  if (d.path === 'model') return ' (the model)'
  if (d.path === 'file') return ' (the audio)'
  return ''
}

/** A difference, readably: for two multi-line texts (the conversation the judge reads), the first line that differs. */
function describeDifference(d: Difference): string[] {
  const about = aboutWhat(d)
  if (typeof d.recorded === 'string' && typeof d.actual === 'string' && (d.recorded.includes('\n') || d.actual.includes('\n'))) {
    const a = d.recorded.split('\n')
    const b = d.actual.split('\n')
    let i = 0
    while (i < a.length && i < b.length && a[i] === b[i]) i++
    return [`  ${d.path}${about}, line ${i + 1}:`, `    recorded: ${shortJson(a[i])}`, `    now:      ${shortJson(b[i])}`]
  }
  if (isAudioDigestRef(d.recorded) && isAudioDigestRef(d.actual)) {
    return [
      `  ${d.path}${about}: ${d.recorded.bytes} bytes (sha256 ${d.recorded.$sha256.slice(0, 12)}…) → ${d.actual.bytes} bytes (sha256 ${d.actual.$sha256.slice(0, 12)}…)`,
    ]
  }
  return [`  ${d.path}${about}: ${shortJson(d.recorded)} → ${shortJson(d.actual)}`]
}

/** Answers the judge's and the transcriber's requests from the recording, in order. */
export class HttpReplay {
  #next = 0

  constructor(
    private readonly exchanges: readonly RecordedHttpExchange[],
    private readonly ctx: HttpReplayContext,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#answer(req, res).catch((err: unknown) => {
      sendJson(res, 500, {
        error: { message: `expect-voice replay server failed on an HTTP request: ${String(err)}`, type: 'server_error', code: null, param: null },
      })
    })
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readRequestBody(req)
    const path = requestPath(req)
    const actual = {
      method: req.method ?? 'POST',
      path,
      body: body === null ? { $text: '(too large)' } : normalizeHttpRequestBody(body, req.headers['content-type'], this.ctx.scrub),
    }
    const index = this.#next
    const recorded = this.exchanges[index]
    if (!recorded) return this.#refuse(res, this.#extra(actual, index))
    const differences =
      recorded.request.path !== actual.path || recorded.request.method !== actual.method
        ? [{ path: '(request)', recorded: `${recorded.request.method} ${recorded.request.path}`, actual: `${actual.method} ${actual.path}` }]
        : compareClientEvent(recorded.request.body, actual.body, new Map())
    if (differences.length > 0) return this.#refuse(res, this.#different(recorded, index, differences))
    this.#next++
    sendRecorded(res, recorded.response)
  }

  #refuse(res: ServerResponse, err: ReplayMismatchError): void {
    this.ctx.report(err)
    sendJson(res, 409, { error: { message: err.message, type: 'invalid_request_error', code: MISMATCH_ERROR_CODE, param: null } })
  }

  #extra(actual: RecordedHttpExchange['request'], index: number): ReplayMismatchError {
    const lines = [
      HEAD,
      '',
      `The test made ${describeRequest(actual, index)}, but the recording has ${this.exchanges.length === 0 ? 'no HTTP requests' : `only ${this.exchanges.length}`}.`,
      `Sent now:  ${shortJson(actual.body, 400)}`,
      ...tail(this.ctx),
    ]
    return new ReplayMismatchError(lines.join('\n'), 'extra', 0, null, [])
  }

  #different(recorded: RecordedHttpExchange, index: number, differences: Difference[]): ReplayMismatchError {
    const lines = [
      HEAD,
      '',
      `First differing event: ${describeRequest(recorded.request, index)}`,
      ...differences.flatMap(describeDifference),
      ...tail(this.ctx),
    ]
    return new ReplayMismatchError(lines.join('\n'), 'different', 0, index, differences)
  }

  /** The first recorded request never made, as an error; null when every one was. */
  unsent(): ReplayMismatchError | null {
    const recorded = this.exchanges[this.#next]
    if (!recorded) return null
    const lines = [HEAD, '', `The test ended before making ${describeRequest(recorded.request, this.#next)}.`, ...tail(this.ctx)]
    return new ReplayMismatchError(lines.join('\n'), 'missing', 0, this.#next, [])
  }
}
