/**
 * The recording proxy: a WebSocket server on 127.0.0.1 that forwards every connection to a realtime endpoint (the
 * live API, or any `url`, e.g. a fake server standing in for it) and logs both directions with timestamps. The
 * judge's and the transcriber's HTTP requests (`POST /v1/responses`, `/v1/audio/transcriptions`) are forwarded to
 * the same endpoint's HTTP side and recorded too.
 *
 * The client leg carries no credentials: the proxy adds the key (and any credential headers) on the upstream leg
 * only, and nothing it logs contains them. Handshake refusals upstream (HTTP 401/403/429…) are passed back to the
 * client as the same HTTP response, so the client fails exactly as it would have without the proxy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type ClientOptions, type RawData } from '../ws/lazy-ws.js'
import { buildRealtimeUrl } from '../adapter/url.js'
import { InvalidOptionError } from '../errors/index.js'
import { writeHttpResponse } from '../loopback/http-response.js'
import { DEFAULT_MODEL, REALTIME_URL } from '../protocol/events.js'
import type { SessionRecording } from './cassette.js'
import { closeReason, sendableCloseCode, startLocalServer } from '../loopback/local-server.js'
import { buildSessionRecording, type CapturedSession } from './normalize.js'
import { Scrubber } from './scrub.js'
import { HttpRecorder, isRecordedHttpRequest, notServed } from './http-exchanges.js'

export interface RecordingProxyOptions {
  /** The endpoint to record: a realtime URL or base URL (`ws://127.0.0.1:PORT/v1/realtime`, `https://host/v1`). Default: OpenAI's GA endpoint. */
  upstream?: string
  /** Added as `Authorization: Bearer <key>` on the upstream leg only. Default `OPENAI_API_KEY`. Never recorded. */
  apiKey?: string
  /** Extra upstream handshake headers (e.g. Azure's `api-key`). Their values are scrubbed from the recording. */
  headers?: Record<string, string>
  /** Options of the upstream `ws` client, e.g. `{ ca }` to trust a TLS fake server. */
  wsOptions?: Record<string, unknown>
  /** More strings that must never be written. */
  secrets?: string[]
  /** Serve the client leg over TLS (the shipped test certificate, or yours), for clients that only dial wss://. */
  tls?: boolean | { cert: string; key: string }
}

export interface RecordingProxy {
  /** `ws://127.0.0.1:PORT/v1/realtime`: point the client here (no key needed). */
  readonly url: string
  readonly baseURL: string
  readonly port: number
  readonly ca?: string
  /** Connections proxied so far. */
  readonly sessionCount: number
  /**
   * The recording of everything proxied so far: ids renumbered, secrets scrubbed, agent audio split out. Call it
   * after the client disconnected (or after `close()`) to include the close.
   */
  recording(meta?: { test?: string }): SessionRecording
  /** Ends every open connection (recorded as a close by the client, 1001) and stops listening. Idempotent. */
  close(): Promise<void>
}

interface Pair {
  client: WebSocket | null
  up: WebSocket
  end: ((by: 'client' | 'server', code: number, reason: string) => void) | null
}

const UPSTREAM_HANDSHAKE_TIMEOUT_MS = 30_000
const CREDENTIAL_HEADER = /^(authorization|api-key|x-api-key|cookie|openai-organization|openai-project)$/i
const INSECURE_KEY_PROTOCOL = 'openai-insecure-api-key.'

