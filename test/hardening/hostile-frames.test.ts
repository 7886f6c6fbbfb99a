/**
 * Issue 11, finding 1: every server this package runs (fake server, replay server, recording proxy) must survive
 * any frame a client sends: it answers with a typed error event (or a replay mismatch naming the cause), never an
 * exception out of a socket handler, and it keeps answering afterwards.
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import {
  MISMATCH_ERROR_CODE,
  createRecordingProxy,
  createReplayServer,
  type RecordedSession,
  type RecordingProxy,
  type ReplayServer,
  type SessionRecording,
} from '../../src/replay/index.js'
import { rawClient, type Json, type RawClient } from '../helpers/raw-client.js'
import { closedAfterTest, fakeServer } from '../helpers/voice.js'

const DEPTH = 5000
const DEEP_SESSION_UPDATE = '{"type":"session.update","session":' + '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH) + '}'
const DEEP_ITEM = '{"type":"conversation.item.create","item":' + '['.repeat(DEPTH) + ']'.repeat(DEPTH) + '}'
const HUGE_STRING = JSON.stringify({ type: 'session.update', session: { type: 'realtime', instructions: 'x'.repeat(8 * 1024 * 1024) } })
const PROTOTYPE_KEYS =
  '{"type":"session.update","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"session":{"__proto__":{"type":"realtime"},"constructor":1,"toString":2}}'
const TYPE_IN_PROTO = '{"__proto__":{"type":"response.create"}}'

/** Text frames that must each get an answer: an error, except the 8 MB string, which is a valid update. */
const HOSTILE: Array<[name: string, frame: string, answer: 'error' | 'session.updated']> = [
  [`a session.update nested ${DEPTH} levels deep`, DEEP_SESSION_UPDATE, 'error'],
  [`an item of arrays nested ${DEPTH} levels deep`, DEEP_ITEM, 'error'],
  ['an 8 MB string', HUGE_STRING, 'session.updated'],
  ['"__proto__" and "constructor" keys', PROTOTYPE_KEYS, 'error'],
  ['a type hidden in "__proto__"', TYPE_IN_PROTO, 'error'],
  ['type "__proto__"', '{"type":"__proto__"}', 'error'],
  ['type "constructor"', '{"type":"constructor"}', 'error'],
  ['type "hasOwnProperty"', '{"type":"hasOwnProperty"}', 'error'],
]
/** A text frame whose payload is not UTF-8: `ws` refuses it with close 1007. */
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x74, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])

// Servers and raw clients close when each test finishes (fakeServer, closedAfterTest, rawClient).
afterEach(() => {
  expect(({} as Record<string, unknown>).polluted, 'Object.prototype was polluted').toBeUndefined()
})

const fake = () => fakeServer({ reply: 'still here' })

/** Sends a text frame as raw bytes (no UTF-8 check on our side). */
function sendText(client: RawClient, data: string | Buffer): void {
  client.ws.send(data, { binary: false })
}

/** The next event after the cursor (of `type`, or any), and how long it took; the message names the frame. */
async function answer(client: RawClient, name: string, type?: string, timeoutMs = 5000): Promise<{ event: Json; ms: number }> {
  const t0 = performance.now()
  try {
    const event = await client.next(type ?? (() => true), timeoutMs)
    return { event, ms: performance.now() - t0 }
  } catch (err) {
    throw new Error(`no answer to ${name}: ${(err as Error).message}`)
  }
}

/** A raw HTTP upgrade whose request-target is not a URL; resolves with the first line of the answer. */
function malformedUpgrade(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        'GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
    })
    let answer = ''
    socket.on('data', (d) => (answer += d.toString('latin1')))
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''))
    socket.on('error', reject)
    socket.setTimeout(3000, () => socket.destroy())
  })
}

