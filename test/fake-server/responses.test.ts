import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { synthesizeSpeech, transcribeSyntheticSpeech } from '../../src/audio/synthetic-voice.js'
import type { FakeRealtimeServerOptions, FakeReplyContext } from '../../src/fake-server/index.js'
import { PUSH_TO_TALK, useFakeServers } from '../helpers/fake-servers.js'
import { rawClient, types, type Json, type RawClient } from '../helpers/raw-client.js'

const { connect } = useFakeServers()

const b64 = (buf: Buffer) => buf.toString('base64')
const audioOf = (events: Json[]) => Buffer.concat(events.filter((e) => e.type === 'response.output_audio.delta').map((e) => Buffer.from(e.delta, 'base64')))
const transcriptOf = (events: Json[]) =>
  events
    .filter((e) => e.type === 'response.output_audio_transcript.delta')
    .map((e) => e.delta)
    .join('')

/** Collapse runs of deltas so an order assertion reads like the protocol notes. */
function shape(events: Json[]): string[] {
  const out: string[] = []
  for (const t of types(events)) {
    const isDelta = t.endsWith('.delta')
    const last = out[out.length - 1]
    if (isDelta && (last === `${t}*` || (last?.includes('delta') && out.length && last.startsWith('~')))) continue
    out.push(isDelta ? `${t}*` : t)
  }
  return out
}

/** Interleaved transcript/audio deltas collapse into one marker. */
function skeleton(events: Json[]): string[] {
  const out: string[] = []
  for (const t of types(events)) {
    const name =
      t === 'response.output_audio.delta' || t === 'response.output_audio_transcript.delta' ? '(audio + transcript deltas)' : t.endsWith('.delta') ? `${t}*` : t
    if (out[out.length - 1] !== name) out.push(name)
  }
  return out
}

async function speak(client: RawClient, text: string) {
  client.send({ type: 'input_audio_buffer.append', audio: b64(synthesizeSpeech(text)) })
  client.send({ type: 'input_audio_buffer.commit' })
}

