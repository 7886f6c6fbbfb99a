/**
 * A tiny raw `ws` client for driving the fake realtime server event by event, plus handle-leak checks.
 */
import { onTestFinished, TestRunner } from 'vitest'
import { WebSocket, type ClientOptions, type RawData } from 'ws'

// biome-ignore lint/suspicious/noExplicitAny: raw frames of a test client: any shape a server may send
export type Json = Record<string, any>

export interface RawFrame {
  kind: 'text' | 'binary'
  data: string | Buffer
}

export interface RawClient {
  readonly ws: WebSocket
  /** Every parsed server event, in order. */
  readonly events: Json[]
  /** Every frame as received, including ones that are not JSON. */
  readonly frames: RawFrame[]
  /** Resolves when the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>
  send(event: object): void
  sendRaw(data: string | Buffer): void
  /** The next event (after the cursor) of this type or matching the predicate; moves the cursor past it. */
  next(type: string | ((e: Json) => boolean), timeoutMs?: number): Promise<Json>
  /** Every event from the cursor up to and including the next `type`; moves the cursor past it. */
  until(type: string, timeoutMs?: number): Promise<Json[]>
  /** Events after the cursor that arrived so far (does not wait, does not move). */
  pending(): Json[]
  close(): Promise<void>
}

export class HandshakeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`handshake refused with HTTP ${status}: ${body}`)
  }
}

/**
 * Open a raw client. `model` is appended as `?model=` (default 'gpt-realtime-mini'; null = none). Opened inside a
 * test, it is closed when the test finishes; opened elsewhere (beforeAll), the caller closes it.
 */
export function rawClient(
  url: string,
  options: ClientOptions & { model?: string | null; apiKey?: string | null; protocols?: string[] } = {},
): Promise<RawClient> {
  const { model = 'gpt-realtime-mini', apiKey = 'sk-test-raw-client', protocols, ...wsOptions } = options
  const target = model === null ? url : `${url}${url.includes('?') ? '&' : '?'}model=${encodeURIComponent(model)}`
  const headers: Record<string, string> = { ...(wsOptions.headers as Record<string, string> | undefined) }
  if (apiKey !== null) headers.Authorization = `Bearer ${apiKey}`
  const ws = new WebSocket(target, protocols ?? [], { ...wsOptions, headers })
  const events: Json[] = []
  const frames: RawFrame[] = []
  let cursor = 0
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const l of [...listeners]) l()
  }

  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      notify()
      resolve({ code, reason: reason.toString() })
    })
  })

  ws.on('message', (data: RawData, isBinary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
    if (isBinary) frames.push({ kind: 'binary', data: buf })
    else {
      const text = buf.toString('utf8')
      frames.push({ kind: 'text', data: text })
      try {
        events.push(JSON.parse(text) as Json)
      } catch {
        // not JSON: kept in frames only
      }
    }
    notify()
  })

  const client: RawClient = {
    ws,
    events,
    frames,
    closed,
    send: (event) => ws.send(JSON.stringify(event)),
    sendRaw: (data) => ws.send(data, { binary: Buffer.isBuffer(data) }),
    pending: () => events.slice(cursor),
    next(type, timeoutMs = 3000) {
      const match = typeof type === 'string' ? (e: Json) => e.type === type : type
      return new Promise<Json>((resolve, reject) => {
        const check = (): boolean => {
          for (let i = cursor; i < events.length; i++) {
            if (match(events[i]!)) {
              cursor = i + 1
              resolve(events[i]!)
              return true
            }
          }
          return false
        }
        if (check()) return
        if (ws.readyState === WebSocket.CLOSED) {
          reject(new Error(`socket already closed; no ${typeof type === 'string' ? type : 'matching event'} since the cursor`))
          return
        }
        const timer = setTimeout(() => {
          listeners.delete(listener)
          const seen = events.slice(cursor).map((e) => e.type)
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${typeof type === 'string' ? type : 'a matching event'}; since the cursor: [${seen.join(', ')}]; socket state ${ws.readyState}`,
            ),
          )
        }, timeoutMs)
        const listener = () => {
          if (check()) {
            clearTimeout(timer)
            listeners.delete(listener)
          } else if (ws.readyState === WebSocket.CLOSED) {
            clearTimeout(timer)
            listeners.delete(listener)
            reject(
              new Error(
                `socket closed while waiting for ${typeof type === 'string' ? type : 'a matching event'}; since the cursor: [${events
                  .slice(cursor)
                  .map((e) => e.type)
                  .join(', ')}]`,
              ),
            )
          }
        }
        listeners.add(listener)
      })
    },
    async until(type, timeoutMs = 3000) {
      const from = cursor
      await client.next(type, timeoutMs)
      return events.slice(from, cursor)
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
      else ws.close()
      // A close handshake the server never answers must not hang the test: terminate after 1 s.
      const timer = setTimeout(() => ws.terminate(), 1000)
      await closed
      clearTimeout(timer)
    },
  }

  if (TestRunner.getCurrentTest()) onTestFinished(() => client.close())
  return new Promise<RawClient>((resolve, reject) => {
    ws.once('open', () => {
      resolve(client)
    })
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        ws.terminate()
        reject(new HandshakeRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers))
      })
    })
    ws.once('error', reject)
  })
}

export const types = (events: Json[]): string[] => events.map((e) => e.type as string)

/** TCP/TLS handles the process holds right now (`process.getActiveResourcesInfo()`). */
export function socketHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|TLS/i.test(r)).length
}

/** Waits (briefly) for the socket handle count to come back to `baseline`; returns the final count. */
export async function settledSocketHandles(baseline: number, timeoutMs = 2000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let count = socketHandles()
  while (count > baseline && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10))
    count = socketHandles()
  }
  return count
}