describe('issue 11, finding 1: a client frame kills the process that hosts a replay server', () => {
  it('the fake server answers every hostile frame with a typed error event and keeps serving', async () => {
    const server = await fake()
    const client = await rawClient(server.url)
    await client.next('session.created')
    for (const [name, frame, expected] of HOSTILE) {
      sendText(client, frame)
      const { event } = await answer(client, name)
      expect(event.type, name).toBe(expected)
      if (expected !== 'error') continue
      expect(event.error.type, name).toBe('invalid_request_error')
      expect(event.error.message, name).not.toMatch(/internal error|call stack/i)
      if (frame === DEEP_SESSION_UPDATE || frame === DEEP_ITEM) expect(event.error.message, name).toMatch(/nested deeper than \d+ levels/)
    }
    // What the connection stored is bounded too: a test can print it.
    expect(JSON.stringify(server.connections[0]!.received).length).toBeLessThan(HUGE_STRING.length + 64 * 1024)
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'still configurable' } })
    expect((await client.next('session.updated')).session.instructions).toBe('still configurable')
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.status).toBe('completed')

    sendText(client, INVALID_UTF8)
    expect((await client.closed).code).toBe(1007)
    const again = await rawClient(server.url)
    await again.next('session.created')
    again.send({ type: 'response.create' })
    expect((await again.next('response.done')).response.status).toBe('completed')
    expect(await malformedUpgrade(server.port)).toMatch(/^HTTP\/1\.1 400/)
  })

  it('the replay server answers every hostile frame with a mismatch naming the cause and keeps replaying', async () => {
    // One recorded connection per hostile frame, plus one that the test then replays as recorded.
    const session = (): RecordedSession => ({
      model: 'gpt-realtime-mini',
      events: [
        { t: 0, server: { type: 'session.created', event_id: 'event_001' } },
        { t: 5, client: { type: 'session.update', session: { type: 'realtime', instructions: 'hi' } } },
        { t: 9, server: { type: 'session.updated', event_id: 'event_002', session: { type: 'realtime', instructions: 'hi' } } },
      ],
    })
    const recording: SessionRecording = { version: 1, sessions: [...HOSTILE.map(session), session(), session()], audio: Buffer.alloc(0) }
    const server: ReplayServer = await closedAfterTest(
      () => createReplayServer(recording, { pacing: 'recorded' }),
      (s) => s.close(),
    )
    const ok = { type: 'session.update', session: { type: 'realtime', instructions: 'hi' } }
    for (const [name, frame] of HOSTILE) {
      const client = await rawClient(server.url)
      await client.next('session.created')
      sendText(client, frame)
      const { event, ms } = await answer(client, name, 'error')
      expect(event.error.code, name).toBe(MISMATCH_ERROR_CODE)
      expect(event.error.message, name).toMatch(/First differing event: client event #1/)
      if (frame === DEEP_SESSION_UPDATE) {
        expect(event.error.message).toMatch(/nested deeper than \d+ levels/)
        expect(ms).toBeLessThan(1000)
      }
      // Still answering on this connection: the same mismatch, at once.
      client.send(ok)
      expect((await answer(client, name, 'error')).event.error.code, name).toBe(MISMATCH_ERROR_CODE)
      await client.close()
    }
    expect(server.mismatch?.message).toMatch(/nested deeper than \d+ levels/)

    const utf8 = await rawClient(server.url)
    await utf8.next('session.created')
    sendText(utf8, INVALID_UTF8)
    expect((await utf8.closed).code).toBe(1007)

    const replayed = await rawClient(server.url)
    await replayed.next('session.created')
    replayed.send(ok)
    expect((await replayed.next('session.updated')).session.instructions).toBe('hi')
    expect(await malformedUpgrade(server.port)).toMatch(/^HTTP\/1\.1 400/)
  })

  it('a replay handler that throws ends that replay with an internal mismatch naming the error; the server lives on', async () => {
    const faulty = {
      type: 'session.update',
      get session(): unknown {
        throw new Error('injected fault')
      },
    }
    const recording: SessionRecording = {
      version: 1,
      sessions: [
        {
          model: 'gpt-realtime-mini',
          events: [
            { t: 0, server: { type: 'session.created' } },
            { t: 1, client: faulty },
          ],
        },
        {
          model: 'gpt-realtime-mini',
          events: [
            { t: 0, server: { type: 'session.created' } },
            { t: 1, client: { type: 'response.create' } },
            { t: 2, server: { type: 'response.done' } },
          ],
        },
      ],
      audio: Buffer.alloc(0),
    }
    const server = await closedAfterTest(
      () => createReplayServer(recording),
      (s) => s.close(),
    )
    const client = await rawClient(server.url)
    await client.next('session.created')
    client.send({ type: 'session.update', session: { type: 'realtime' } })
    const { event } = await answer(client, 'a frame the replay server fails on', 'error')
    expect(event.error.code).toBe(MISMATCH_ERROR_CODE)
    expect(event.error.message).toMatch(/replay server failed on what the test sent[\s\S]*Error: injected fault/)
    expect(server.mismatch?.kind).toBe('internal')
    const next = await rawClient(server.url)
    await next.next('session.created')
    next.send({ type: 'response.create' })
    await answer(next, 'the next connection', 'response.done')
  })

  it('a recording with a malformed audio reference is refused when the replay server starts, not mid-replay', async () => {
    const recording: SessionRecording = {
      version: 1,
      sessions: [{ model: 'gpt-realtime-mini', events: [{ t: 0, server: { type: 'response.output_audio.delta', delta: { $audio: 'not-a-range' } } }] }],
      audio: Buffer.alloc(0),
    }
    await expect(createReplayServer(recording)).rejects.toThrow(/audio reference "not-a-range" is outside the recorded audio/)
  })

  it('the recording proxy forwards every hostile frame, keeps serving, and records it with bounded depth', async () => {
    const upstream = await fake()
    const proxy: RecordingProxy = await closedAfterTest(
      () => createRecordingProxy({ upstream: upstream.url, apiKey: 'sk-test-upstream-key-0000000000' }),
      (p) => p.close(),
    )
    const client = await rawClient(proxy.url, { apiKey: null })
    await client.next('session.created')
    for (const [name, frame, expected] of HOSTILE) {
      sendText(client, frame)
      expect((await answer(client, name)).event.type, name).toBe(expected)
    }
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'through the proxy' } })
    expect((await client.next('session.updated')).session.instructions).toBe('through the proxy')
    sendText(client, INVALID_UTF8)
    expect((await client.closed).code).toBe(1007)

    const again = await rawClient(proxy.url, { apiKey: null })
    await again.next('session.created')
    again.send({ type: 'response.create' })
    expect((await again.next('response.done')).response.status).toBe('completed')
    await again.close()
    expect(await malformedUpgrade(proxy.port)).toMatch(/^HTTP\/1\.1 400/)

    const recording = proxy.recording({ test: 'hostile frames' })
    const sent = recording.sessions[0]!.events.flatMap((e) => ('client' in e ? [e.client] : []))
    expect(sent).toHaveLength(HOSTILE.length + 1)
    expect(JSON.stringify(sent[0])).toMatch(/nested deeper than \d+ levels/)
    // Replaying the recording: the same hostile frames match what was recorded.
    const server = await closedAfterTest(
      () => createReplayServer(recording, { pacing: 'fast' }),
      (s) => s.close(),
    )
    const replayed = await rawClient(server.url)
    await replayed.next('session.created')
    for (const [name, frame, expected] of HOSTILE) {
      sendText(replayed, frame)
      expect((await answer(replayed, name)).event.type, name).toBe(expected)
    }
    expect(server.mismatch).toBeNull()
  })
})
