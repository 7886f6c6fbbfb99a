/**
 * The listening side: an HTTP(S) server on 127.0.0.1 (port 0) whose WebSocket upgrades become fake realtime
 * connections. Owns every socket it accepted, so `close()` can end them all and resolve only once the port is
 * free.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from '../ws/lazy-ws.js'
import { ExpectVoiceError } from '../errors/index.js'
import { checkUpgrade, chooseProtocol, defaultRejectionBody } from './handshake.js'
import { refuseUpgrade, requestUrl, writeHttpResponse } from '../loopback/http-response.js'
import { createHttpRoutes } from './http-routes.js'
import { resolveOptions } from './options.js'
import { FakeConnectionImpl } from './connection.js'
import { listenOnLoopback } from '../loopback/listen.js'
import { tlsMaterial } from '../loopback/tls.js'
import type { FakeConnection, FakeRealtimeServer, FakeRealtimeServerOptions } from './types.js'

interface Waiter {
  resolve: (connection: FakeConnection) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/**
 * Start a fake OpenAI Realtime (GA) server on 127.0.0.1 with a free port. Always `await server.close()`.
 * Rejects with an `InvalidOptionError` naming the option when an option is wrong.
 */
export async function createFakeRealtimeServer(options?: FakeRealtimeServerOptions): Promise<FakeRealtimeServer> {
  const resolved = resolveOptions(options)
  const tls = resolved.tls ? tlsMaterial(resolved.tls) : null
  const http: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createHttpServer()
  // Off by default: a compressed frame reaches the wire only once zlib is done, so pacing would not hold (live
  // offers it; the official client declines it, the agents SDK accepts; either works without it).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: resolved.perMessageDeflate, clientTracking: false, handleProtocols: chooseProtocol })

  const connections: FakeConnectionImpl[] = []
  const open = new Set<FakeConnectionImpl>()
  const sockets = new Set<Socket>()
  const waiters: Waiter[] = []
  let handedOut = 0
  let closing: Promise<void> | null = null

  const pump = () => {
    while (waiters.length > 0 && handedOut < connections.length) {
      const waiter = waiters.shift()!
      clearTimeout(waiter.timer)
      waiter.resolve(connections[handedOut++]!)
    }
  }

  http.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  http.on('clientError', (_err, socket: Duplex) => socket.destroy())
  // The judge's and the transcriber's endpoints, on the same port as the realtime socket.
  const routes = createHttpRoutes(resolved)
  http.on('request', (req, res) => routes.handle(req, res))
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets mid-handshake must not become an unhandled 'error'.
    socket.on('error', () => {})
    if (closing) {
      socket.destroy()
      return
    }
    const reject = resolved.rejectHandshake
    if (reject) {
      writeHttpResponse(socket, reject.status, reject.body ?? defaultRejectionBody(reject.status), reject.headers)
      return
    }
    const url = requestUrl(req.url)
    if (!url) return refuseUpgrade(socket, 'fake realtime server', { badTarget: req.url ?? '' })
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (closing) {
          ws.terminate()
          return
        }
        const refusal = checkUpgrade(req, url.searchParams, resolved)
        const connection = new FakeConnectionImpl(connections.length + 1, ws, req, url, resolved, (c) => open.delete(c))
        connections.push(connection)
        open.add(connection)
        connection.start(refusal)
        pump()
      })
    } catch (error) {
      // A bug of ours while accepting: an answer naming it, not an exception out of the 'upgrade' handler.
      refuseUpgrade(socket, 'fake realtime server', { error })
    }
  })

  const { port, url, baseURL } = await listenOnLoopback(http, !!tls)

  const server: FakeRealtimeServer = {
    url,
    baseURL,
    port,
    ...(tls ? { ca: tls.ca } : {}),
    connections,
    waitForConnection(timeoutMs = 5000) {
      if (closing) return Promise.reject(new ExpectVoiceError('fake realtime server is closed'))
      return new Promise<FakeConnection>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1)
            reject(new ExpectVoiceError(`no new connection to the fake realtime server within ${timeoutMs} ms (${connections.length} so far)`))
          }, timeoutMs),
        }
        waiters.push(waiter)
        pump()
      })
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const waiter of waiters.splice(0)) {
          clearTimeout(waiter.timer)
          waiter.reject(new ExpectVoiceError('fake realtime server closed while waiting for a connection'))
        }
        routes.close()
        for (const connection of [...open]) connection.terminate()
        wss.close()
        for (const socket of sockets) socket.destroy()
        http.close(() => resolve())
      })
      return closing
    },
  }
  return server
}