/** Starts a recording proxy on 127.0.0.1 (free port). Always `await proxy.close()`. */
export async function createRecordingProxy(options: RecordingProxyOptions = {}): Promise<RecordingProxy> {
  const upstream = options.upstream ?? REALTIME_URL
  // Fail now, naming the option, rather than on the first connection.
  buildRealtimeUrl(upstream, DEFAULT_MODEL)
  const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY ?? undefined
  const extraHeaders = { ...options.headers }
  for (const [name, value] of Object.entries(extraHeaders)) {
    if (typeof value !== 'string') throw new InvalidOptionError(`createRecordingProxy: header "${name}" must be a string`)
  }
  const secrets = [
    apiKey,
    ...Object.entries(extraHeaders)
      .filter(([n]) => CREDENTIAL_HEADER.test(n))
      .map(([, v]) => v.replace(/^Bearer\s+/i, '')),
    ...(options.secrets ?? []),
  ]
  for (const [name, value] of new URL(upstream.replace(/^ws/, 'http')).searchParams) if (/key|token|secret/i.test(name)) secrets.push(value)
  const scrub = new Scrubber(secrets)

  const sessions: CapturedSession[] = []
  const live = new Set<Pair>()
  // The client gets the subprotocol the upstream chose (browsers' SDKs need `realtime` echoed back).
  const chosen = new WeakMap<IncomingMessage, string>()
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (_offered, req) => chosen.get(req) || false,
  })

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    const query = url.searchParams
    const session: CapturedSession = { model: query.get('model'), openedAt: null, frames: [] }
    sessions.push(session)
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p && !p.startsWith(INSECURE_KEY_PROTOCOL))
    const headers: Record<string, string> = { ...extraHeaders }
    if (apiKey) headers.Authorization = `Bearer ${apiKey}`
    const up = new WebSocket(upstreamUrl(upstream, query), offered, {
      perMessageDeflate: false,
      // An upstream that never answers the upgrade must not hold a socket forever.
      handshakeTimeout: UPSTREAM_HANDSHAKE_TIMEOUT_MS,
      ...(options.wsOptions as ClientOptions | undefined),
      headers,
    })
    const pair: Pair = { client: null, up, end: null }
    live.add(pair)
    // A client that gives up while the upstream is still connecting: drop the upstream leg too (when the socket
    // notices; otherwise `close()` or the upstream handshake timeout does).
    socket.once('close', () => {
      if (pair.client) return
      live.delete(pair)
      up.terminate()
    })
    up.on('error', (err) => {
      if (up.readyState !== WebSocket.OPEN && !pair.client && socket.writable) {
        live.delete(pair)
        const message = scrub.text(`expect-voice recording proxy: could not reach ${safeUrl(upstream)}: ${err.message}`)
        writeHttpResponse(socket, 502, JSON.stringify({ error: { message, type: 'server_error', code: 'upstream_unreachable', param: null } }))
      }
    })
    up.on('unexpected-response', (_r, res: IncomingMessage) => {
      live.delete(pair)
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk
      })
      res.on('end', () => {
        const status = res.statusCode ?? 502
        session.refused = { status, body: scrub.text(body) }
        writeHttpResponse(socket, status, session.refused.body, { 'Content-Type': String(res.headers['content-type'] ?? 'application/json') })
        up.terminate()
      })
      res.on('error', () => socket.destroy())
    })
    up.once('open', () => {
      if (closed || socket.destroyed) {
        up.terminate()
        return
      }
      if (up.protocol) chosen.set(req, up.protocol)
      wss.handleUpgrade(req, socket, head, (client) => {
        pair.client = client
        session.openedAt = performance.now()
        let ended = false
        const end = (by: 'client' | 'server', code: number, reason: string) => {
          if (ended) return
          ended = true
          pair.end = null
          session.frames.push({ at: performance.now(), close: { by, code, reason } })
          live.delete(pair)
          const other = by === 'client' ? up : client
          const sendable = sendableCloseCode(code)
          if (other.readyState === WebSocket.OPEN || other.readyState === WebSocket.CONNECTING) {
            if (sendable === null && code === 1006) other.terminate()
            else other.close(sendable ?? 1000, closeReason(reason))
          }
        }
        // Frames are passed on as bytes and parsed only when the recording is built; a failure here is a bug,
        // reported to the client as an error event rather than thrown out of the socket handler.
        const forward = (from: 'client' | 'server', to: WebSocket) => (data: RawData, isBinary: boolean) => {
          try {
            const buf = toBuffer(data)
            session.frames.push({ at: performance.now(), from, data: isBinary ? buf : buf.toString('utf8'), binary: isBinary })
            if (to.readyState === WebSocket.OPEN) to.send(buf, { binary: isBinary })
          } catch (err) {
            proxyError(client, err)
          }
        }
        pair.end = end
        client.on('message', forward('client', up))
        up.on('message', forward('server', client))
        client.on('close', (code, reason) => end('client', code, reason.toString()))
        up.on('close', (code, reason) => end('server', code, reason.toString()))
        client.on('error', () => {})
      })
    })
  }

  // The judge's and the transcriber's HTTP requests, forwarded with the same credentials and recorded.
  const upstreamHeaders: Record<string, string> = {}
  for (const [name, value] of Object.entries(extraHeaders)) if (CREDENTIAL_HEADER.test(name)) upstreamHeaders[name] = value
  if (apiKey) upstreamHeaders.Authorization = `Bearer ${apiKey}`
  const http = new HttpRecorder({ upstream, headers: upstreamHeaders, ca: (options.wsOptions as { ca?: unknown } | undefined)?.ca, scrub })
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (isRecordedHttpRequest(req)) http.handle(req, res)
    else notServed(res)
  }

  let closed = false
  const server = await startLocalServer(
    'recording proxy',
    options.tls,
    onUpgrade,
    () => {
      http.close()
      closed = true
      for (const pair of [...live]) {
        // Recorded as the client going away (the test ended with the connection open).
        pair.end?.('client', 1001, 'recording proxy closed')
        pair.client?.terminate()
        pair.up.terminate()
      }
      live.clear()
      wss.close()
    },
    onRequest,
  )

  return {
    url: server.url,
    baseURL: server.baseURL,
    port: server.port,
    ...(server.ca ? { ca: server.ca } : {}),
    get sessionCount() {
      return sessions.length
    },
    recording(meta = {}) {
      const recording = buildSessionRecording(sessions, { scrub, test: meta.test })
      return http.exchanges.length > 0 ? { ...recording, http: http.exchanges.map((e) => structuredClone(e)) } : recording
    },
    close: () => server.close(),
  }
}

/** The upstream URL for a client request: the upstream's own query wins; the client's `?model=` etc. fill the rest. */
function upstreamUrl(upstream: string, clientQuery: URLSearchParams): string {
  const model = clientQuery.get('model')
  const target = new URL(buildRealtimeUrl(upstream, model ?? DEFAULT_MODEL))
  if (model === null && !new URL(upstream.replace(/^ws/, 'http')).searchParams.has('model')) target.searchParams.delete('model')
  for (const [name, value] of clientQuery) if (!target.searchParams.has(name)) target.searchParams.set(name, value)
  return target.toString()
}

/** Tells the client the proxy failed on a frame (a bug in expect-voice), as an `error` event. */
function proxyError(client: WebSocket, err: unknown): void {
  if (client.readyState !== WebSocket.OPEN) return
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  client.send(
    JSON.stringify({
      type: 'error',
      event_id: 'event_proxy_error',
      error: {
        type: 'server_error',
        code: 'expect_voice_proxy_error',
        message: `expect-voice recording proxy failed on a frame: ${message}`,
        param: null,
        event_id: null,
      },
    }),
  )
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    u.search = ''
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return '(the upstream url)'
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data as ArrayBuffer)
}