describe('audio turn', () => {
  it('streams the GA order, audio that transcribes back to the reply, then rate_limits.updated', async () => {
    const { client } = await connect({}, PUSH_TO_TALK)
    await speak(client, 'book a table for two')
    client.send({ type: 'response.create' })
    const events = await client.until('response.done')
    const limits = await client.next('rate_limits.updated')
    const turn = events.filter((e) => !e.type.startsWith('conversation.item.input_audio_transcription'))
    expect(skeleton(turn)).toEqual([
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      '(audio + transcript deltas)',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
    ])
    // transcription (default delay 0) lands right after the user item
    const t = types(events)
    expect(t.indexOf('conversation.item.input_audio_transcription.completed')).toBeLessThan(t.indexOf('response.created'))
    const reply = 'You said: book a table for two'
    expect(transcribeSyntheticSpeech(audioOf(events))).toBe(reply)
    expect(transcriptOf(events)).toBe(reply)
    const byType = (type: string) => events.find((e) => e.type === type)!
    const created = byType('response.created')
    expect(created.response).toEqual({
      object: 'realtime.response',
      id: expect.any(String),
      status: 'in_progress',
      status_details: null,
      output: [],
      conversation_id: expect.any(String),
      output_modalities: ['audio'],
      max_output_tokens: 'inf',
      audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' } },
      usage: null,
      metadata: null,
    })
    const ids = { response_id: created.response.id, item_id: byType('response.output_item.added').item.id, output_index: 0 }
    expect(byType('response.output_item.added').item).toEqual({ id: ids.item_id, type: 'message', status: 'in_progress', role: 'assistant', content: [] })
    expect(byType('response.content_part.added')).toMatchObject({ ...ids, content_index: 0, part: { type: 'audio', transcript: '' } })
    for (const d of events.filter((e) => e.type === 'response.output_audio_transcript.delta')) {
      expect(d).toMatchObject({ ...ids, content_index: 0 })
      expect(d.obfuscation).toMatch(/^[A-Za-z0-9]{11,14}$/)
    }
    expect(byType('response.output_audio.done')).toEqual({ type: 'response.output_audio.done', event_id: expect.any(String), ...ids, content_index: 0 })
    expect(byType('response.output_audio_transcript.done')).toMatchObject({ ...ids, transcript: reply })
    expect(byType('response.content_part.done')).toMatchObject({ ...ids, part: { type: 'audio', transcript: reply } })
    const finalItem = { id: ids.item_id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_audio', transcript: reply }] }
    expect(byType('response.output_item.done').item).toEqual(finalItem)
    const done = byType('response.done')
    expect(done.response).toMatchObject({ id: ids.response_id, status: 'completed', status_details: null, output: [finalItem] })
    expect(done.response.usage).toMatchObject({
      total_tokens: expect.any(Number),
      input_token_details: expect.any(Object),
      output_token_details: expect.any(Object),
    })
    expect(limits.rate_limits).toEqual([{ name: 'tokens', limit: 40000, remaining: expect.any(Number), reset_seconds: expect.any(Number) }])
  })

  it('cuts audio into chunkMs deltas (default 100 ms = 4800 bytes)', async () => {
    for (const [chunkMs, bytes] of [
      [undefined, 4800],
      [20, 960],
      [250, 12000],
    ] as const) {
      const { client } = await connect({ reply: 'a fairly long reply to cut into several chunks', ...(chunkMs ? { chunkMs } : {}) })
      client.send({ type: 'response.create' })
      const deltas = (await client.until('response.done'))
        .filter((e) => e.type === 'response.output_audio.delta')
        .map((e) => Buffer.from(e.delta, 'base64').length)
      expect(deltas.slice(0, -1).every((n) => n === bytes)).toBe(true)
      expect(deltas[deltas.length - 1]).toBeLessThanOrEqual(bytes)
    }
  })

  it('streams FakeReply.audio byte for byte (odd trailing byte dropped), transcript = text', async () => {
    const bytes = Buffer.alloc(10_001)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 256
    const { client } = await connect({ reply: { text: 'raw audio', audio: bytes } })
    client.send({ type: 'response.create' })
    const events = await client.until('response.done')
    expect(audioOf(events).equals(bytes.subarray(0, 10_000))).toBe(true)
    expect(events.find((e) => e.type === 'response.output_audio_transcript.done')!.transcript).toBe('raw audio')
  })

  it('delays the first delta by latencyMs, not response.created', async () => {
    const { client } = await connect({ reply: 'late', latencyMs: 150 })
    const sentAt = performance.now()
    client.send({ type: 'response.create' })
    await client.next('response.created')
    const createdAfter = performance.now() - sentAt
    await client.next('response.output_audio.delta')
    const firstAudioAfter = performance.now() - sentAt
    expect(createdAfter).toBeLessThan(100)
    expect(firstAudioAfter).toBeGreaterThanOrEqual(145)
    expect(firstAudioAfter).toBeLessThan(1000)
  })

  it('records server-side timings: first audio exactly latencyMs after the request, never early', async () => {
    const { client, server } = await connect({ reply: 'timed', latencyMs: 40 })
    for (let i = 0; i < 5; i++) {
      client.send({ type: 'response.create' })
      await client.next('response.done')
    }
    const records = server.connections[0]!.responses
    expect(records).toHaveLength(5)
    for (const r of records) {
      expect(r).toMatchObject({ status: 'completed', latencyMs: 40 })
      const injected = r.firstAudioAt! - r.requestedAt
      expect(injected).toBeGreaterThanOrEqual(40)
      expect(injected).toBeLessThan(40 + 250) // a sanity bound for a loaded machine; typically < 0.5 ms late
      expect(r.doneAt!).toBeGreaterThanOrEqual(r.firstAudioAt!)
    }
  })

  it('latencyMs as a function of the context; jitter is seeded: same seed, same latencies', async () => {
    async function latencies(seed: number): Promise<number[]> {
      const seen: number[] = []
      const { client, server } = await connect({
        reply: 'x',
        latencyMs: (ctx) => {
          seen.push(ctx.turn)
          return 10 + ctx.turn
        },
        jitterMs: 30,
        seed,
      })
      for (let i = 0; i < 4; i++) {
        client.send({ type: 'response.create' })
        await client.next('response.done')
      }
      expect(seen).toEqual([0, 1, 2, 3])
      return server.connections[0]!.responses.map((r) => r.latencyMs)
    }
    const a = await latencies(7)
    const b = await latencies(7)
    const c = await latencies(8)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
    a.forEach((ms, turn) => {
      expect(ms).toBeGreaterThanOrEqual(10 + turn)
      expect(ms).toBeLessThan(10 + turn + 30)
    })
  })

  it("paceMs: 'realtime' paces deltas at the audio's own speed", async () => {
    const { client } = await connect({ reply: 'twelve chars', paceMs: 'realtime' }) // 13 symbols x 40 ms = 520 ms
    const start = performance.now()
    client.send({ type: 'response.create' })
    await client.next('response.done')
    const elapsed = performance.now() - start
    expect(elapsed).toBeGreaterThanOrEqual(400) // the last chunk is not waited for
    expect(elapsed).toBeLessThan(2000)
  })

  it('pings after each delta and sends the next once the client has answered; a client that never answers still gets it all', async () => {
    const { server, client } = await connect({ reply: 'twelve chars' }) // 520 ms of audio: 6 deltas
    const pings: number[] = []
    client.ws.on('ping', () => pings.push(client.events.filter((e) => e.type === 'response.output_audio.delta').length))
    client.send({ type: 'response.create' })
    await client.next('response.done')
    // One ping after each delta, each arriving after its delta.
    expect(pings).toEqual([1, 2, 3, 4, 5, 6])

    const silent = await rawClient(server.url, { autoPong: false })
    await silent.next('session.created')
    const start = performance.now()
    silent.send({ type: 'response.create' })
    const done = await silent.next('response.done', 5000)
    expect(done.response.status).toBe('completed')
    expect(silent.events.filter((e) => e.type === 'response.output_audio.delta')).toHaveLength(6)
    // It waits for one pong only (500 ms), then paces this client without them.
    expect(performance.now() - start).toBeLessThan(1500)
  })

  it('streams at 10x real time by default, and at streamSpeed when given', async () => {
    const timed = async (options: FakeRealtimeServerOptions) => {
      const { client } = await connect({ reply: 'x'.repeat(250), ...options }) // 10 s of audio, 100 deltas
      const start = performance.now()
      client.send({ type: 'response.create' })
      await client.next('response.done')
      return performance.now() - start
    }
    const byDefault = await timed({})
    expect(byDefault).toBeGreaterThanOrEqual(950) // 100 deltas, each followed by a 10 ms gap
    expect(byDefault).toBeLessThan(3000)
    const fast = await timed({ streamSpeed: 50 })
    expect(fast).toBeGreaterThanOrEqual(190)
    expect(fast).toBeLessThan(byDefault)
  })

  it('transcriptionDelayMs moves transcription.completed after response.done, like live', async () => {
    const { client } = await connect({ transcriptionDelayMs: 200 }, PUSH_TO_TALK)
    await speak(client, 'late transcript')
    client.send({ type: 'response.create' })
    await client.next('response.done')
    const completed = await client.next('conversation.item.input_audio_transcription.completed')
    expect(completed.transcript).toBe('late transcript')
    const t = types(client.events)
    expect(t.indexOf('conversation.item.input_audio_transcription.completed')).toBeGreaterThan(t.indexOf('response.done'))
  })

  it('a transcriber that hears nothing -> completed with transcript "", reply "Hello."; one that throws -> .failed', async () => {
    const { client } = await connect(
      {
        transcribe: (_pcm, { turn }) => {
          if (turn === 1) throw new Error('mic on fire')
          return null
        },
      },
      PUSH_TO_TALK,
    )
    client.send({ type: 'input_audio_buffer.append', audio: b64(Buffer.alloc(9600, 7)) })
    client.send({ type: 'input_audio_buffer.commit' })
    expect((await client.next('conversation.item.input_audio_transcription.completed')).transcript).toBe('')
    client.send({ type: 'response.create' })
    const done = await client.next('response.done')
    expect(done.response.output[0].content[0].transcript).toBe('Hello.')
    await speak(client, 'second turn')
    const failed = await client.next('conversation.item.input_audio_transcription.failed')
    expect(failed).toMatchObject({ content_index: 0, error: { message: expect.stringContaining('mic on fire') } })
  })

  it('an async transcriber feeds the reply context', async () => {
    const ctxs: FakeReplyContext[] = []
    const { client } = await connect(
      {
        transcribe: async (pcm) => {
          await new Promise((r) => setTimeout(r, 30))
          return `heard ${pcm.length} bytes`
        },
        reply: (ctx) => {
          ctxs.push(ctx)
          return 'ok'
        },
      },
      PUSH_TO_TALK,
    )
    client.send({ type: 'input_audio_buffer.append', audio: b64(Buffer.alloc(4800)) })
    client.send({ type: 'input_audio_buffer.commit' })
    client.send({ type: 'response.create' })
    await client.next('response.done')
    expect(ctxs[0]!.userText).toBe('heard 4800 bytes')
    expect(ctxs[0]!.history[0]).toMatchObject({ role: 'user', source: 'audio', text: 'heard 4800 bytes' })
  })
})

describe('replies', () => {
  it('default: "You said: <text>", or "Hello." when nothing was heard', async () => {
    const { client } = await connect()
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.output[0].content[0].transcript).toBe('Hello.')
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'ping' }] } })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.output[0].content[0].transcript).toBe('You said: ping')
  })

  it('an array gives one reply per turn, the last repeating; a function sees turn, history, session and request', async () => {
    const { client } = await connect({ reply: ['one', 'two'] })
    const transcripts: string[] = []
    for (let i = 0; i < 3; i++) {
      client.send({ type: 'response.create' })
      transcripts.push((await client.next('response.done')).response.output[0].content[0].transcript)
    }
    expect(transcripts).toEqual(['one', 'two', 'two'])

    const ctxs: FakeReplyContext[] = []
    const second = await connect({ reply: async (ctx) => (ctxs.push(ctx), { text: `turn ${ctx.turn}` }) }, { instructions: 'Be terse.' })
    second.client.send({ type: 'response.create', response: { metadata: { k: 'v' } } })
    const done = await second.client.next('response.done')
    expect(done.response.metadata).toEqual({ k: 'v' })
    expect(ctxs[0]).toMatchObject({ turn: 0, userText: null, history: [], request: { metadata: { k: 'v' } }, connectionId: 1 })
    expect(ctxs[0]!.session).toMatchObject({ instructions: 'Be terse.', voice: 'alloy', model: 'gpt-realtime-mini' })
  })

  it('a reply function that throws gives a failed response, not a crash', async () => {
    const { client } = await connect({
      reply: () => {
        throw new Error('script bug')
      },
    })
    client.send({ type: 'response.create' })
    const done = await client.next('response.done')
    expect(done.response).toMatchObject({
      status: 'failed',
      status_details: { type: 'failed', error: { type: 'server_error', message: expect.stringContaining('script bug') } },
    })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.status).toBe('failed')
  })

  it("honours output_modalities ['text'] with response.output_text.*", async () => {
    const { client } = await connect({ reply: 'Hi there, friend!' })
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say hi in three words' }] } })
    client.send({ type: 'response.create', response: { output_modalities: ['text'] } })
    const events = await client.until('response.done')
    expect(shape(events)).toEqual([
      'conversation.item.added',
      'conversation.item.done',
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'response.output_text.delta*',
      'response.output_text.done',
      'response.content_part.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
    ])
    const deltas = events.filter((e) => e.type === 'response.output_text.delta')
    expect(deltas.map((d) => d.delta)).toEqual(['Hi', ' there,', ' friend!'])
    expect(deltas.every((d) => /^[A-Za-z0-9]{11,14}$/.test(d.obfuscation))).toBe(true)
    expect(events.find((e) => e.type === 'response.content_part.added')!.part).toEqual({ type: 'text', text: '' })
    expect(events.find((e) => e.type === 'response.output_text.done')!.text).toBe('Hi there, friend!')
    const done = events[events.length - 1]!
    expect(done.response.output_modalities).toEqual(['text'])
    expect(done.response.output[0].content).toEqual([{ type: 'output_text', text: 'Hi there, friend!' }])
    // session-level text modality too
    client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } })
    await client.next('session.updated')
    client.send({ type: 'response.create' })
    expect(types(await client.until('response.done'))).not.toContain('response.output_audio.delta')
  })

  it("conversation: 'none' responds out of band: no conversation.item.* events, nothing added to history", async () => {
    let historyLength = -1
    const { client } = await connect({ reply: (ctx) => ((historyLength = ctx.history.length), 'side note') })
    client.send({ type: 'response.create', response: { conversation: 'none' } })
    const events = await client.until('response.done')
    expect(types(events).filter((t) => t.startsWith('conversation.item'))).toEqual([])
    client.send({ type: 'response.create' })
    await client.next('response.done')
    expect(historyLength).toBe(0)
  })
})

