/**
 * Fault matrix, adapter side (issue #7, item 1): every fault gives a clear typed error, or a documented pass,
 * within its timeout, never a hang. Each case is its own test; the README "Reliability" table lists them by id.
 */
import { afterAll, describe, expect, it, vi } from 'vitest'
import {
  ExpectVoiceError,
  formatTranscript,
  RealtimeConnectionClosedError,
  RealtimeHandshakeError,
  RealtimeServerError,
  RealtimeSessionRefusedError,
  RealtimeTimeoutError,
  synthesizeSpeech,
  transcribeSyntheticSpeech,
  type OpenAIRealtimeAdapterOptions,
} from '../../src/index.js'
import { drain, drainThroughErrors } from '../helpers/drain.js'
import { printTimings, recordTiming, rejectionOf, settle } from '../helpers/outcome.js'
import { rawServer } from '../helpers/raw-ws-server.js'
import { responseEvents, scriptedVoiceAgent, sendAll, sessionUpdated, SILENT, userTurnEvents } from '../helpers/scripted.js'
import { fakeServer, speech, testAdapter, voiceAgent } from '../helpers/voice.js'

const KEY = 'sk-test-hardening-000000000000000'
const LONG = 'a reply long enough to need several audio deltas to be spoken out loud'
/** Slack on top of a timeout before an outcome counts as late: generous, the bound is about hangs. */
const SLACK = 250

afterAll(() => printTimings('adapter fault matrix: time to outcome'))

/** What every adapter in this file gets: the file's key, and a connect timeout short enough to fail fast. */
const ADAPTER: OpenAIRealtimeAdapterOptions = { apiKey: KEY, connectTimeoutMs: 1000 }

const pcm = (bytes: Buffer) => bytes.toString('base64')

describe('A. server closes the socket mid-response', () => {
  it.each([
    ['A1', 1000, 'bye'],
    ['A2', 1006, undefined],
    ['A3', 1011, 'boom'],
  ] as const)(
    '%s: close %i after 2 audio deltas: the waiting recvAudio rejects with RealtimeConnectionClosedError naming the code',
    async (id, code, reason) => {
      const { agent } = await voiceAgent({ reply: LONG, paceMs: 5, faults: { closeAfterDeltas: { count: 2, code, reason } } }, ADAPTER)
      await agent.sendText('talk')
      const chunks: Buffer[] = []
      const { error, ms } = await rejectionOf(
        (async () => {
          for (;;) {
            const c = await agent.recvAudio(2000)
            if (c === null) return
            chunks.push(c.data)
          }
        })(),
        2000 + SLACK,
      )
      recordTiming(`${id} close ${code}`, ms, 2000)
      expect(error).toBeInstanceOf(RealtimeConnectionClosedError)
      expect((error as RealtimeConnectionClosedError).closeCode).toBe(code)
      expect(error.message).toContain(`connection closed (${code}${reason ? ` ${reason}` : ''})`)
      expect(error.message).toMatch(new RegExp(`received before the close: .*response\\.output_audio\\.delta.*\\(socket closed ${code}\\)$`))
      // Nothing that did arrive is lost: both deltas were handed out.
      expect(chunks).toHaveLength(2)
      expect(agent.connected).toBe(false)
      // Every later call fails at once with the same close code.
      await expect(agent.recvAudio(100)).rejects.toMatchObject({ name: 'RealtimeConnectionClosedError', closeCode: code })
    },
  )
})

