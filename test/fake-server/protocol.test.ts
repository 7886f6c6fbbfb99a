import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { synthesizeSpeech } from '../../src/audio/synthetic-voice.js'
import { PUSH_TO_TALK, useFakeServers } from '../helpers/fake-servers.js'
import { rawClient, types, type Json } from '../helpers/raw-client.js'

const { startServer, connect } = useFakeServers()

const b64 = (buf: Buffer) => buf.toString('base64')
const ID = {
  event: /^event_[A-Za-z0-9]{21}$/,
  item: /^item_[A-Za-z0-9]{21}$/,
  resp: /^resp_[A-Za-z0-9]{21}$/,
  sess: /^sess_[A-Za-z0-9]{21}$/,
  conv: /^conv_[A-Za-z0-9]{21}$/,
  call: /^call_[A-Za-z0-9]{16}$/,
}

describe('session', () => {
  it('greets with session.created (full GA session, server VAD on) and nothing else', async () => {
    const server = await startServer()
    const client = await rawClient(server.url)
    const created = await client.next('session.created')
    expect(created.event_id).toMatch(ID.event)
    expect(created.session).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      model: 'gpt-realtime-mini',
      output_modalities: ['audio'],
      tools: [],
      tool_choice: 'auto',
      max_output_tokens: 'inf',
      tracing: null,
      truncation: 'auto',
      prompt: null,
      include: null,
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: null,
          noise_reduction: null,
          turn_detection: {
            type: 'server_vad',
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 200,
            idle_timeout_ms: null,
            create_response: true,
            interrupt_response: true,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy', speed: 1 },
      },
    })
    expect(created.session.id).toMatch(ID.sess)
    expect(created.session.expires_at).toBeGreaterThan(Date.now() / 1000 + 3500)
    await new Promise((r) => setTimeout(r, 30))
    expect(types(client.events)).toEqual(['session.created'])
    expect(types(client.events)).not.toContain('conversation.created')
  })

  it('merges session.update and answers with the full resulting session', async () => {
    const { client, server } = await connect()
    client.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        tools: [{ type: 'function', name: 'book', parameters: { type: 'object', properties: {} } }],
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null, transcription: { model: 'whisper-1' } },
          output: { voice: 'marin' },
        },
      },
    })
    const updated = await client.next('session.updated')
    expect(updated.session).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      instructions: 'Be brief.',
      tool_choice: 'auto',
      audio: {
        input: { turn_detection: null, transcription: { model: 'whisper-1', language: null, prompt: null }, noise_reduction: null },
        output: { voice: 'marin', speed: 1, format: { type: 'audio/pcm', rate: 24000 } },
      },
    })
    expect(updated.session.tools).toHaveLength(1)
    expect(updated).not.toHaveProperty('event_id', undefined)
    const conn = server.connections[0]!
    expect(conn.session).toMatchObject({
      instructions: 'Be brief.',
      voice: 'marin',
      turnDetection: null,
      transcriptionModel: 'whisper-1',
      outputModalities: ['audio'],
    })
    // a second update merges into the first
    client.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 500 } } } },
    })
    const second = await client.next('session.updated')
    expect(second.session.instructions).toBe('Be brief.')
    expect(second.session.audio.input.turn_detection).toEqual({
      type: 'server_vad',
      threshold: 0.5,
      prefix_padding_ms: 300,
      silence_duration_ms: 500,
      idle_timeout_ms: null,
      create_response: true,
      interrupt_response: true,
    })
  })

  it.each([
    ['no session.type', { instructions: 'x' }, 'missing_required_parameter', 'session.type'],
    [
      'a 16 kHz input rate',
      { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } },
      'integer_below_min_value',
      'session.audio.input.format.rate',
    ],
    ['an unknown top-level field', { type: 'realtime', bogus_field: 1 }, 'unknown_parameter', 'session.bogus_field'],
    ['an unknown audio.input field', { type: 'realtime', audio: { input: { bogus: 1 } } }, 'unknown_parameter', 'session.audio.input.bogus'],
    ['temperature (not in GA)', { type: 'realtime', temperature: 0.7 }, 'unknown_parameter', 'session.temperature'],
  ])('rejects %s and discards the whole update', async (_label, session, code, param) => {
    const { client } = await connect()
    client.send({ type: 'session.update', event_id: 'evt_client_1', session: { ...session, instructions: 'should not apply' } })
    const error = await client.next('error')
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code, param, event_id: 'evt_client_1' })
    if (code === 'integer_below_min_value') expect(error.error.message).toMatch(/Expected a value >= 24000/)
    if (code === 'unknown_parameter') expect(error.error.message).toBe(`Unknown parameter: '${param}'.`)
    // nothing applied, no session.updated: the next update shows the defaults
    client.send({ type: 'session.update', session: { type: 'realtime' } })
    const updated = await client.next('session.updated')
    expect(updated.session.instructions).not.toBe('should not apply')
    expect(types(client.events).filter((t) => t === 'session.updated')).toHaveLength(1)
  })

  it('refuses a voice change once assistant audio exists (cannot_update_voice)', async () => {
    const { client } = await connect({ reply: 'hi' }, PUSH_TO_TALK)
    client.send({ type: 'response.create' })
    await client.next('response.done')
    client.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'marin' } } } })
    expect((await client.next('error')).error.code).toBe('cannot_update_voice')
  })

  it('says plainly that only audio/pcm is spoken', async () => {
    const { client } = await connect()
    client.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } })
    const error = await client.next('error')
    expect(error.error).toMatchObject({ code: 'invalid_value', param: 'session.audio.output.format.type' })
    expect(error.error.message).toMatch(/only 'audio\/pcm'/)
  })
})