describe('tool calls', () => {
  it('a function_call item (arguments streamed) comes before the spoken message', async () => {
    const { client } = await connect({
      reply: (ctx) =>
        ctx.turn === 0
          ? { text: 'Booking now.', toolCalls: [{ name: 'book_table', arguments: { people: 2, time: '19:00' }, callId: 'call_1234567890abcdef' }] }
          : `Booked: ${ctx.history.find((h) => h.role === 'tool')?.text}`,
    })
    client.send({ type: 'response.create' })
    const events = await client.until('response.done')
    expect(skeleton(events)).toEqual([
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.function_call_arguments.delta*',
      'response.function_call_arguments.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      '(audio + transcript deltas)',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
    ])
    const args = JSON.stringify({ people: 2, time: '19:00' })
    const added = events.find((e) => e.type === 'response.output_item.added')!
    expect(added.item).toEqual({
      id: expect.any(String),
      type: 'function_call',
      status: 'in_progress',
      name: 'book_table',
      call_id: 'call_1234567890abcdef',
      arguments: '',
    })
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta')
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.map((d) => d.delta).join('')).toBe(args)
    expect(deltas[0]).toMatchObject({ response_id: expect.any(String), item_id: added.item.id, output_index: 0, call_id: 'call_1234567890abcdef' })
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({
      name: 'book_table',
      call_id: 'call_1234567890abcdef',
      arguments: args,
      output_index: 0,
    })
    const done = events[events.length - 1]!
    expect(done.response.output.map((o: Json) => [o.type, o.status])).toEqual([
      ['function_call', 'completed'],
      ['message', 'completed'],
    ])
    expect(events.filter((e) => e.type === 'response.output_audio.delta').every((e) => e.output_index === 1)).toBe(true)
    // the tool result goes back, and the next turn sees it
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1234567890abcdef', output: '{"ok":true}' } })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.output[0].content[0].transcript).toBe('Booked: {"ok":true}')
  })

  it('followUp answers the response after the tool results, with ctx.toolOutputs; it does not count as a turn', async () => {
    const contexts: FakeReplyContext[] = []
    const { client } = await connect({
      reply: [
        {
          toolCalls: [
            { name: 'book_table', arguments: { party: 2 } },
            { name: 'notify', arguments: '{}' },
          ],
          followUp: (ctx) => {
            contexts.push(ctx)
            return `Booked ${(ctx.toolOutputs[0]!.value as { ref: string }).ref}, ${ctx.toolOutputs[1]!.value}.`
          },
        },
        'Second turn.',
      ],
    })
    client.send({ type: 'response.create' })
    const first = await client.next('response.done')
    const [book, notify] = first.response.output as Json[]
    // Call ids are given out when the reply is prepared; the wire order stays live-like.
    expect([book!.call_id, notify!.call_id]).toEqual(['call_FAKE000000000001', 'call_FAKE000000000002'])
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: book!.call_id, output: '{"ref":"T7"}' } })
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: notify!.call_id, output: 'sent' } })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.output[0].content[0].transcript).toBe('Booked T7, sent.')
    expect(contexts[0]!.turn).toBe(0)
    expect(contexts[0]!.toolOutputs).toEqual([
      { callId: 'call_FAKE000000000001', name: 'book_table', arguments: '{"party":2}', output: '{"ref":"T7"}', value: { ref: 'T7' } },
      { callId: 'call_FAKE000000000002', name: 'notify', arguments: '{}', output: 'sent', value: 'sent' },
    ])
    // The next user turn is reply[1]: the follow-up took no slot of the array.
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And then?' }] } })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.output[0].content[0].transcript).toBe('Second turn.')
  })

  it('refuses a followUp without toolCalls', async () => {
    await expect(connect({ reply: { text: 'x', followUp: 'y' } })).rejects.toThrow(/followUp answers tool calls: give toolCalls too/)
  })

  it('tool calls alone: no message item; generated call ids', async () => {
    const { client } = await connect({
      reply: {
        toolCalls: [
          { name: 'a', arguments: '{}' },
          { name: 'b', arguments: { x: 1 } },
        ],
      },
    })
    client.send({ type: 'response.create' })
    const done = await client.next('response.done')
    expect(done.response.output.map((o: Json) => o.name)).toEqual(['a', 'b'])
    expect(done.response.output[0].call_id).not.toBe(done.response.output[1].call_id)
    expect(types(client.events)).not.toContain('response.output_audio.delta')
  })
})

