/**
 * Both directions of the wire against the official SDK's types, in one file so the SDK's declarations are parsed
 * once. Every event the fake server sends (GA names) type-checks against the official SDK's `RealtimeServerEvent`,
 * after removing only the documented fields where the live API itself differs from the SDK types.
 */
import WebSocket from 'ws'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { synthesizeSpeech } from '../../src/audio/synthetic-voice.js'
import { createFakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { PUSH_TO_TALK } from '../helpers/fake-servers.js'
import { rawClient, settledSocketHandles, socketHandles, type Json, type RawClient } from '../helpers/raw-client.js'
import { KNOWN_SERVER_EVENT_DEVIATIONS as KNOWN_DEVIATIONS } from '../helpers/realtime-deviations.js'
import { stripKnownDeviations, typecheckLiterals } from '../helpers/typecheck-literals.js'
import { speech, voiceAgent } from '../helpers/voice.js'

const SDK_TYPE = { typeName: 'RealtimeServerEvent', from: 'openai/resources/realtime/realtime' }

const baseline = { handles: 0 }
const sent: Json[] = []

async function scenario(options: FakeRealtimeServerOptions, session: Record<string, unknown> | null, script: (c: RawClient) => Promise<void>) {
  const server = await createFakeRealtimeServer(options)
  try {
    const client = await rawClient(server.url)
    await client.next('session.created')
    if (session) {
      client.send({ type: 'session.update', session: { type: 'realtime', ...session } })
      await client.next('session.updated')
    }
    await script(client)
    await new Promise((r) => setTimeout(r, 10))
    await client.close()
  } finally {
    await server.close()
  }
  for (const c of server.connections) sent.push(...(c.sent as Json[]))
}

/** Keep the file small: audio payloads shortened (still base64 strings). */
function shrink(event: Json): Json {
  const copy = structuredClone(event)
  if (copy.type === 'response.output_audio.delta') copy.delta = 'AAAA'
  for (const part of copy.item?.content ?? []) if (typeof part.audio === 'string') part.audio = 'AAAA'
  return copy
}

beforeAll(async () => {
  baseline.handles = socketHandles()
  const b64 = (text: string) => synthesizeSpeech(text).toString('base64')
  // audio turn (+ truncate, retrieve, delete, clear) in push-to-talk with transcription
  await scenario({ reply: 'Your table is booked.' }, PUSH_TO_TALK, async (c) => {
    c.send({ type: 'input_audio_buffer.append', audio: b64('book a table') })
    c.send({ type: 'input_audio_buffer.commit' })
    c.send({ type: 'response.create' })
    const done = await c.next('response.done')
    await c.next('rate_limits.updated')
    const user = c.events.find((e) => e.type === 'input_audio_buffer.committed')!.item_id
    c.send({ type: 'conversation.item.retrieve', item_id: user })
    c.send({ type: 'conversation.item.truncate', item_id: done.response.output[0].id, content_index: 0, audio_end_ms: 100 })
    c.send({ type: 'conversation.item.delete', item_id: user })
    c.send({ type: 'input_audio_buffer.append', audio: b64('x') })
    c.send({ type: 'input_audio_buffer.clear' })
    await c.next('input_audio_buffer.cleared')
  })
  // text turn, text modality, tool calls, system and tool items
  await scenario(
    { reply: (ctx) => (ctx.turn === 0 ? { text: 'Checking.', toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] } : 'Found it.') },
    { instructions: 'Be brief.', tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } }] },
    async (c) => {
      c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'sys' }] } })
      c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'find x' }] } })
      c.send({ type: 'response.create' })
      const done = await c.next('response.done')
      c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: done.response.output[0].call_id, output: '{"x":1}' } })
      c.send({ type: 'response.create', response: { output_modalities: ['text'], metadata: { turn: '2' } } })
      await c.next('response.done')
      await c.next('rate_limits.updated')
    },
  )
  // cancel, errors
  await scenario({ reply: 'A long reply that is going to be cancelled part way through.', paceMs: 10 }, PUSH_TO_TALK, async (c) => {
    c.send({ type: 'response.create' })
    await c.next('response.output_audio.delta')
    c.send({ type: 'response.create' })
    c.send({ type: 'response.cancel' })
    await c.next('response.done')
    c.send({ type: 'response.cancel', event_id: 'mine' })
    c.send({ type: 'nope' })
    c.sendRaw('{bad json')
    c.sendRaw(Buffer.from([1]))
    c.send({ type: 'input_audio_buffer.commit' })
    c.send({ type: 'session.update', session: { type: 'realtime', bogus: 1 } })
    c.send({ type: 'conversation.item.truncate', item_id: 'item_none', content_index: 0, audio_end_ms: 5 })
    c.send({ type: 'conversation.item.delete', item_id: 'item_none' })
    await new Promise((r) => setTimeout(r, 30))
  })
  // server VAD with barge-in, async transcription after response.done, failed transcription
  await scenario(
    { reply: 'Spoken at real speed so it can be interrupted.', paceMs: 'realtime', transcriptionDelayMs: 5 },
    { audio: { input: { transcription: { model: 'whisper-1' } } } },
    async (c) => {
      const silence = Buffer.alloc(400 * 48)
      const send = (buf: Buffer) => {
        for (let at = 0; at < buf.length; at += 4800) c.send({ type: 'input_audio_buffer.append', audio: buf.subarray(at, at + 4800).toString('base64') })
      }
      send(Buffer.concat([synthesizeSpeech('hello'), silence]))
      await c.next('response.output_audio.delta')
      send(synthesizeSpeech('stop'))
      await c.next('response.done')
    },
  )
  await scenario(
    {
      transcribe: () => {
        throw new Error('no')
      },
    },
    PUSH_TO_TALK,
    async (c) => {
      c.send({ type: 'input_audio_buffer.append', audio: b64('hello there') })
      c.send({ type: 'input_audio_buffer.commit' })
      await c.next('conversation.item.input_audio_transcription.failed')
    },
  )
  // failed and incomplete responses
  await scenario({ reply: (ctx) => ({ text: 'cut short here please', status: ctx.turn === 0 ? 'failed' : 'incomplete' }) }, null, async (c) => {
    c.send({ type: 'response.create' })
    await c.next('response.done')
    c.send({ type: 'response.create' })
    await c.next('response.done')
    c.send({ type: 'response.create', response: { output_modalities: ['text'] } })
    await c.next('response.done')
  })
  // in-band refusals
  for (const [options, query] of [
    [{ apiKey: 'sk-right' }, undefined],
    [{}, null],
    [{ faults: { errorOnResponseCreate: { type: 'server_error', message: 'busy' } } }, undefined],
  ] as const) {
    const server = await createFakeRealtimeServer(options)
    const client = await rawClient(server.url, { model: query, apiKey: 'sk-wrong' })
    client.send({ type: 'response.create' })
    await Promise.race([client.closed, client.next('error')])
    await client.close()
    await server.close()
    for (const c of server.connections) sent.push(...(c.sent as Json[]))
  }
}, 20_000)

