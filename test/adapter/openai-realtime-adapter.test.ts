import { inspect } from 'node:util'
import { performance } from 'node:perf_hooks'
import { describe, expect, it, vi } from 'vitest'
import {
  AgentRole,
  type AudioChunk,
  MissingApiKeyError,
  OpenAIRealtimeAdapter,
  RealtimeConnectionClosedError,
  RealtimeHandshakeError,
  RealtimeServerError,
  RealtimeSessionRefusedError,
  RealtimeTimeoutError,
  synthesizeSpeech,
  transcribeSyntheticSpeech,
} from '../../src/index.js'
import { drain } from '../helpers/drain.js'
import { fakeServer, speech, testAdapter, voiceAgent } from '../helpers/voice.js'

const CANARY = 'sk-canary-DO-NOT-LEAK-0123456789abcdef'

describe('connect', () => {
  it('dials the GA endpoint with the default model and a Bearer header only', async () => {
    const { connection } = await voiceAgent({}, { apiKey: CANARY })
    expect(connection.path).toBe('/v1/realtime')
    expect(connection.query.model).toBe('gpt-realtime-mini')
    expect(connection.headers.authorization).toBe('Bearer [redacted]')
    expect(Object.keys(connection.headers).filter((h) => h.toLowerCase() === 'openai-beta')).toEqual([])
  })

  it('sends session.update of the exact GA shape', async () => {
    const tools = [{ type: 'function' as const, name: 'book', description: 'Books', parameters: { type: 'object', properties: {} } }]
    const { connection } = await voiceAgent({}, { apiKey: CANARY, voice: 'marin', instructions: 'Be brief.', tools, transcriptionModel: 'whisper-1' })
    expect(connection.received[0]).toEqual({
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        tools,
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null, transcription: { model: 'whisper-1' } },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
        },
      },
    })
  })

  it('resolves only once session.updated has arrived', async () => {
    const { agent } = await voiceAgent({ faults: { sessionUpdateDelayMs: 150 } }, { apiKey: CANARY, connect: false })
    await agent.connect()
    expect(agent.timeline.some((e) => e.direction === 'in' && e.type === 'session.updated')).toBe(true)
    expect(agent.connected).toBe(true)
  })

  it('accepts a base URL and an http scheme', async () => {
    const server = await fakeServer()
    const agent = testAdapter(server.baseURL, { apiKey: CANARY, model: 'gpt-realtime' })
    await agent.connect()
    expect(server.connections[0]!.query.model).toBe('gpt-realtime')
    expect(agent.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=gpt-realtime$/)
  })

  it('takes the key from OPENAI_API_KEY when no option is given', async () => {
    vi.stubEnv('OPENAI_API_KEY', CANARY)
    try {
      const { connection } = await voiceAgent({ apiKey: CANARY }, { apiKey: undefined })
      expect(connection.headers.authorization).toBe('Bearer [redacted]')
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('throws MissingApiKeyError without a key and without a url', () => {
    vi.stubEnv('OPENAI_API_KEY', '')
    try {
      expect(() => new OpenAIRealtimeAdapter()).toThrow(MissingApiKeyError)
      expect(() => new OpenAIRealtimeAdapter()).toThrow(/OPENAI_API_KEY/)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('rejects a bad key the way the live API refuses it (error event, close 3000), naming code and close code', async () => {
    const { agent } = await voiceAgent({ apiKey: 'sk-the-right-key-000000000000' }, { apiKey: CANARY, connect: false })
    const err = await agent.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RealtimeSessionRefusedError)
    const refused = err as RealtimeSessionRefusedError
    expect(refused.code).toBe('invalid_api_key')
    expect(refused.closeCode).toBe(3000)
    expect(refused.message).toMatch(/invalid_api_key/)
    expect(refused.message).toMatch(/3000/)
    expect(refused.message).not.toContain(CANARY)
  })

  it.each([401, 403, 429])('rejects an HTTP %i on the upgrade, naming the status and the server message', async (status) => {
    const { agent } = await voiceAgent(
      {
        rejectHandshake: { status, body: JSON.stringify({ error: { message: `nope ${status} for ${CANARY}`, type: 'x', code: 'y' } }) },
      },
      { apiKey: CANARY, connect: false },
    )
    const err = await agent.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RealtimeHandshakeError)
    expect((err as RealtimeHandshakeError).status).toBe(status)
    expect((err as Error).message).toContain(`HTTP ${status}`)
    expect((err as Error).message).toContain(`nope ${status}`)
    expect((err as Error).message).not.toContain(CANARY)
  })

  it('times out naming what arrived when the server never configures the session', async () => {
    const { agent } = await voiceAgent({ faults: { neverAnswer: true } }, { apiKey: CANARY, connect: false, connectTimeoutMs: 200 })
    const started = performance.now()
    const err = await agent.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RealtimeTimeoutError)
    expect((err as Error).message).toMatch(/connect\(\) timed out after 200 ms .*received: nothing after the upgrade/)
    expect(performance.now() - started).toBeLessThan(200 + 250)
  })

  it('connect() on a connected adapter is a no-op; after disconnect it throws', async () => {
    const { agent, server } = await voiceAgent({}, { apiKey: CANARY })
    await agent.connect()
    expect(server.connections).toHaveLength(1)
    await agent.disconnect()
    await expect(agent.connect()).rejects.toThrow(/create a new adapter/)
  })
})

describe('audio turns', () => {
  it('sendAudio appends base64 PCM16 and counts pending bytes without committing', async () => {
    const { agent, connection } = await voiceAgent({}, { apiKey: CANARY })
    const audio = synthesizeSpeech('hello there')
    await agent.sendAudio({ data: audio.subarray(0, 4800), sampleRate: 24000 })
    await agent.sendAudio({ data: audio.subarray(4800), sampleRate: 24000 })
    await vi.waitFor(() => expect(connection.received.filter((e) => e.type === 'input_audio_buffer.append')).toHaveLength(2))
    expect(connection.received.map((e) => e.type)).not.toContain('input_audio_buffer.commit')
    expect(connection.received.map((e) => e.type)).not.toContain('response.create')
    expect(agent.turns[0]!.audioBytes).toBe(audio.length)
  })

  it('recvAudio commits and asks for a response, hands out the audio, then null at response.done', async () => {
    const { agent, connection } = await voiceAgent({ reply: 'Your table is booked.' }, { apiKey: CANARY })
    await agent.sendAudio(speech('book a table for two'))
    const chunks = await drain(agent)
    const types = connection.received.map((e) => e.type)
    expect(types.slice(-2)).toEqual(['input_audio_buffer.commit', 'response.create'])
    expect(chunks.length).toBeGreaterThan(1)
    expect(transcribeSyntheticSpeech(Buffer.concat(chunks.map((c) => c.data)))).toBe('Your table is booked.')
    expect(agent.currentResponse?.status).toBe('completed')
    expect(await agent.recvAudio(1000)).toBeNull()
  })

  it('round-trips audio bytes exactly and trims a trailing odd byte', async () => {
    const bytes = Buffer.alloc(4801 * 2 + 1)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251
    const { agent } = await voiceAgent({ reply: { text: 'raw', audio: bytes } }, { apiKey: CANARY })
    await agent.sendText('send me bytes')
    const received = Buffer.concat((await drain(agent)).map((c) => c.data))
    expect(received.equals(bytes.subarray(0, bytes.length - 1))).toBe(true)
    expect(received.length % 2).toBe(0)
  })

  it('accumulates the agent transcript and the user transcription', async () => {
    const { agent } = await voiceAgent({ reply: 'Sure, your table for two is booked for 7 pm.' }, { apiKey: CANARY })
    await agent.sendAudio(speech('book a table for two at seven'))
    await drain(agent)
    expect(agent.lastAgentTranscript).toBe('Sure, your table for two is booked for 7 pm.')
    await vi.waitFor(() => expect(agent.lastUserTranscript).toBe('book a table for two at seven'))
    expect(agent.turns[0]!.transcription).toBe('book a table for two at seven')
  })

  it('timestamps every received event and chunk at socket receipt', async () => {
    const before = performance.now()
    const { agent } = await voiceAgent({}, { apiKey: CANARY })
    await agent.sendText('hi')
    const chunks = await drain(agent)
    const incoming = agent.timeline.filter((e) => e.direction === 'in')
    expect(incoming.length).toBeGreaterThan(5)
    for (let i = 1; i < incoming.length; i++) expect(incoming[i]!.at).toBeGreaterThanOrEqual(incoming[i - 1]!.at)
    expect(incoming[0]!.at).toBeGreaterThanOrEqual(before)
    for (const c of chunks) expect(c.receivedAt).toBeGreaterThan(before)
    const r = agent.currentResponse!
    expect(r.firstAudioAt).toBe(chunks[0]!.receivedAt)
    expect(r.createdAt!).toBeLessThanOrEqual(r.firstAudioAt!)
  })

  it('tolerates unknown event fields and unknown event types', async () => {
    const { agent, connection } = await voiceAgent({ reply: 'ok' }, { apiKey: CANARY })
    connection.send({ type: 'response.brand_new_event', event_id: 'event_x', surprise: { deep: [1, 2] } })
    await agent.sendText('hi')
    const first = await agent.recvAudio(2000)
    expect(first).not.toBeNull()
    await drain(agent)
    expect(agent.timeline.some((e) => e.type === 'response.brand_new_event')).toBe(true)
  })

  it('rejects audio at the wrong sample rate naming the rate', async () => {
    const { agent } = await voiceAgent({}, { apiKey: CANARY })
    await expect(agent.sendAudio({ data: Buffer.alloc(320), sampleRate: 16000 })).rejects.toThrow(/sampleRate is 16000.*24000/)
  })
})

describe('text, tools and deferral', () => {
  it('sendText sends a user input_text item then response.create', async () => {
    const seen: Array<string | null> = []
    const { agent, connection } = await voiceAgent(
      {
        reply: (ctx) => {
          seen.push(ctx.userText)
          return 'Got it.'
        },
      },
      { apiKey: CANARY },
    )
    await agent.sendText('I would like a table')
    await drain(agent)
    const sent = connection.received.filter((e) => e.type !== 'session.update')
    expect(sent[0]).toEqual({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'I would like a table' }] },
    })
    expect(sent[1]!.type).toBe('response.create')
    expect(seen).toEqual(['I would like a table'])
    expect(agent.lastAgentTranscript).toBe('Got it.')
  })

  it('defers response.create while a response is active instead of provoking conversation_already_has_active_response', async () => {
    const { agent, connection } = await voiceAgent({ reply: ['first answer', 'second answer'], latencyMs: 100 }, { apiKey: CANARY })
    await agent.sendText('one')
    await agent.sendText('two')
    await drain(agent)
    expect(agent.responses.map((r) => r.status)).toEqual(['completed', 'completed'])
    expect(agent.responses.map((r) => r.transcript)).toEqual(['first answer', 'second answer'])
    expect(connection.sent.filter((e) => e.type === 'error')).toEqual([])
    expect(agent.errors).toEqual([])
  })

  it('records tool calls with name, call id and arguments', async () => {
    const { agent } = await voiceAgent(
      {
        reply: { text: 'Booking now.', toolCalls: [{ name: 'book_table', arguments: { people: 2, time: '19:00' }, callId: 'call_1' }] },
      },
      { apiKey: CANARY, toolHandlers: 'manual' },
    )
    await agent.sendText('book it')
    await drain(agent)
    expect(agent.toolCalls).toEqual([
      expect.objectContaining({ name: 'book_table', callId: 'call_1', arguments: JSON.stringify({ people: 2, time: '19:00' }) }),
    ])
  })

  it('sendToolResult returns the output and asks for the next response', async () => {
    const { agent, connection } = await voiceAgent(
      { reply: (ctx) => (ctx.turn === 0 ? { toolCalls: [{ name: 'f', arguments: {} }] } : 'done') },
      { apiKey: CANARY, toolHandlers: 'manual' },
    )
    await agent.sendText('go')
    await drain(agent)
    const callId = agent.toolCalls[0]!.callId
    await agent.sendToolResult(callId, { ok: true })
    await drain(agent)
    expect(connection.received).toContainEqual({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: callId, output: '{"ok":true}' },
    })
    expect(agent.lastAgentTranscript).toBe('done')
    // The answer joins the turn that made the call: one user turn, two responses, the latest the one heard.
    expect(agent.turns).toHaveLength(1)
    expect(agent.turns[0]!.responses.map((r) => r.transcript)).toEqual(['', 'done'])
    expect(agent.turns[0]!.response).toBe(agent.turns[0]!.responses[1])
    expect(agent.toolCalls[0]!.output).toBe('{"ok":true}')
  })
})