describe('B. handshake rejected', () => {
  it.each([
    ['B1', 401, 'Incorrect API key provided'],
    ['B2', 403, 'You do not have access'],
    ['B3', 404, 'not found'],
    ['B4', 429, 'Rate limit reached'],
    ['B5', 500, 'The server had an error'],
  ] as const)('%s: HTTP %i: connect() rejects with RealtimeHandshakeError naming status and message', async (id, status, text) => {
    const server = await fakeServer({ rejectHandshake: { status } })
    const agent = testAdapter(server.url, ADAPTER)
    const { error, ms } = await rejectionOf(agent.connect(), 1000 + SLACK)
    recordTiming(`${id} HTTP ${status}`, ms, 1000)
    expect(error).toBeInstanceOf(RealtimeHandshakeError)
    expect((error as RealtimeHandshakeError).status).toBe(status)
    expect(error.message).toContain(`handshake rejected with HTTP ${status}`)
    expect(error.message).toContain(text)
    expect(agent.connected).toBe(false)
    await expect(agent.sendText('x')).rejects.toBeInstanceOf(RealtimeConnectionClosedError)
  })

  it('B6: garbage instead of an HTTP answer: connect() rejects with an ExpectVoiceError saying it could not connect', async () => {
    const server = await rawServer(async (c) => {
      await c.request
      c.write('\x00\x01garbage that is not HTTP at all\r\n\r\n')
    })
    const agent = testAdapter(server.url, ADAPTER)
    const { error, ms } = await rejectionOf(agent.connect(), 1000 + SLACK)
    recordTiming('B6 garbage answer', ms, 1000)
    expect(error).toBeInstanceOf(ExpectVoiceError)
    expect(error.message).toMatch(/^could not connect to ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=gpt-realtime-mini: .*(Parse Error|HTTP)/)
  })

  it('B7: a 101 with a wrong Sec-WebSocket-Accept: connect() rejects naming the header', async () => {
    const server = await rawServer(async (c) => {
      await c.accept({ badAccept: true })
    })
    const agent = testAdapter(server.url, ADAPTER)
    const { error, ms } = await rejectionOf(agent.connect(), 1000 + SLACK)
    recordTiming('B7 bad accept key', ms, 1000)
    expect(error).toBeInstanceOf(ExpectVoiceError)
    expect(error.message).toMatch(/could not connect .*Sec-WebSocket-Accept/)
  })

  it('B8: the TCP connection is closed without an answer: connect() rejects (socket hang up)', async () => {
    const server = await rawServer(async (c) => {
      await c.request
      c.destroy()
    })
    const agent = testAdapter(server.url, ADAPTER)
    const { error, ms } = await rejectionOf(agent.connect(), 1000 + SLACK)
    recordTiming('B8 closed without answer', ms, 1000)
    expect(error).toBeInstanceOf(ExpectVoiceError)
    expect(error.message).toMatch(/could not connect .*socket hang up/)
  })

  it('B9: an HTTP answer with 64 KB of headers: connect() rejects (header overflow)', async () => {
    const server = await rawServer(async (c) => {
      await c.request
      c.write(`HTTP/1.1 101 Switching Protocols\r\nX-Huge: ${'x'.repeat(64 * 1024)}\r\n\r\n`)
    })
    const agent = testAdapter(server.url, ADAPTER)
    const { error, ms } = await rejectionOf(agent.connect(), 1000 + SLACK)
    recordTiming('B9 header overflow', ms, 1000)
    expect(error).toBeInstanceOf(ExpectVoiceError)
    expect(error.message).toMatch(/could not connect .*(Header overflow|header)/i)
  })

  it('B10: nothing listening on the port: connect() rejects with ECONNREFUSED', async () => {
    const server = await rawServer(() => {})
    const url = server.url
    await server.close()
    const agent = testAdapter(url, ADAPTER)
    const { error } = await rejectionOf(agent.connect(), 1000 + SLACK)
    expect(error).toBeInstanceOf(ExpectVoiceError)
    expect(error.message).toMatch(/could not connect .*ECONNREFUSED/)
  })

  it('B11: an HTTP 401 whose body never ends: connect() rejects with the status, not a timeout', async () => {
    const server = await rawServer(async (c) => {
      await c.request
      c.write('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n')
      const part = '{"error":{"message":"bad key"}}'
      c.write(`${part.length.toString(16)}\r\n${part}\r\n`)
      // ...and never the final chunk.
    })
    const agent = testAdapter(server.url, { ...ADAPTER, connectTimeoutMs: 1000 })
    const { error, ms } = await rejectionOf(agent.connect(), 1000 + SLACK)
    recordTiming('B11 401 body never ends', ms, 1000)
    expect(error).toBeInstanceOf(RealtimeHandshakeError)
    expect((error as RealtimeHandshakeError).status).toBe(401)
    expect(error.message).toContain('bad key')
    // what arrived of the body within half the connect timeout (at most 1 s), not the connect timeout
    expect(ms).toBeLessThan(1000)
  })
})