describe('input audio buffer', () => {
  it('commit: committed, then the user item added and done; committed audio kept per turn', async () => {
    const { client, server } = await connect({}, PUSH_TO_TALK)
    const speech = synthesizeSpeech('hello there')
    client.send({ type: 'input_audio_buffer.append', audio: b64(speech.subarray(0, 1001)) })
    client.send({ type: 'input_audio_buffer.append', event_id: 'a2', audio: b64(speech.subarray(1001)) })
    client.send({ type: 'input_audio_buffer.commit' })
    const events = await client.until('conversation.item.done')
    expect(types(events)).toEqual(['input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done'])
    const [committed, added, done] = events as [Json, Json, Json]
    expect(committed).toEqual({
      type: 'input_audio_buffer.committed',
      event_id: expect.stringMatching(ID.event),
      previous_item_id: null,
      item_id: expect.stringMatching(ID.item),
    })
    const item = { id: committed.item_id, type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] }
    expect(added).toMatchObject({ previous_item_id: null, item })
    expect(done).toMatchObject({ previous_item_id: null, item })
    expect(added.item).not.toHaveProperty('object')
    const conn = server.connections[0]!
    expect(conn.inputAudio).toHaveLength(1)
    expect(conn.inputAudio[0]!.equals(speech)).toBe(true)
    expect(conn.received.filter((e) => e.type === 'input_audio_buffer.append')).toEqual([
      { type: 'input_audio_buffer.append', audioBytes: 1001 },
      { type: 'input_audio_buffer.append', event_id: 'a2', audioBytes: speech.length - 1001 },
    ])
  })

  it('then input transcription: deltas (with obfuscation) and completed with the exact text and usage', async () => {
    const { client } = await connect({}, PUSH_TO_TALK)
    client.send({ type: 'input_audio_buffer.append', audio: b64(synthesizeSpeech('What is the weather in Paris?')) })
    client.send({ type: 'input_audio_buffer.commit' })
    const committed = await client.next('input_audio_buffer.committed')
    const completed = await client.next('conversation.item.input_audio_transcription.completed')
    expect(completed).toMatchObject({
      item_id: committed.item_id,
      content_index: 0,
      transcript: 'What is the weather in Paris?',
      usage: {
        type: 'tokens',
        total_tokens: expect.any(Number),
        input_tokens: expect.any(Number),
        output_tokens: expect.any(Number),
        input_token_details: { text_tokens: 0, audio_tokens: expect.any(Number) },
      },
    })
    const deltas = client.events.filter((e) => e.type === 'conversation.item.input_audio_transcription.delta')
    expect(deltas.map((d) => d.delta).join('')).toBe('What is the weather in Paris?')
    for (const d of deltas) expect(d.obfuscation).toMatch(/^[A-Za-z0-9]{11,14}$/)
    // the transcript is now part of the item
    client.send({ type: 'conversation.item.retrieve', item_id: committed.item_id })
    const retrieved = await client.next('conversation.item.retrieved')
    expect(retrieved.item.content[0]).toMatchObject({ type: 'input_audio', transcript: 'What is the weather in Paris?', audio: expect.any(String) })
  })

  it('no transcription events unless the session asks for input transcription (the live default)', async () => {
    const { client } = await connect({}, { audio: { input: { turn_detection: null } } })
    client.send({ type: 'input_audio_buffer.append', audio: b64(synthesizeSpeech('quiet please')) })
    client.send({ type: 'input_audio_buffer.commit' })
    client.send({ type: 'input_audio_buffer.clear' })
    await client.next('input_audio_buffer.cleared')
    expect(types(client.events).some((t) => t.includes('transcription'))).toBe(false)
  })

  it('a commit under 100 ms is input_audio_buffer_commit_empty with the live message, echoing event_id', async () => {
    const { client } = await connect({}, PUSH_TO_TALK)
    client.send({ type: 'input_audio_buffer.commit', event_id: 'commit_10' })
    const empty = await client.next('error')
    expect(empty.error).toEqual({
      type: 'invalid_request_error',
      code: 'input_audio_buffer_commit_empty',
      message: 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.',
      param: null,
      event_id: 'commit_10',
    })
    client.send({ type: 'input_audio_buffer.append', audio: b64(Buffer.alloc(2400)) })
    client.send({ type: 'input_audio_buffer.commit' })
    const half = await client.next('error')
    expect(half.error.message).toMatch(/buffer only has 50\.00ms of audio\./)
    expect(half.error.event_id).toBeNull()
    // the buffer is kept: 50 ms more makes 100 ms, and the commit goes through
    client.send({ type: 'input_audio_buffer.append', audio: b64(Buffer.alloc(2400)) })
    client.send({ type: 'input_audio_buffer.commit' })
    await client.next('input_audio_buffer.committed')
  })

  it('clear empties the buffer (input_audio_buffer.cleared)', async () => {
    const { client } = await connect({}, PUSH_TO_TALK)
    client.send({ type: 'input_audio_buffer.append', audio: b64(synthesizeSpeech('forget this')) })
    client.send({ type: 'input_audio_buffer.clear' })
    expect(await client.next('input_audio_buffer.cleared')).toEqual({ type: 'input_audio_buffer.cleared', event_id: expect.stringMatching(ID.event) })
    client.send({ type: 'input_audio_buffer.commit' })
    expect((await client.next('error')).error.code).toBe('input_audio_buffer_commit_empty')
  })

  it('previous_item_id chains committed turns', async () => {
    const { client } = await connect({}, PUSH_TO_TALK)
    const ids: string[] = []
    for (const text of ['one turn', 'two turns']) {
      client.send({ type: 'input_audio_buffer.append', audio: b64(synthesizeSpeech(text)) })
      client.send({ type: 'input_audio_buffer.commit' })
      const committed = await client.next('input_audio_buffer.committed')
      expect(committed.previous_item_id).toBe(ids.length ? ids[ids.length - 1] : null)
      ids.push(committed.item_id)
    }
  })
})

