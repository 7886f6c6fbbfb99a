/**
 * The official `openai` package's realtime WebSocket client, unmodified, against the fake server over TLS
 * (the SDK only dials wss://). If this passes, users can point their own OpenAI-based apps at the fake.
 */
import OpenAI from 'openai'
import { OpenAIRealtimeWS } from 'openai/realtime/ws'
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime'
import { describe, expect, it, onTestFinished } from 'vitest'
import { synthesizeSpeech, transcribeSyntheticSpeech, type FakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/index.js'
import { settledSocketHandles, socketHandles } from '../helpers/raw-client.js'
import { fakeServer } from '../helpers/voice.js'

interface Session {
  server: FakeRealtimeServer
  rt: OpenAIRealtimeWS
  events: RealtimeServerEvent[]
  errors: unknown[]
  next<T extends RealtimeServerEvent['type']>(type: T, timeoutMs?: number): Promise<Extract<RealtimeServerEvent, { type: T }>>
}

async function open(options: FakeRealtimeServerOptions = {}): Promise<Session> {
  const baseline = socketHandles()
  // onTestFinished runs its callbacks last-registered first: this check runs once the SDK socket and the server closed.
  onTestFinished(async () => {
    expect(await settledSocketHandles(baseline)).toBeLessThanOrEqual(baseline)
  })
  const server = await fakeServer({ tls: true, apiKey: 'sk-test', ...options })
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL })
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime-mini', options: { ca: server.ca } }, client)
  const errors: unknown[] = []
  rt.on('error', (err) => errors.push(err))
  const events: RealtimeServerEvent[] = []
  let cursor = 0
  const listeners = new Set<() => void>()
  rt.on('event', (event) => {
    events.push(event)
    for (const l of [...listeners]) l()
  })
  onTestFinished(async () => {
    const closed = new Promise<void>((resolve) => (rt.socket.readyState === rt.socket.CLOSED ? resolve() : rt.socket.once('close', () => resolve())))
    rt.socket.close()
    await closed
  })
  await new Promise<void>((resolve, reject) => {
    rt.socket.once('open', () => resolve())
    rt.socket.once('error', reject)
  })
  const next = <T extends RealtimeServerEvent['type']>(type: T, timeoutMs = 3000) =>
    new Promise<Extract<RealtimeServerEvent, { type: T }>>((resolve, reject) => {
      const check = () => {
        for (let i = cursor; i < events.length; i++) {
          if (events[i]!.type === type) {
            cursor = i + 1
            listeners.delete(check)
            clearTimeout(timer)
            resolve(events[i] as Extract<RealtimeServerEvent, { type: T }>)
            return
          }
        }
      }
      const timer = setTimeout(() => {
        listeners.delete(check)
        reject(
          new Error(
            `no ${type} within ${timeoutMs} ms; got [${events
              .slice(cursor)
              .map((e) => e.type)
              .join(', ')}]`,
          ),
        )
      }, timeoutMs)
      listeners.add(check)
      check()
    })
  await next('session.created')
  rt.send({
    type: 'session.update',
    session: {
      type: 'realtime',
      instructions: 'Answer briefly.',
      audio: {
        input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null, transcription: { model: 'gpt-4o-mini-transcribe' } },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
      },
    },
  })
  const updated = await next('session.updated')
  expect(updated.session.type).toBe('realtime')
  return { server, rt, events, errors, next }
}

const audioOf = (events: RealtimeServerEvent[], responseId: string) =>
  Buffer.concat(events.flatMap((e) => (e.type === 'response.output_audio.delta' && e.response_id === responseId ? [Buffer.from(e.delta, 'base64')] : [])))

describe('official openai OpenAIRealtimeWS against the fake server (wss://)', () => {
  it('connects with the SDK defaults: Bearer key, no beta header, no deflate, model in the query', async () => {
    const { server } = await open()
    const conn = server.connections[0]!
    expect(conn.path).toBe('/v1/realtime')
    expect(conn.query.model).toBe('gpt-realtime-mini')
    expect(conn.headers.authorization).toBe('Bearer [redacted]')
    expect(conn.headers['user-agent']).toMatch(/^OpenAI\/JS /)
    expect(conn.headers['openai-beta']).toBeUndefined()
    expect(conn.headers['sec-websocket-extensions']).toBeUndefined()
    expect(conn.session.voice).toBe('marin')
  })

  it('a full audio turn: committed, transcription with the exact text, response audio that decodes to the reply', async () => {
    const { rt, events, errors, next } = await open({ reply: (ctx) => `You asked: ${ctx.userText}` })
    const speech = synthesizeSpeech('What time do you open on Sunday?')
    for (let at = 0; at < speech.length; at += 4800) {
      rt.send({ type: 'input_audio_buffer.append', audio: speech.subarray(at, at + 4800).toString('base64') })
    }
    rt.send({ type: 'input_audio_buffer.commit' })
    rt.send({ type: 'response.create' })
    const committed = await next('input_audio_buffer.committed')
    const transcription = await next('conversation.item.input_audio_transcription.completed')
    expect(transcription.item_id).toBe(committed.item_id)
    expect(transcription.transcript).toBe('What time do you open on Sunday?')
    const created = await next('response.created')
    expect(created.response.status).toBe('in_progress')
    await next('response.output_audio.delta')
    const done = await next('response.done')
    expect(done.response.status).toBe('completed')
    const reply = 'You asked: What time do you open on Sunday?'
    expect(transcribeSyntheticSpeech(audioOf(events, created.response.id!))).toBe(reply)
    const transcriptDone = events.find((e) => e.type === 'response.output_audio_transcript.done')
    expect(transcriptDone && 'transcript' in transcriptDone && transcriptDone.transcript).toBe(reply)
    await next('rate_limits.updated')
    expect(errors).toEqual([])
  })

  it('a text turn: conversation.item.create input_text, then response.create', async () => {
    const { rt, events, errors, next } = await open({ reply: (ctx) => `Echo: ${ctx.userText}` })
    rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello from the SDK' }] } })
    rt.send({ type: 'response.create' })
    const added = await next('conversation.item.added')
    expect(added.item).toMatchObject({ type: 'message', role: 'user' })
    const created = await next('response.created')
    const done = await next('response.done')
    expect(done.response.status).toBe('completed')
    expect(transcribeSyntheticSpeech(audioOf(events, created.response.id!))).toBe('Echo: hello from the SDK')
    expect(errors).toEqual([])
  })

  it('a cancelled response: response.cancel mid-stream ends it with response.done cancelled', async () => {
    const { rt, errors, next } = await open({ reply: 'A long reply, streamed at the pace of speech, that the client will cut short.', paceMs: 'realtime' })
    rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'talk' }] } })
    rt.send({ type: 'response.create' })
    await next('response.output_audio.delta')
    rt.send({ type: 'response.cancel' })
    const done = await next('response.done')
    expect(done.response.status).toBe('cancelled')
    expect(done.response.status_details).toEqual({ type: 'cancelled', reason: 'client_cancelled' })
    expect(errors).toEqual([])
  })

  it('a second cancel reaches the SDK error listener as response_cancel_not_active, not as a crash', async () => {
    const { rt, errors, next } = await open({ reply: 'short' })
    rt.send({ type: 'response.create' })
    await next('response.done')
    rt.send({ type: 'response.cancel' })
    await expect.poll(() => errors.length).toBe(1)
    expect(errors[0]).toMatchObject({ error: { code: 'response_cancel_not_active' } })
  })
})