describe('interrupt', () => {
  it('sends response.cancel and truncates the item to the audio received', async () => {
    const { agent, connection } = await voiceAgent({ reply: 'This is a long answer that goes on and on for a while.', paceMs: 20 }, { apiKey: CANARY })
    await agent.sendText('talk')
    const first = await agent.recvAudio(2000)
    expect(first).not.toBeNull()
    await agent.interrupt()
    const rest = await drain(agent)
    const cancel = connection.received.find((e) => e.type === 'response.cancel')
    const truncate = connection.received.find((e) => e.type === 'conversation.item.truncate') as Record<string, unknown>
    expect(cancel).toBeDefined()
    expect(truncate).toMatchObject({ content_index: 0, item_id: agent.currentResponse!.audio.length ? expect.any(String) : undefined })
    const receivedBeforeInterrupt = agent.currentResponse!.audio.filter((c) => c.receivedAt! < agent.currentResponse!.interruptedAt!)
    const bytes = receivedBeforeInterrupt.reduce((n, c) => n + c.data.length, 0)
    expect(truncate.audio_end_ms).toBe(Math.floor(bytes / 48))
    expect(agent.currentResponse!.status).toBe('cancelled')
    expect(rest.length).toBeLessThan(5)
  })

  it('treats response_cancel_not_active as routine', async () => {
    const { agent, connection } = await voiceAgent({ reply: 'short' }, { apiKey: CANARY })
    await agent.sendText('hi')
    await drain(agent)
    await agent.interrupt()
    await vi.waitFor(() => expect(connection.sent.some((e) => e.type === 'error')).toBe(true))
    await agent.sendText('again')
    await expect(drain(agent)).resolves.toBeInstanceOf(Array)
    expect(agent.errors).toEqual([])
  })
})