describe('cancel', () => {
  it('mid-stream: stops at once, sends the tail with the partial transcript, response.done cancelled', async () => {
    const reply = 'This is a long answer that goes on and on for quite a while, long enough to cancel.'
    const { client } = await connect({ reply, paceMs: 20 })
    client.send({ type: 'response.create' })
    await client.next('response.output_audio.delta')
    client.send({ type: 'response.cancel' })
    const rest = await client.until('response.done')
    const tail = rest.filter((e) => !e.type.endsWith('.delta'))
    expect(types(tail)).toEqual([
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
    ])
    // nothing streams after the tail starts
    const firstTail = rest.indexOf(tail[0]!)
    expect(rest.slice(firstTail).some((e) => e.type.endsWith('.delta'))).toBe(false)
    const partial = transcriptOf(client.events)
    expect(partial.length).toBeLessThan(reply.length)
    expect(reply.startsWith(partial)).toBe(true)
    expect(tail[1]!.transcript).toBe(partial)
    expect(tail[2]!.part).toEqual({ type: 'audio', transcript: partial })
    expect(tail[3]!.item).toMatchObject({ status: 'incomplete', content: [{ type: 'output_audio', transcript: partial }] })
    expect(tail[4]!.item.status).toBe('incomplete')
    expect(tail[5]!.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } })
    expect(tail[5]!.response.output[0].status).toBe('incomplete')
    await client.next('rate_limits.updated')
    await new Promise((r) => setTimeout(r, 80))
    expect(types(client.pending())).toEqual([])
    // what was heard decodes to (a prefix of) the reply
    expect(reply.startsWith(transcribeSyntheticSpeech(audioOf(client.events)) ?? 'x')).toBe(true)
  })

  it('during the latency, before any output: response.done cancelled with no output', async () => {
    const { client } = await connect({ reply: 'never said', latencyMs: 500 })
    client.send({ type: 'response.create' })
    await client.next('response.created')
    client.send({ type: 'response.cancel' })
    const events = await client.until('response.done')
    expect(types(events)).toEqual(['response.done'])
    expect(events[0]!.response).toMatchObject({ status: 'cancelled', output: [] })
  })

  it('with nothing active: response_cancel_not_active, session unaffected', async () => {
    const { client } = await connect({ reply: 'ok' })
    client.send({ type: 'response.cancel', event_id: 'cancel_1' })
    const error = await client.next('error')
    expect(error.error).toEqual({
      type: 'invalid_request_error',
      code: 'response_cancel_not_active',
      message: 'Cancellation failed: no active response found',
      param: null,
      event_id: 'cancel_1',
    })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.status).toBe('completed')
  })

  it('honourCancel: false keeps streaming (a broken agent) and sends no error', async () => {
    const reply = 'An agent that will not stop talking whatever you do.'
    const { client } = await connect({ reply, paceMs: 5, honourCancel: false })
    client.send({ type: 'response.create' })
    await client.next('response.output_audio.delta')
    client.send({ type: 'response.cancel' })
    const done = await client.next('response.done')
    expect(done.response.status).toBe('completed')
    expect(transcribeSyntheticSpeech(audioOf(client.events))).toBe(reply)
    expect(types(client.events)).not.toContain('error')
  })

  it('response.create during a response: conversation_already_has_active_response naming it', async () => {
    const { client } = await connect({ reply: 'first', latencyMs: 100 })
    client.send({ type: 'response.create' })
    const created = await client.next('response.created')
    client.send({ type: 'response.create', event_id: 'rc2' })
    const error = await client.next('error')
    expect(error.error).toMatchObject({
      code: 'conversation_already_has_active_response',
      message: `Conversation already has an active response in progress: ${created.response.id}. Wait until the response is finished before creating a new one.`,
      event_id: 'rc2',
    })
    expect((await client.next('response.done')).response.status).toBe('completed')
  })
})