describe('C. server never answers', () => {
  it('C1: the upgrade request is never answered: connect() rejects with RealtimeTimeoutError within connectTimeoutMs', async () => {
    const server = await rawServer(() => {})
    const agent = testAdapter(server.url, { ...ADAPTER, connectTimeoutMs: 150 })
    const { error, ms } = await rejectionOf(agent.connect(), 150 + SLACK)
    recordTiming('C1 upgrade never answered', ms, 150)
    expect(error).toBeInstanceOf(RealtimeTimeoutError)
    expect(error.message).toMatch(/connect\(\) timed out after 150 ms .*received: no upgrade response/)
    expect(ms).toBeGreaterThanOrEqual(145)
  })

  it('C2: the socket opens but no session event ever comes: RealtimeTimeoutError naming "nothing after the upgrade"', async () => {
    const server = await fakeServer({ faults: { neverAnswer: true } })
    const agent = testAdapter(server.url, { ...ADAPTER, connectTimeoutMs: 150 })
    const { error, ms } = await rejectionOf(agent.connect(), 150 + SLACK)
    recordTiming('C2 no session events', ms, 150)
    expect(error).toBeInstanceOf(RealtimeTimeoutError)
    expect(error.message).toContain('received: nothing after the upgrade')
  })

  it('C3: response.create is never answered: recvAudio rejects with RealtimeTimeoutError within its timeout', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hello?')
    const { error, ms } = await rejectionOf(agent.recvAudio(150), 150 + SLACK)
    recordTiming('C3 response never created', ms, 150)
    expect(error).toBeInstanceOf(RealtimeTimeoutError)
    expect(error.message).toMatch(
      /recvAudio timed out after 150 ms waiting for audio of response \(requested, not yet created\); received since it was requested: nothing/,
    )
    expect(connection.received.map((e) => e.type)).toContain('response.create')
  })

  it('C4: the stream stalls mid-response: recvAudio rejects with RealtimeTimeoutError naming what arrived', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hello?')
    const events = responseEvents({ text: LONG })
    await sendAll(connection, events.slice(0, 7))
    const chunks = []
    const { error, ms } = await rejectionOf(
      (async () => {
        for (;;) chunks.push(await agent.recvAudio(150))
      })(),
      150 + SLACK,
    )
    recordTiming('C4 stream stalls', ms, 150)
    expect(error).toBeInstanceOf(RealtimeTimeoutError)
    expect(error.message).toMatch(
      /waiting for audio of response resp_scripted_1; received since it was requested: response\.created, .*response\.output_audio\.delta/,
    )
    expect(chunks.length).toBeGreaterThan(0)
  })
})

describe('D. error events', () => {
  it.each([
    ['D1', { type: 'invalid_request_error', code: 'invalid_value', message: "Invalid value: 'x'.", param: 'response.voice' }],
    ['D2', { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' }],
    ['D3', { type: 'server_error', code: null, message: 'The server had an error while processing your request.' }],
  ] as const)('%s: %o answering response.create: recvAudio rejects with RealtimeServerError carrying type, code and message', async (id, error) => {
    const { agent, server } = await voiceAgent({ faults: { errorOnResponseCreate: error } }, ADAPTER)
    await agent.sendText('hi')
    const { error: err, ms } = await rejectionOf(agent.recvAudio(2000), 2000 + SLACK)
    recordTiming(`${id} ${error.code ?? error.type}`, ms, 2000)
    expect(err).toBeInstanceOf(RealtimeServerError)
    expect(err).toMatchObject({ type: error.type, code: error.code, serverMessage: error.message })
    expect(err.message).toContain(error.message)
    // The refused response is over: the next call says so at once instead of waiting.
    expect(agent.currentResponse?.status).toBe('failed')
    const next = await settle(agent.recvAudio(2000), 500)
    expect(next).toMatchObject({ ok: true, value: null })
    expect(agent.errors).toHaveLength(1)
    expect(server.connections[0]!.closed).toBe(false)
  })

  it('D4: an unsolicited error mid-response fails the waiting call once; the rest of the response is still read', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: LONG })
    await sendAll(connection, events.slice(0, 6))
    connection.send({ type: 'error', event_id: 'event_err', error: { type: 'server_error', code: null, message: 'transient', param: null, event_id: null } })
    // one error event: it fails the waiting call once; reading on gets the rest of the response
    const { chunks, errors: errs, done: reader } = drainThroughErrors(agent, (_, errors) => errors.length <= 1)
    await new Promise((r) => setTimeout(r, 20))
    await sendAll(connection, events.slice(6))
    const outcome = await settle(reader, 2000)
    expect(outcome.ok).toBe(true)
    expect(errs).toHaveLength(1)
    expect(errs[0]).toBeInstanceOf(RealtimeServerError)
    expect(transcribeSyntheticSpeech(Buffer.concat(chunks))).toBe(LONG)
  })

  it('D5: an error answering session.update during connect: RealtimeSessionRefusedError with the server message', async () => {
    const server = await fakeServer(SILENT)
    const agent = testAdapter(server.url, ADAPTER)
    const connecting = agent.connect()
    const connection = await server.waitForConnection()
    connection.send({
      type: 'error',
      event_id: 'e1',
      error: { type: 'invalid_request_error', code: 'invalid_value', message: 'bad voice', param: 'session.audio.output.voice', event_id: null },
    })
    const { error, ms } = await rejectionOf(connecting, 1000 + SLACK)
    recordTiming('D5 session.update refused', ms, 1000)
    expect(error).toBeInstanceOf(RealtimeSessionRefusedError)
    expect(error).toMatchObject({ code: 'invalid_value', serverMessage: 'bad voice', closeCode: null })
  })
})