describe('server faults', () => {
  it('raises server error events as RealtimeServerError with type, code and message', async () => {
    const { agent } = await voiceAgent(
      { faults: { errorOnResponseCreate: { type: 'server_error', code: 'overloaded', message: 'try later' } } },
      { apiKey: CANARY },
    )
    await agent.sendText('hi')
    const err = await agent.recvAudio(2000).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RealtimeServerError)
    expect(err).toMatchObject({ type: 'server_error', code: 'overloaded', serverMessage: 'try later' })
  })

  it('accepts legacy beta event names with one warning per name per adapter', async () => {
    const warn = vi.fn()
    const { agent } = await voiceAgent({ legacyEventNames: true, reply: 'legacy reply that is long enough for chunks' }, { apiKey: CANARY, logger: { warn } })
    await agent.sendText('hi')
    const audio = Buffer.concat((await drain(agent)).map((c) => c.data))
    expect(transcribeSyntheticSpeech(audio)).toBe('legacy reply that is long enough for chunks')
    expect(agent.lastAgentTranscript).toBe('legacy reply that is long enough for chunks')
    const names = warn.mock.calls.map(([m]) => /"([^"]+)"/.exec(m as string)![1])
    expect(new Set(names).size).toBe(names.length)
    expect(names).toContain('response.audio.delta')
    expect(names).toContain('response.audio_transcript.delta')
  })

  it('skips non-JSON and binary frames', async () => {
    const { agent } = await voiceAgent({ faults: { malformedFrames: true }, reply: 'still fine' }, { apiKey: CANARY })
    await agent.sendText('hi')
    const audio = Buffer.concat((await drain(agent)).map((c) => c.data))
    expect(transcribeSyntheticSpeech(audio)).toBe('still fine')
    expect(agent.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['(non-JSON frame skipped)', '(binary frame skipped)']))
  })

  it('times out within the timeout, naming what did arrive', async () => {
    const { agent } = await voiceAgent({ latencyMs: 3000 }, { apiKey: CANARY })
    await agent.sendText('hi')
    const started = performance.now()
    const err = await agent.recvAudio(200).catch((e: unknown) => e)
    const elapsed = performance.now() - started
    expect(err).toBeInstanceOf(RealtimeTimeoutError)
    expect((err as Error).message).toMatch(/recvAudio timed out after 200 ms .*received since it was requested: .*response\.created/)
    // It gave up at its own timeout, not when the answer came (3000 ms); how close to 200 ms is for the bench.
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(3000)
  })

  it.each([1011, 1006])('fails the waiting call when the socket closes mid-response (%i), naming the close code', async (code) => {
    const { agent } = await voiceAgent(
      { faults: { closeAfterDeltas: { count: 2, code, reason: code === 1011 ? 'boom' : undefined } }, reply: 'a reply long enough to need several deltas' },
      { apiKey: CANARY },
    )
    await agent.sendText('hi')
    const err = await drain(agent).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RealtimeConnectionClosedError)
    expect((err as RealtimeConnectionClosedError).closeCode).toBe(code)
    expect((err as Error).message).toContain(`connection closed (${code}`)
    expect((err as Error).message).toMatch(/received before the close: .*response\.output_audio\.delta/)
  })
})

