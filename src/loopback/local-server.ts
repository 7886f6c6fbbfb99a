/**
 * The listening side shared by the recording proxy and the replay server: HTTP(S) on 127.0.0.1 with a free port,
 * WebSocket upgrades only, every accepted socket tracked so `close()` ends them all and resolves once the port is
 * free.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { refuseUpgrade, requestUrl } from './http-response.js'
import { listenOnLoopback } from './listen.js'
import { tlsMaterial } from './tls.js'

export interface LocalServer {
  readonly url: string
  readonly baseURL: string
  readonly port: number
  readonly ca?: string
  /** Destroys every socket and stops listening. Idempotent. */
  close(): Promise<void>
  readonly closing: boolean
}

const NOT_A_WEBSOCKET = (what: string) =>
  JSON.stringify({
    error: {
      message: `expect-voice ${what}: only WebSocket upgrades are served (GET /v1/realtime?model=...).`,
      type: 'invalid_request_error',
      code: null,
      param: null,
    },
  })

export async function startLocalServer(
  what: string,
  tls: boolean | { cert: string; key: string } | undefined,
  /** Called with the parsed request URL. Whatever it throws becomes an HTTP 500 answer, never an uncaught exception. */
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void,
  onClose: () => void,
  /** Plain HTTP requests (the judge's and the transcriber's endpoints); absent: every request gets a 404. */
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LocalServer> {
  const material = tls ? tlsMaterial(tls) : null
  const http: Server = material ? createHttpsServer({ cert: material.cert, key: material.key }) : createHttpServer()
  const sockets = new Set<Socket>()
  let closing: Promise<void> | null = null

  http.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  http.on('clientError', (_err, socket: Duplex) => socket.destroy())
  http.on('request', (req, res) => {
    if (onRequest && !closing) return onRequest(req, res)
    const body = NOT_A_WEBSOCKET(what)
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {})
    if (closing) {
      socket.destroy()
      return
    }
    const url = requestUrl(req.url)
    if (!url) return refuseUpgrade(socket, what, { badTarget: req.url ?? '' })
    try {
      onUpgrade(req, socket, head, url)
    } catch (error) {
      refuseUpgrade(socket, what, { error })
    }
  })

  const { port, url, baseURL } = await listenOnLoopback(http, !!material)
  return {
    url,
    baseURL,
    port,
    ...(material ? { ca: material.ca } : {}),
    get closing() {
      return closing !== null
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        onClose()
        for (const socket of sockets) socket.destroy()
        http.close(() => resolve())
      })
      return closing
    },
  }
}

/** A close code `ws` lets us send; anything else (1005, 1006, 1015, out of range) becomes a plain close or a drop. */
export function sendableCloseCode(code: number): number | null {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999) ? code : null
}

/** Close reasons are limited to 123 bytes. */
export function closeReason(reason: string): string {
  let out = reason
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1)
  return out
}