describe('E. response.done with status failed or incomplete', () => {
  it('E1: failed: recvAudio resolves null (no audio), status and status_details recorded, transcript marked [failed]', async () => {
    const { agent } = await voiceAgent({ reply: LONG, faults: { responseStatus: 'failed' } }, ADAPTER)
    await agent.sendText('hi')
    const chunks = await drain(agent, 2000)
    expect(chunks).toEqual([])
    expect(agent.currentResponse).toMatchObject({ status: 'failed', statusDetails: { type: 'failed', error: { type: 'server_error' } } })
    expect(formatTranscript(agent.transcript)).toBe('user (text): hi\nagent: … [failed]')
  })

  it('E2: incomplete: the audio that came is handed out, then null; status incomplete, transcript marked', async () => {
    const { agent } = await voiceAgent({ reply: LONG, faults: { responseStatus: 'incomplete' } }, ADAPTER)
    await agent.sendText('hi')
    const chunks = await drain(agent, 2000)
    const heard = transcribeSyntheticSpeech(Buffer.concat(chunks.map((c) => c.data)))!
    expect(LONG.startsWith(heard)).toBe(true)
    expect(heard.length).toBeLessThan(LONG.length)
    expect(agent.currentResponse).toMatchObject({ status: 'incomplete', statusDetails: { reason: 'max_output_tokens' } })
    expect(formatTranscript(agent.transcript)).toMatch(/\[incomplete\]$/)
  })
})

describe('F–H. malformed frames and malformed events', () => {
  it('F1: non-JSON text frames are skipped, never fatal', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: LONG })
    for (const [i, e] of events.entries()) {
      connection.sendRaw(['{', 'not json', '{"type":', '', '\u0000\uffff', ']['][i % 6]!)
      connection.send(e)
    }
    const audio = Buffer.concat((await drain(agent, 2000)).map((c) => c.data))
    expect(transcribeSyntheticSpeech(audio)).toBe(LONG)
    expect(agent.lastAgentTranscript).toBe(LONG)
    expect(agent.timeline.filter((e) => e.type === '(non-JSON frame skipped)').length).toBe(events.length)
  })

  it('G1: binary frames are skipped, never fatal', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: LONG })
    for (const e of events) {
      connection.sendRaw(Buffer.from(JSON.stringify(e)))
      connection.send(e)
    }
    const audio = Buffer.concat((await drain(agent, 2000)).map((c) => c.data))
    expect(transcribeSyntheticSpeech(audio)).toBe(LONG)
    expect(agent.timeline.filter((e) => e.type === '(binary frame skipped)').length).toBe(events.length)
  })

  // Events whose fields are missing or of the wrong type, sent in the middle of a normal response.
  const JUNK: Array<[string, unknown]> = [
    ['null', null],
    ['an array', [1, 2]],
    ['a number', 42],
    ['a string', 'response.done'],
    ['type: number', { type: 7 }],
    ['type: object', { type: { toString: 'x' } }],
    ['type: __proto__', { type: '__proto__' }],
    ['type: constructor', { type: 'constructor' }],
    ['type: toString', { type: 'toString' }],
    ['type: hasOwnProperty', { type: 'hasOwnProperty' }],
    ['delta: number', { type: 'response.output_audio.delta', response_id: 'resp_scripted_1', delta: 12345 }],
    ['delta: object', { type: 'response.output_audio.delta', response_id: 'resp_scripted_1', delta: { a: 1 } }],
    ['delta missing', { type: 'response.output_audio.delta', response_id: 'resp_scripted_1' }],
    ['response_id: object', { type: 'response.output_audio.delta', response_id: { id: 'resp_scripted_1' }, delta: '' }],
    ['transcript delta: array', { type: 'response.output_audio_transcript.delta', response_id: 'resp_scripted_1', delta: ['x'] }],
    ['item: string', { type: 'response.output_item.added', response_id: 'resp_scripted_1', item: 'message' }],
    ['item_id: number', { type: 'response.output_item.added', response_id: 'resp_scripted_1', item: { type: 'message', id: 5 } }],
    ['error: null', { type: 'error', error: null }],
    ['error: string', { type: 'error', error: 'boom' }],
    ['error fields of the wrong type', { type: 'error', error: { type: 1, code: {}, message: [], event_id: 2 } }],
    ['transcription: transcript number', { type: 'conversation.item.input_audio_transcription.completed', item_id: 3, transcript: 5 }],
    ['transcription failed: error string', { type: 'conversation.item.input_audio_transcription.failed', error: 'x' }],
    ['function call: fields numbers', { type: 'response.function_call_arguments.done', response_id: 'resp_scripted_1', call_id: 1, name: 2, arguments: 3 }],
    ['committed: item_id object', { type: 'input_audio_buffer.committed', item_id: {} }],
    ['session.updated: session null', { type: 'session.updated', session: null }],
  ]

  it('H1: events with missing or wrong-typed fields: no TypeError, no lost audio, the response is read to its end', async () => {
    const warn = vi.fn()
    const { agent, connection } = await scriptedVoiceAgent({ logger: { warn } })
    await agent.sendText('hi')
    const events = responseEvents({ text: LONG })
    // junk before the response, between its deltas, and around response.done
    const stream: unknown[] = [...JUNK.slice(0, 5).map((j) => j[1]), ...events.slice(0, 6), ...JUNK.slice(5).map((j) => j[1]), ...events.slice(6)]
    // the error events among the junk fail the waiting call (once each, as typed errors); read on after them
    const { chunks, errors, done: reader } = drainThroughErrors(agent, (e) => e instanceof RealtimeServerError)
    for (const e of stream) connection.sendRaw(JSON.stringify(e))
    const outcome = await settle(reader, 3000)
    expect(outcome.ok ? 'ok' : outcome.error).toBe('ok')
    for (const e of errors) expect(e).toBeInstanceOf(RealtimeServerError)
    expect(transcribeSyntheticSpeech(Buffer.concat(chunks))).toBe(LONG)
    expect(agent.lastAgentTranscript).toBe(LONG)
    expect(agent.currentResponse?.status).toBe('completed')
    // The timeline holds strings only, and nothing was taken for a legacy event name.
    for (const e of agent.timeline) expect(typeof e.type).toBe('string')
    expect(warn).not.toHaveBeenCalled()
    expect(formatTranscript(agent.transcript)).not.toMatch(/undefined|\[object/)
  })
})