afterAll(async () => {
  expect(await settledSocketHandles(baseline.handles)).toBe(baseline.handles)
})

describe('fake server events vs the official SDK types', () => {
  it('covers the protocol: every event type a voice client meets', () => {
    const seen = new Set(sent.map((e) => e.type as string))
    for (const type of [
      'session.created',
      'session.updated',
      'error',
      'input_audio_buffer.committed',
      'input_audio_buffer.cleared',
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'conversation.item.added',
      'conversation.item.done',
      'conversation.item.truncated',
      'conversation.item.deleted',
      'conversation.item.retrieved',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.completed',
      'conversation.item.input_audio_transcription.failed',
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_audio.delta',
      'response.output_audio.done',
      'response.output_audio_transcript.delta',
      'response.output_audio_transcript.done',
      'response.output_text.delta',
      'response.output_text.done',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.done',
      'rate_limits.updated',
    ]) {
      expect(seen.has(type), type).toBe(true)
    }
    const statuses = new Set(sent.filter((e) => e.type === 'response.done').map((e) => e.response.status))
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'failed', 'incomplete'])
  })

  it('every sent event type-checks as RealtimeServerEvent (known live deviations stripped)', () => {
    const events = stripKnownDeviations(sent.map(shrink), KNOWN_DEVIATIONS)
    const problems = typecheckLiterals(events, SDK_TYPE)
    expect(problems, problems.join('\n')).toEqual([])
    expect(events.length).toBeGreaterThan(150)
  })

  it('each known deviation is one the SDK types really reject (so the list stays minimal)', () => {
    const probes: Json[] = KNOWN_DEVIATIONS.map((d) => {
      const example = sent.find((e) => d.types!.includes(e.type) && has(e, d.path.split('.'), d.onlyNull === true))
      expect(example, `no sent ${d.types!.join('/')} shows ${d.path}`).toBeDefined()
      // strip every OTHER deviation, keep this one
      return stripKnownDeviations(
        [shrink(example!)],
        KNOWN_DEVIATIONS.filter((o) => o !== d),
      )[0]!
    })
    const problems = typecheckLiterals(probes, { ...SDK_TYPE, label: (_v, i) => KNOWN_DEVIATIONS[i]!.path })
    for (const [i, d] of KNOWN_DEVIATIONS.entries()) {
      expect(
        problems.some((p) => p.startsWith(`[${i}] `)),
        `${d.path} (${d.types?.[0]}) should be rejected by the SDK types:\n${problems.join('\n')}`,
      ).toBe(true)
    }
  })

  it('the checker does catch a wrong event (control)', () => {
    const problems = typecheckLiterals(
      [
        { type: 'response.done', event_id: 'event_1', response: { status: 'finished' } },
        { type: 'response.output_audio.delta', event_id: 'event_2', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0 },
      ],
      SDK_TYPE,
    )
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^\[0\] response\.done/)
    expect(problems[1]).toMatch(/^\[1\] response\.output_audio\.delta.*delta/s)
  })
})