describe('conversation items', () => {
  it('creates a user text item: added then done, stored in history', async () => {
    let history: unknown
    const { client } = await connect({
      reply: (ctx) => {
        history = ctx.history
        return `echo ${ctx.userText}`
      },
    })
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say hi in three words' }] } })
    const events = await client.until('conversation.item.done')
    expect(types(events)).toEqual(['conversation.item.added', 'conversation.item.done'])
    expect(events[0]!.item).toEqual({
      id: expect.stringMatching(ID.item),
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_text', text: 'Say hi in three words' }],
    })
    client.send({ type: 'response.create' })
    await client.next('response.done')
    expect(history).toEqual([{ itemId: events[0]!.item.id, role: 'user', type: 'message', text: 'Say hi in three words', source: 'text', status: 'completed' }])
  })

  it('keeps a client-given id, honours previous_item_id, and stores function_call_output as a tool entry', async () => {
    let history: Array<{ role: string; text: string; itemId: string }> = []
    const { client } = await connect({
      reply: (ctx) => {
        history = ctx.history
        return 'ok'
      },
    })
    client.send({
      type: 'conversation.item.create',
      item: { id: 'item_mine', type: 'message', role: 'system', content: [{ type: 'input_text', text: 'be nice' }] },
    })
    await client.next('conversation.item.done')
    client.send({
      type: 'conversation.item.create',
      previous_item_id: 'root',
      item: { type: 'function_call_output', call_id: 'call_x', output: '{"ok":true}' },
    })
    const added = await client.next('conversation.item.added')
    expect(added.previous_item_id).toBeNull()
    expect(added.item).toEqual({
      id: expect.stringMatching(ID.item),
      type: 'function_call_output',
      status: 'completed',
      call_id: 'call_x',
      output: '{"ok":true}',
    })
    client.send({ type: 'conversation.item.create', previous_item_id: 'item_nope', item: { type: 'message', role: 'user', content: [] } })
    expect((await client.next('error')).error.param).toBe('previous_item_id')
    client.send({ type: 'conversation.item.create', item: { id: 'item_mine', type: 'message', role: 'user', content: [] } })
    expect((await client.next('error')).error.param).toBe('item.id')
    client.send({ type: 'response.create' })
    await client.next('response.done')
    expect(history.map((h) => [h.role, h.text])).toEqual([
      ['tool', '{"ok":true}'],
      ['system', 'be nice'],
    ])
    expect(history[1]!.itemId).toBe('item_mine')
  })

  it('truncate: conversation.item.truncated, transcript cut proportionally in history', async () => {
    let history: Array<{ role: string; text: string; status: string }> = []
    const { client } = await connect({
      reply: (ctx) => {
        history = ctx.history
        return ctx.turn === 0 ? 'abcdefghij klmnopqrst' : 'second'
      },
    })
    client.send({ type: 'response.create' })
    const done = await client.next('response.done')
    const item = done.response.output[0]
    const audioBytes = client.events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e.delta, 'base64').length, 0)
    const audioMs = Math.floor(audioBytes / 48)
    client.send({ type: 'conversation.item.truncate', item_id: item.id, content_index: 0, audio_end_ms: Math.round(audioMs / 2) })
    expect(await client.next('conversation.item.truncated')).toEqual({
      type: 'conversation.item.truncated',
      event_id: expect.stringMatching(ID.event),
      item_id: item.id,
      content_index: 0,
      audio_end_ms: Math.round(audioMs / 2),
    })
    client.send({ type: 'response.create' })
    await client.next('response.done')
    expect(history[0]).toMatchObject({ role: 'assistant', text: 'abcdefghij', status: 'incomplete' })
  })

  it('truncate errors: beyond the audio, unknown item, a user item', async () => {
    const { client } = await connect({ reply: 'short' })
    client.send({ type: 'response.create' })
    const done = await client.next('response.done')
    const itemId = done.response.output[0].id as string
    client.send({ type: 'conversation.item.truncate', event_id: 't1', item_id: itemId, content_index: 0, audio_end_ms: 999_999 })
    const tooLong = await client.next('error')
    expect(tooLong.error).toMatchObject({ code: 'invalid_value', param: 'audio_end_ms', event_id: 't1' })
    expect(tooLong.error.message).toMatch(/^Audio content of \d+ms is already shorter than 999999ms$/)
    client.send({ type: 'conversation.item.truncate', item_id: 'item_nope', content_index: 0, audio_end_ms: 0 })
    expect((await client.next('error')).error).toMatchObject({ code: 'item_truncate_invalid_item_id', message: 'Item with item_id not found: item_nope' })
    client.send({ type: 'conversation.item.create', item: { id: 'item_user', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x' }] } })
    client.send({ type: 'conversation.item.truncate', item_id: 'item_user', content_index: 0, audio_end_ms: 0 })
    expect((await client.next('error')).error.param).toBe('item_id')
  })

  it('delete and retrieve, with the live errors for unknown items', async () => {
    const { client } = await connect()
    client.send({ type: 'conversation.item.create', item: { id: 'item_a', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x' }] } })
    client.send({ type: 'conversation.item.retrieve', item_id: 'item_a' })
    expect((await client.next('conversation.item.retrieved')).item).toMatchObject({ id: 'item_a', role: 'user' })
    client.send({ type: 'conversation.item.delete', item_id: 'item_a' })
    expect(await client.next('conversation.item.deleted')).toMatchObject({ item_id: 'item_a' })
    client.send({ type: 'conversation.item.delete', item_id: 'item_a' })
    expect((await client.next('error')).error).toMatchObject({
      code: 'item_delete_invalid_item_id',
      message: "Error deleting item: the item with id 'item_a' does not exist.",
    })
    client.send({ type: 'conversation.item.retrieve', item_id: 'item_a' })
    expect((await client.next('error')).error.code).toBe('item_retrieve_invalid_item_id')
  })
})

describe('bad client input (all non-fatal)', () => {
  it('unknown type -> invalid_value on type with the live supported list, echoing event_id', async () => {
    const { client } = await connect()
    client.send({ type: 'nope', event_id: 'evt_42' })
    const error = await client.next('error')
    expect(error).toEqual({
      type: 'error',
      event_id: expect.stringMatching(ID.event),
      error: {
        type: 'invalid_request_error',
        code: 'invalid_value',
        message:
          "Invalid value: 'nope'. Supported values are: 'session.update', 'session.close', 'input_audio_buffer.append', 'session.input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', 'conversation.item.create', 'conversation.item.truncate', 'conversation.item.delete', 'conversation.item.retrieve', 'response.create', and 'response.cancel'.",
        param: 'type',
        event_id: 'evt_42',
      },
    })
  })

  it.each([
    ['output_audio_buffer.clear (WebRTC only)', { type: 'output_audio_buffer.clear' }],
    ['a beta client event', { type: 'transcription_session.update', session: { input_audio_format: 'pcm16' } }],
  ])('%s is an unknown type', async (_label, event) => {
    const { client } = await connect()
    client.send(event)
    expect((await client.next('error')).error).toMatchObject({ code: 'invalid_value', param: 'type' })
  })

  it('non-JSON text -> invalid_json; binary -> invalid_event; the session goes on', async () => {
    const { client } = await connect({ reply: 'still here' })
    client.sendRaw('{not json')
    expect((await client.next('error')).error).toMatchObject({
      code: 'invalid_json',
      event_id: null,
      message: expect.stringMatching(/^Invalid event: failed to parse JSON value\./),
    })
    client.sendRaw(Buffer.from([1, 2, 3]))
    expect((await client.next('error')).error).toMatchObject({
      code: 'invalid_event',
      message: 'Expected a text WebSocket message; binary frames are not supported.',
    })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.status).toBe('completed')
    expect(client.ws.readyState).toBe(client.ws.OPEN)
  })
})

describe('connection bookkeeping', () => {
  it('records headers (credentials redacted), path, query, received and sent events', async () => {
    const server = await startServer()
    const client = await rawClient(`${server.url}?foo=bar`, {
      apiKey: 'sk-secret-should-not-appear-000000',
      headers: { 'api-key': 'azure-secret', 'X-Custom': 'yes' },
    })
    await client.next('session.created')
    client.send({ type: 'response.cancel', event_id: 'c1' })
    await client.next('error')
    const conn = await server.waitForConnection()
    expect(conn.id).toBe(1)
    expect(conn.path).toBe('/v1/realtime')
    expect(conn.query).toEqual({ foo: 'bar', model: 'gpt-realtime-mini' })
    expect(conn.headers.authorization).toBe('Bearer [redacted]')
    expect(conn.headers['api-key']).toBe('[redacted]')
    expect(conn.headers['x-custom']).toBe('yes')
    expect(conn.received).toEqual([{ type: 'response.cancel', event_id: 'c1' }])
    expect(types(conn.sent)).toEqual(['session.created', 'error'])
    expect(JSON.stringify({ ...conn, sent: conn.sent, received: conn.received })).not.toMatch(/sk-secret|azure-secret/)
    expect(conn.closed).toBe(false)
    // printable without socket internals (and without secrets)
    expect(JSON.parse(JSON.stringify(conn))).toMatchObject({ id: 1, path: '/v1/realtime', closed: false, sent: 2, received: 1 })
    const printed = inspect(conn)
    expect(printed).toMatch(/^FakeConnection /)
    expect(printed).not.toMatch(/_socket|sk-secret|azure-secret/)
  })

  it('is deterministic: the same script gives the same events (ids included) on every run', async () => {
    async function run(): Promise<unknown[]> {
      const { client, server } = await connect({ reply: ['first reply', 'second'] }, PUSH_TO_TALK)
      client.send({ type: 'input_audio_buffer.append', audio: b64(synthesizeSpeech('one two three')) })
      client.send({ type: 'input_audio_buffer.commit' })
      client.send({ type: 'response.create' })
      await client.next('response.done')
      await client.next('rate_limits.updated')
      client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and again' }] } })
      client.send({ type: 'response.create' })
      await client.next('response.done')
      await client.next('rate_limits.updated')
      await client.close()
      const sent = server.connections[0]!.sent
      return sent.map((e) =>
        e.type === 'session.created' || e.type === 'session.updated' ? { ...e, session: { ...(e.session as object), expires_at: 0 } } : e,
      )
    }
    const a = await run()
    const b = await run()
    expect(a.length).toBeGreaterThan(30)
    expect(b).toEqual(a)
  })

  it('ids have the live shapes', async () => {
    const { client } = await connect({ reply: { text: 'x', toolCalls: [{ name: 'f', arguments: {} }] } })
    client.send({ type: 'response.create' })
    const done = await client.next('response.done')
    expect(done.response.id).toMatch(ID.resp)
    expect(done.response.conversation_id).toMatch(ID.conv)
    expect(done.response.output[0].call_id).toMatch(ID.call)
    for (const e of client.events) expect(e.event_id).toMatch(ID.event)
  })

  it('accepts permessage-deflate (when perMessageDeflate is on) and plain sockets', async () => {
    const server = await startServer({ reply: 'compressed or not', perMessageDeflate: true })
    for (const perMessageDeflate of [true, false]) {
      const client = await rawClient(server.url, { perMessageDeflate })
      expect(client.ws.extensions).toBe(perMessageDeflate ? 'permessage-deflate' : '')
      await client.next('session.created')
      client.send({ type: 'response.create' })
      expect((await client.next('response.done')).response.status).toBe('completed')
      await client.close()
    }
  })

  it('declines permessage-deflate by default, so pacing holds on the wire; a client that offers it still works', async () => {
    const server = await startServer({ reply: 'not compressed' })
    const client = await rawClient(server.url, { perMessageDeflate: true })
    expect(client.ws.extensions).toBe('')
    await client.next('session.created')
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.status).toBe('completed')
  })

  it('session.close ends the session normally', async () => {
    const { client } = await connect()
    client.send({ type: 'session.close' })
    expect((await client.closed).code).toBe(1000)
  })
})