describe('H2. unknown values', () => {
  it.each(['weird', '', 'in_progress', 42, null])(
    'H2: response.done with status %o ends the response as completed; nothing prints "undefined"',
    async (status) => {
      const { agent, connection } = await scriptedVoiceAgent()
      await agent.sendText('hi')
      const events = responseEvents({ text: 'hello' })
      const done = events[events.length - 1]!
      await sendAll(connection, [...events.slice(0, -1), { ...done, response: { ...(done.response as object), status } }])
      expect(await settle(drain(agent, 1000), 1500)).toMatchObject({ ok: true })
      expect(agent.currentResponse!.status).toBe('completed')
      expect(formatTranscript(agent.transcript)).toBe('user (text): hi\nagent: hello')
    },
  )
})

describe('I. odd-length and empty audio', () => {
  it('I1: odd-length deltas lose only their trailing byte; every chunk is whole samples', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: 'odd', audio: Buffer.alloc(0) }).filter((e) => e.type !== 'response.output_audio.delta')
    const deltas = [Buffer.from([1, 2, 3]), Buffer.from([4]), Buffer.from([5, 6, 7, 8, 9])].map((b) => ({
      type: 'response.output_audio.delta',
      response_id: 'resp_scripted_1',
      item_id: 'item_scripted_1',
      delta: pcm(b),
    }))
    await sendAll(connection, [...events.slice(0, 4), ...deltas, ...events.slice(4)])
    const chunks = await drain(agent, 1000)
    expect(chunks.map((c) => [...c.data])).toEqual([
      [1, 2],
      [5, 6, 7, 8],
    ])
    expect(agent.currentResponse!.audioBytes).toBe(6)
  })

  it('I2: empty deltas give no chunk; a response of only empty audio ends with null', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: 'silence', audio: Buffer.alloc(0) })
    await sendAll(connection, events)
    expect(await settle(agent.recvAudio(1000), 1500)).toMatchObject({ ok: true, value: null })
    expect(agent.currentResponse).toMatchObject({ status: 'completed', audioBytes: 0, firstAudioAt: null })
  })

  it('I3: sendAudio of an empty buffer is a no-op: no turn, no append, recvAudio has nothing to wait for', async () => {
    const { agent, connection } = await voiceAgent({}, ADAPTER)
    await agent.sendAudio({ data: Buffer.alloc(0), sampleRate: 24000 })
    expect(agent.turns).toHaveLength(0)
    const { error } = await rejectionOf(agent.recvAudio(100), 100 + SLACK)
    expect(error).toBeInstanceOf(RealtimeTimeoutError)
    expect(error.message).toContain('none was requested (send audio or text first)')
    expect(connection.received.map((e) => e.type)).toEqual(['session.update'])
  })

  it('I4: odd-length sendAudio chunks are forwarded byte-exact (the server concatenates bytes, not samples)', async () => {
    const { agent, connection } = await voiceAgent({}, ADAPTER)
    const pcm = synthesizeSpeech('book a table for two')
    // split at odd offsets
    for (let at = 0; at < pcm.length; ) {
      const size = Math.min(pcm.length - at, 999 + (at % 7) * 2)
      await agent.sendAudio({ data: pcm.subarray(at, at + size), sampleRate: 24000 })
      at += size
    }
    await drain(agent, 2000)
    expect(connection.inputAudio[0]!.equals(pcm)).toBe(true)
    await vi.waitFor(() => expect(agent.lastUserTranscript).toBe('book a table for two'))
  })
})

