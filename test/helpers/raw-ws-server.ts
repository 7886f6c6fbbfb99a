/**
 * A tiny raw TCP server for faults no well-behaved HTTP or WebSocket server can produce: garbage instead of an
 * HTTP answer, a bad `Sec-WebSocket-Accept`, a silent peer, frames of absurd size. It speaks just enough of
 * RFC 6455 to accept an upgrade, write unmasked server frames and parse the client's masked frames.
 */
import { createHash } from 'node:crypto'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { closedAfterTest } from './voice.js'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

export interface UpgradeRequest {
  /** `GET /v1/realtime?model=... HTTP/1.1` */
  line: string
  /** Lower-cased header names. */
  headers: Record<string, string>
}

export interface ClientFrame {
  opcode: number
  payload: Buffer
}

export interface RawConnection {
  readonly socket: Socket
  /** The upgrade request (resolves once the blank line after the headers arrived). */
  readonly request: Promise<UpgradeRequest>
  /** Client frames parsed after `accept()`; text frames that are JSON also land in `events`. */
  readonly frames: ClientFrame[]
  readonly events: Array<Record<string, unknown>>
  /** Answer the upgrade with a valid 101 (or one whose accept key is wrong, with `{ badAccept: true }`). */
  accept(options?: { badAccept?: boolean }): Promise<void>
  /** Write a server text frame holding this event as JSON. */
  sendEvent(event: object): void
  /** Write one unmasked server frame. */
  sendFrame(opcode: number, payload: Buffer | string): void
  /** Write only the header of a frame announcing `length` payload bytes (nothing follows). */
  sendFrameHeader(opcode: number, length: bigint): void
  /** Write raw bytes. */
  write(data: string | Buffer): void
  /** Resolves with the next client event of this type. */
  nextEvent(type: string, timeoutMs?: number): Promise<Record<string, unknown>>
  destroy(): void
}

export interface RawServer {
  readonly port: number
  /** `ws://127.0.0.1:PORT/v1/realtime` */
  readonly url: string
  readonly connections: RawConnection[]
  close(): Promise<void>
}

export function frameHeader(opcode: number, length: bigint | number): Buffer {
  const n = BigInt(length)
  if (n < 126n) return Buffer.from([0x80 | opcode, Number(n)])
  if (n < 65536n) {
    const b = Buffer.alloc(4)
    b[0] = 0x80 | opcode
    b[1] = 126
    b.writeUInt16BE(Number(n), 2)
    return b
  }
  const b = Buffer.alloc(10)
  b[0] = 0x80 | opcode
  b[1] = 127
  b.writeBigUInt64BE(n, 2)
  return b
}

/** Starts the server; `onConnection` decides what to do with each socket (accept, garbage, silence, ...). */
export async function startRawServer(onConnection: (conn: RawConnection) => void | Promise<void>): Promise<RawServer> {
  const sockets = new Set<Socket>()
  const connections: RawConnection[] = []
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const conn = rawConnection(socket)
    connections.push(conn)
    void Promise.resolve(onConnection(conn)).catch(() => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** `startRawServer`, closed when the current test finishes. */
export function rawServer(onConnection: (conn: RawConnection) => void | Promise<void>): Promise<RawServer> {
  return closedAfterTest(
    () => startRawServer(onConnection),
    (server) => server.close(),
  )
}

function rawConnection(socket: Socket): RawConnection {
  let buffer = Buffer.alloc(0)
  let upgraded = false
  const frames: ClientFrame[] = []
  const events: Array<Record<string, unknown>> = []
  const listeners = new Set<() => void>()
  let resolveRequest!: (r: UpgradeRequest) => void
  const request = new Promise<UpgradeRequest>((resolve) => (resolveRequest = resolve))
  let requestSeen = false

  const parseFrames = () => {
    for (;;) {
      if (buffer.length < 2) return
      const opcode = buffer[0]! & 0x0f
      const masked = (buffer[1]! & 0x80) !== 0
      let len = buffer[1]! & 0x7f
      let offset = 2
      if (len === 126) {
        if (buffer.length < 4) return
        len = buffer.readUInt16BE(2)
        offset = 4
      } else if (len === 127) {
        if (buffer.length < 10) return
        len = Number(buffer.readBigUInt64BE(2))
        offset = 10
      }
      const maskLen = masked ? 4 : 0
      if (buffer.length < offset + maskLen + len) return
      const mask = masked ? buffer.subarray(offset, offset + 4) : null
      const payload = Buffer.from(buffer.subarray(offset + maskLen, offset + maskLen + len))
      if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!
      buffer = buffer.subarray(offset + maskLen + len)
      frames.push({ opcode, payload })
      if (opcode === 1) {
        try {
          events.push(JSON.parse(payload.toString('utf8')) as Record<string, unknown>)
        } catch {
          // not JSON
        }
      }
      for (const l of [...listeners]) l()
    }
  }

  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk])
    if (!requestSeen) {
      const end = buffer.indexOf('\r\n\r\n')
      if (end < 0) return
      const [line, ...rest] = buffer.subarray(0, end).toString('latin1').split('\r\n')
      const headers: Record<string, string> = {}
      for (const h of rest) {
        const i = h.indexOf(':')
        if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim()
      }
      buffer = buffer.subarray(end + 4)
      requestSeen = true
      resolveRequest({ line: line!, headers })
    }
    if (upgraded) parseFrames()
  })

  const sendFrame = (opcode: number, payload: Buffer | string) => {
    const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
    if (!socket.destroyed) socket.write(Buffer.concat([frameHeader(opcode, data.length), data]))
  }

  return {
    socket,
    request,
    frames,
    events,
    async accept(options = {}) {
      const { headers } = await request
      const key = headers['sec-websocket-key'] ?? ''
      const acceptKey = options.badAccept
        ? 'bm90IHRoZSByaWdodCBrZXk='
        : createHash('sha1')
            .update(key + GUID)
            .digest('base64')
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey}\r\n\r\n`)
      upgraded = true
      parseFrames()
    },
    sendEvent: (event) => sendFrame(1, JSON.stringify(event)),
    sendFrame,
    sendFrameHeader(opcode, length) {
      if (!socket.destroyed) socket.write(frameHeader(opcode, length))
    },
    write(data) {
      if (!socket.destroyed) socket.write(data)
    },
    nextEvent(type, timeoutMs = 3000) {
      let seen = 0
      return new Promise((resolve, reject) => {
        const check = () => {
          for (; seen < events.length; seen++) {
            if (events[seen]!.type === type) {
              listeners.delete(check)
              clearTimeout(timer)
              resolve(events[seen]!)
              return
            }
          }
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`raw server: no ${type} from the client within ${timeoutMs} ms`))
        }, timeoutMs)
        listeners.add(check)
        check()
      })
    },
    destroy: () => socket.destroy(),
  }
}