function has(node: unknown, path: string[], onlyNull: boolean): boolean {
  if (typeof node !== 'object' || node === null) return false
  const [head, ...rest] = path
  const keys = head === '*' ? Object.keys(node) : [head!]
  return keys.some((k) => {
    if (!(k in node)) return false
    const v = (node as Record<string, unknown>)[k]
    return rest.length === 0 ? !onlyNull || v === null : has(v, rest, onlyNull)
  })
}

// Every frame the adapter puts on the wire, captured at the client socket's send().
function captureClientFrames(): unknown[] {
  const frames: unknown[] = []
  const send = WebSocket.prototype.send
  vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (this: WebSocket & { _isServer?: boolean }, data: unknown, ...rest: unknown[]) {
    if (this._isServer === false && typeof data === 'string') frames.push(JSON.parse(data))
    return (send as (...a: unknown[]) => void).call(this, data, ...rest)
  })
  return frames
}

describe('adapter client events against the official SDK types', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('every event the adapter sends type-checks as RealtimeClientEvent', async () => {
    const frames = captureClientFrames()
    const tools = [{ type: 'function' as const, name: 'book_table', description: 'Books a table', parameters: { type: 'object', properties: {} } }]
    const { agent } = await voiceAgent(
      {
        reply: (ctx) =>
          ctx.turn === 1
            ? { toolCalls: [{ name: 'book_table', arguments: { people: 2 } }] }
            : 'A long enough reply to be interrupted while it is still streaming.',
        paceMs: 10,
      },
      { instructions: 'Be brief.', tools, voice: 'marin', toolHandlers: 'manual' },
    )
    await agent.sendAudio(speech('book a table'))
    while ((await agent.recvAudio(2000)) !== null);
    await agent.sendText('book it')
    while ((await agent.recvAudio(2000)) !== null);
    await agent.sendToolResult(agent.toolCalls[0]!.callId, { ok: true })
    await agent.recvAudio(2000)
    await agent.interrupt()
    while ((await agent.recvAudio(2000)) !== null);

    const types = new Set(frames.map((f) => (f as { type: string }).type))
    expect([...types].sort()).toEqual([
      'conversation.item.create',
      'conversation.item.truncate',
      'input_audio_buffer.append',
      'input_audio_buffer.commit',
      'response.cancel',
      'response.create',
      'session.update',
    ])
    const problems = typecheckLiterals(frames, { typeName: 'RealtimeClientEvent', from: 'openai/resources/realtime/realtime' })
    expect(problems).toEqual([])
  }, 60_000)

  it('the check catches a malformed event (so it can fail)', () => {
    const problems = typecheckLiterals([{ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: 'off' } } } }], {
      typeName: 'RealtimeClientEvent',
      from: 'openai/resources/realtime/realtime',
    })
    expect(problems.length).toBeGreaterThan(0)
  }, 60_000)
})