describe('J. gigantic frames', () => {
  it('J1: an 8 MB frame (one audio delta of 6 MB, 2 min 11 s of audio) arrives byte-exact', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const big = Buffer.alloc(6 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff
    const events = responseEvents({ text: 'big', audio: big, chunkBytes: big.length })
    await sendAll(connection, events)
    const outcome = await settle(drain(agent, 5000), 5000 + SLACK)
    expect(outcome.ok).toBe(true)
    const received = Buffer.concat((outcome as { value: Array<{ data: Buffer }> }).value.map((c) => c.data))
    expect(received.equals(big)).toBe(true)
  })

  it('J2: a frame announcing 4 GiB: the client drops the socket and the waiting call rejects at once, naming why', async () => {
    const server = await rawServer(async (c) => {
      await c.accept()
      await c.nextEvent('session.update')
      c.sendEvent(sessionUpdated())
      await c.nextEvent('response.create')
      c.sendFrameHeader(1, 4n * 1024n ** 3n)
    })
    const agent = testAdapter(server.url, ADAPTER)
    await agent.connect()
    await agent.sendText('hi')
    const { error, ms } = await rejectionOf(agent.recvAudio(5000), 5000 + SLACK)
    recordTiming('J2 4 GiB frame', ms, 5000)
    expect(error).toBeInstanceOf(RealtimeConnectionClosedError)
    // ws refuses the frame from its header (no 4 GiB is ever buffered) and drops the socket: 1006, with the reason.
    expect((error as RealtimeConnectionClosedError).closeCode).toBe(1006)
    expect(error.message).toContain('connection closed (1006 client error: Max payload size exceeded)')
    expect(ms).toBeLessThan(2000)
  })

  it('J4: a text frame that is not UTF-8 is decoded with replacement characters and kept; the connection stays open', async () => {
    const server = await rawServer(async (c) => {
      await c.accept()
      await c.nextEvent('session.update')
      c.sendEvent(sessionUpdated())
      await c.nextEvent('response.create')
      // A user transcription whose text holds two bytes that are no UTF-8 (0xff 0xfe), then a whole response.
      const [head, tail] = JSON.stringify({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: 'item_user_1',
        content_index: 0,
        transcript: 'A|B',
      }).split('|')
      c.sendFrame(1, Buffer.concat([Buffer.from(head!), Buffer.from([0xff, 0xfe]), Buffer.from(tail!)]))
      for (const e of responseEvents({ text: 'still here' })) c.sendEvent(e)
    })
    const agent = testAdapter(server.url, ADAPTER)
    await agent.connect()
    await agent.sendText('hi')
    const outcome = await settle(drain(agent, 3000), 3000 + SLACK)
    expect(outcome.ok).toBe(true)
    expect(agent.currentResponse?.status).toBe('completed')
    // ws would have closed with 1007 (invalid UTF-8) before: the bytes now arrive as U+FFFD.
    expect(agent.timeline.some((e) => e.type === '(close)')).toBe(false)
    expect(agent.lastAgentTranscript).toBe('still here')
    expect(agent.lastUserTranscript).toBe('A\uFFFD\uFFFDB')
  })

  it('J3: a frame above a configured maxPayload is refused the same way (wsOptions.maxPayload)', async () => {
    const { agent, connection } = await scriptedVoiceAgent({ wsOptions: { maxPayload: 64 * 1024 } })
    await agent.sendText('hi')
    connection.send({ type: 'response.output_audio.delta', delta: pcm(Buffer.alloc(100 * 1024)) })
    const { error } = await rejectionOf(agent.recvAudio(2000), 2000 + SLACK)
    expect(error).toBeInstanceOf(RealtimeConnectionClosedError)
    expect(error.message).toMatch(/connection closed \(\d+ .*Max payload size exceeded/)
  })
})

describe('K. duplicate and out-of-order events', () => {
  it('K1: a duplicated response.created loses no audio and creates no phantom response', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: LONG })
    await sendAll(connection, [...events.slice(0, 6), events[0]!, ...events.slice(6)])
    const outcome = await settle(drain(agent, 1000), 1000 + SLACK)
    expect(outcome.ok ? 'ok' : (outcome.error as Error).message).toBe('ok')
    expect(transcribeSyntheticSpeech(Buffer.concat(agent.currentResponse!.audio.map((c) => c.data)))).toBe(LONG)
    expect(agent.responses).toHaveLength(1)
  })

  it('K2: deltas before response.created still belong to the response being read', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: LONG })
    const created = events[0]!
    await sendAll(connection, [...events.slice(1, 8), created, ...events.slice(8)])
    const outcome = await settle(drain(agent, 1000), 1000 + SLACK)
    expect(outcome.ok ? 'ok' : (outcome.error as Error).message).toBe('ok')
    expect(transcribeSyntheticSpeech(Buffer.concat(agent.currentResponse!.audio.map((c) => c.data)))).toBe(LONG)
    expect(agent.responses).toHaveLength(1)
    expect(agent.currentResponse!.id).toBe('resp_scripted_1')
  })

  it('K3: a duplicated response.done does not release a held-back response.create early', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('one')
    await agent.sendText('two') // held until the first response is done
    const first = responseEvents({ text: 'first', responseId: 'resp_1', itemId: 'item_1' })
    await sendAll(connection, first)
    await vi.waitFor(() => expect(connection.received.filter((e) => e.type === 'response.create')).toHaveLength(2))
    connection.send(first[first.length - 1]!) // the same response.done again
    await new Promise((r) => setTimeout(r, 30))
    expect(connection.received.filter((e) => e.type === 'response.create')).toHaveLength(2)
    await sendAll(connection, responseEvents({ text: 'second', responseId: 'resp_2', itemId: 'item_2' }))
    await drain(agent, 1000)
    expect(agent.responses.map((r) => [r.id, r.status, r.transcript])).toEqual([
      ['resp_1', 'completed', 'first'],
      ['resp_2', 'completed', 'second'],
    ])
  })

  it('K4: duplicated transcript.done and transcription events are idempotent', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendAudio(speech('hi'))
    const user = userTurnEvents('item_user_1', 'hi there')
    const events = responseEvents({ text: 'hello' })
    const done = events.find((e) => e.type === 'response.output_audio_transcript.done')!
    const reading = drain(agent, 1000)
    await sendAll(connection, [...user, user[3]!, ...events.slice(0, -1), done, done, events[events.length - 1]!, done])
    await reading
    expect(agent.lastAgentTranscript).toBe('hello')
    expect(agent.turns[0]!.transcription).toBe('hi there')
    expect(formatTranscript(agent.transcript)).toBe('user: hi there\nagent: hello')
  })

  it('K5: the transcription arriving before input_audio_buffer.committed lands on the right turn', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendAudio(speech('hi'))
    const reading = drain(agent, 1000)
    const user = userTurnEvents('item_user_1', 'early words')
    await sendAll(connection, [user[3]!, ...user.slice(0, 3), ...responseEvents({ text: 'ok' })])
    await reading
    expect(agent.turns[0]).toMatchObject({ itemId: 'item_user_1', transcription: 'early words' })
  })

  it('K6: audio arriving after response.done is recorded but never handed out after the null', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const events = responseEvents({ text: 'hello' })
    await sendAll(connection, events)
    await drain(agent, 1000)
    connection.send({ type: 'response.output_audio.delta', response_id: 'resp_scripted_1', item_id: 'item_scripted_1', delta: pcm(Buffer.alloc(480)) })
    await new Promise((r) => setTimeout(r, 20))
    expect(await settle(agent.recvAudio(200), 500)).toMatchObject({ ok: true, value: null })
  })

  it("K7: another response's events interleaved (server VAD, out of turn) never reach the reader", async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const mine = responseEvents({ text: LONG, responseId: 'resp_mine', itemId: 'item_mine' })
    const other = responseEvents({ text: 'intruder speaking now', responseId: 'resp_other', itemId: 'item_other' })
    // ours is created first; the intruder's events interleave with it
    const stream = [mine[0]!]
    for (let i = 1; i < Math.max(mine.length, other.length); i++) {
      if (other[i]) stream.push(other[i]!)
      if (mine[i]) stream.push(mine[i]!)
    }
    const reading = drain(agent, 1000)
    await sendAll(connection, stream)
    const chunks = await reading
    expect(transcribeSyntheticSpeech(Buffer.concat(chunks.map((c) => c.data)))).toBe(LONG)
    expect(agent.lastAgentTranscript).toBe(LONG)
  })
})