describe('lifecycle and secrets', () => {
  it('declares its capabilities and role', async () => {
    const agent = new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:9', apiKey: CANARY, role: AgentRole.USER })
    expect(agent.role).toBe(AgentRole.USER)
    expect(agent.capabilities).toEqual({
      streamingTranscripts: true,
      nativeVad: true,
      dtmf: false,
      interruption: true,
      inputFormats: ['pcm16/24000'],
      outputFormats: ['pcm16/24000'],
    })
  })

  it('disconnect() is idempotent and never throws, before and after connect', async () => {
    const never = new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:9', apiKey: CANARY })
    await expect(never.disconnect()).resolves.toBeUndefined()
    const { agent } = await voiceAgent({}, { apiKey: CANARY })
    await agent.disconnect()
    await agent.disconnect()
    expect(agent.connected).toBe(false)
  })

  it('throws a clear error for calls after disconnect()', async () => {
    const { agent } = await voiceAgent({}, { apiKey: CANARY })
    await agent.disconnect()
    await expect(agent.sendText('hi')).rejects.toThrow(RealtimeConnectionClosedError)
    await expect(agent.recvAudio(100)).rejects.toThrow(/recvAudio\(\) called after the connection closed \(1000/)
  })

  it('never exposes the key in inspect, JSON or errors', async () => {
    const { agent } = await voiceAgent(
      { faults: { errorOnResponseCreate: { type: 'invalid_request_error', code: 'x', message: `echo ${CANARY}` } } },
      { apiKey: CANARY },
    )
    await agent.sendText('hi')
    const err = await agent.recvAudio(1000).catch((e: unknown) => e as Error)
    const surfaces = [inspect(agent, { depth: 10, showHidden: true }), JSON.stringify(agent), String(err), (err as Error).stack, inspect(err)]
    for (const s of surfaces) expect(s).not.toContain(CANARY)
  })
})

describe('keepAudio', () => {
  it('rejects a bad value with an InvalidOptionError naming the option', () => {
    for (const keepAudio of ['some', { lastMs: 0 }, { lastMs: -5 }, { lastMs: Number.NaN }, { lastMs: '100' }, { lastMs: 100, extra: 1 }, [], null, 5]) {
      expect(() => new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:1', keepAudio: keepAudio as never })).toThrow(
        /option "keepAudio" must be 'all', 'none' or \{ lastMs/,
      )
    }
    expect(() => new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:1', keepAudio: 'nope' as never })).toThrowError(
      expect.objectContaining({ name: 'InvalidOptionError' }),
    )
    expect(new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:1' }).keepAudio).toBe('all')
    expect(new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:1', keepAudio: { lastMs: 250 } }).keepAudio).toEqual({ lastMs: 250 })
  })

  it("with 'none', recvAudio still hands out every byte while the records keep counts and timings only", async () => {
    const { agent } = await voiceAgent({ reply: 'Hello there, how can I help you today?' }, { keepAudio: 'none' })
    await agent.sendText('hi')
    let received = 0
    for (let chunk: AudioChunk | null; (chunk = await agent.recvAudio(5000)) !== null; ) received += chunk.data.length
    const r = agent.currentResponse!
    expect(received).toBeGreaterThan(0)
    expect(r.audioBytes).toBe(received)
    expect(r.audioDroppedBytes).toBe(received)
    expect(r.audio).toEqual([])
    expect(r.firstAudioAt).not.toBeNull()
  })

  it('with { lastMs }, the current response keeps its newest audio and the bytes match what was handed out', async () => {
    const { agent } = await voiceAgent({ reply: 'Hello there, how can I help you today? We have tables free all evening.' }, { keepAudio: { lastMs: 300 } })
    await agent.sendText('hi')
    const chunks: Buffer[] = []
    for (let chunk: AudioChunk | null; (chunk = await agent.recvAudio(5000)) !== null; ) chunks.push(chunk.data)
    const r = agent.currentResponse!
    const kept = Buffer.concat(r.audio.map((a: AudioChunk) => a.data))
    expect(kept.length).toBeGreaterThanOrEqual(300 * 48)
    expect(r.audioDroppedBytes + kept.length).toBe(r.audioBytes)
    expect(Buffer.concat(chunks).subarray(-kept.length).equals(kept)).toBe(true)
  })
})