describe('server VAD (the live default)', () => {
  const silence = (ms: number) => Buffer.alloc(ms * 48)

  async function streamAudio(client: RawClient, audio: Buffer) {
    for (let at = 0; at < audio.length; at += 4800) client.send({ type: 'input_audio_buffer.append', audio: b64(audio.subarray(at, at + 4800)) })
  }

  it('detects speech, commits on silence and answers by itself', async () => {
    const { client } = await connect()
    // 300 ms silence, 'hello there' (12 symbols = 480 ms), 500 ms silence
    await streamAudio(client, Buffer.concat([silence(300), synthesizeSpeech('hello there'), silence(500)]))
    const events = await client.until('response.done')
    expect(skeleton(events).slice(0, 7)).toEqual([
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'response.created',
      'response.output_item.added',
    ])
    const started = events[0]!
    const stopped = events[1]!
    expect(started.audio_start_ms).toBe(0) // speech at 300 ms minus 300 ms prefix padding
    expect(stopped.audio_end_ms).toBe(300 + 480 + 200) // end of speech + silence_duration_ms
    expect(stopped.item_id).toBe(started.item_id)
    expect(events[2]!.item_id).toBe(started.item_id)
    expect(events[events.length - 1]!.response.output[0].content[0].transcript).toBe('You said: hello there')
  })

  it('barge-in: speech during a response cancels it (turn_detected)', async () => {
    const { client } = await connect({ reply: 'A long answer, spoken in real time, so that it can be interrupted.', paceMs: 'realtime' })
    await streamAudio(client, Buffer.concat([synthesizeSpeech('question'), silence(300)]))
    await client.next('response.output_audio.delta')
    await streamAudio(client, synthesizeSpeech('wait'))
    await client.next('input_audio_buffer.speech_started')
    const done = await client.next('response.done')
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } })
  })
})