describe('L. transcription failed', () => {
  it('L1: a transcription.failed event is recorded on its turn and marked in the transcript', async () => {
    const { agent } = await voiceAgent(
      {
        transcribe: () => {
          throw new Error('audio unintelligible')
        },
        reply: 'sorry?',
      },
      ADAPTER,
    )
    await agent.sendAudio(speech('mumble'))
    await drain(agent, 2000)
    await vi.waitFor(() => expect(agent.turns[0]!.transcriptionFailed).toMatch(/audio unintelligible/))
    expect(agent.lastUserTranscript).toBeNull()
    expect(formatTranscript(agent.transcript)).toBe('user: … [failed]\nagent: sorry?')
  })
})

describe('M. calls after disconnect()', () => {
  it('M1: every method rejects with RealtimeConnectionClosedError; disconnect() stays idempotent', async () => {
    const { agent } = await voiceAgent({}, ADAPTER)
    await agent.disconnect()
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['sendAudio', () => agent.sendAudio({ data: Buffer.alloc(4800), sampleRate: 24000 })],
      ['sendText', () => agent.sendText('hi')],
      ['sendToolResult', () => agent.sendToolResult('call_1', {})],
      ['recvAudio', () => agent.recvAudio(100)],
      ['interrupt', () => agent.interrupt()],
    ]
    for (const [name, call] of calls) {
      const { error } = await rejectionOf(call(), 500)
      expect(error, name).toBeInstanceOf(RealtimeConnectionClosedError)
      expect(error.message, name).toMatch(new RegExp(`^${name}\\(\\) called after the connection closed \\(1000`))
    }
    await expect(agent.disconnect()).resolves.toBeUndefined()
    await expect(agent.disconnect()).resolves.toBeUndefined()
  })

  it('M2: disconnect() while recvAudio waits: the waiting call rejects at once (not at its timeout)', async () => {
    const { agent } = await scriptedVoiceAgent()
    await agent.sendText('hi')
    const waiting = agent.recvAudio(5000)
    waiting.catch(() => {}) // observed below; it may reject while disconnect() runs
    await new Promise((r) => setTimeout(r, 20))
    await agent.disconnect()
    const { error, ms } = await rejectionOf(waiting, 1000)
    recordTiming('M2 disconnect while waiting', ms, 5000)
    expect(error).toBeInstanceOf(RealtimeConnectionClosedError)
  })

  it('M3: disconnect() during connect(): connect rejects at once with RealtimeConnectionClosedError', async () => {
    const server = await fakeServer({ faults: { sessionUpdateDelayMs: 5000 } })
    const agent = testAdapter(server.url, { ...ADAPTER, connectTimeoutMs: 5000 })
    const connecting = agent.connect()
    await server.waitForConnection()
    await agent.disconnect()
    const { error, ms } = await rejectionOf(connecting, 1000)
    recordTiming('M3 disconnect during connect', ms, 5000)
    expect(error).toBeInstanceOf(RealtimeConnectionClosedError)
    expect(agent.connected).toBe(false)
  })

  it('M4: disconnect() before the socket even opened: connect rejects, nothing is left open', async () => {
    const server = await rawServer(() => {})
    const agent = testAdapter(server.url, { ...ADAPTER, connectTimeoutMs: 5000 })
    const connecting = agent.connect()
    await agent.disconnect()
    const { error } = await rejectionOf(connecting, 1000)
    expect(error).toBeInstanceOf(ExpectVoiceError)
    expect(agent.connected).toBe(false)
  })
})

describe('N. connect() twice', () => {
  it('N1: sequentially: the second connect() is a no-op (one connection)', async () => {
    const { agent, server } = await voiceAgent({}, ADAPTER)
    await agent.connect()
    expect(server.connections).toHaveLength(1)
    expect(agent.connected).toBe(true)
  })

  it('N2: concurrently: both calls resolve with the same session (one connection)', async () => {
    const server = await fakeServer({ faults: { sessionUpdateDelayMs: 50 } })
    const agent = testAdapter(server.url, ADAPTER)
    const outcome = await settle(Promise.all([agent.connect(), agent.connect()]), 1000 + SLACK)
    expect(outcome.ok ? 'ok' : (outcome.error as Error).message).toBe('ok')
    expect(server.connections).toHaveLength(1)
    expect(agent.connected).toBe(true)
  })

  it('N3: concurrently, when the connection fails: both calls reject with the same typed error', async () => {
    const server = await fakeServer({ rejectHandshake: { status: 403 } })
    const agent = testAdapter(server.url, ADAPTER)
    const [a, b] = await Promise.allSettled([agent.connect(), agent.connect()])
    expect(a).toMatchObject({ status: 'rejected', reason: expect.any(RealtimeHandshakeError) })
    expect(b).toMatchObject({ status: 'rejected', reason: expect.any(RealtimeHandshakeError) })
  })

  it('N4: after disconnect() or a failed connect(): connect() rejects saying to create a new adapter', async () => {
    const { agent } = await voiceAgent({}, ADAPTER)
    await agent.disconnect()
    await expect(agent.connect()).rejects.toThrow(/create a new adapter to reconnect/)
    const server = await fakeServer({ rejectHandshake: { status: 500 } })
    const failed = testAdapter(server.url, ADAPTER)
    await expect(failed.connect()).rejects.toBeInstanceOf(RealtimeHandshakeError)
    await expect(failed.connect()).rejects.toThrow(/create a new adapter to reconnect/)
  })
})