describe('legacy event names', () => {
  it('emits beta names for audio, transcript and item creation, and no conversation.item.done', async () => {
    const { client, server } = await connect({ legacyEventNames: true, reply: 'legacy' }, PUSH_TO_TALK)
    await speak(client, 'old client')
    client.send({ type: 'response.create' })
    const events = await client.until('response.done')
    const t = new Set(types(events))
    for (const name of [
      'response.audio.delta',
      'response.audio.done',
      'response.audio_transcript.delta',
      'response.audio_transcript.done',
      'conversation.item.created',
    ]) {
      expect(t.has(name), name).toBe(true)
    }
    for (const name of ['response.output_audio.delta', 'response.output_audio_transcript.delta', 'conversation.item.added', 'conversation.item.done']) {
      expect(t.has(name), name).toBe(false)
    }
    expect(transcribeSyntheticSpeech(Buffer.concat(events.filter((e) => e.type === 'response.audio.delta').map((e) => Buffer.from(e.delta, 'base64'))))).toBe(
      'legacy',
    )
    expect(types(server.connections[0]!.sent)).toContain('response.audio.delta')
    client.send({ type: 'response.create', response: { output_modalities: ['text'] } })
    expect(types(await client.until('response.done'))).toContain('response.text.delta')
  })
})
