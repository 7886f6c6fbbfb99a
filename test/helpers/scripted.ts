/**
 * Scripted server streams: a fake realtime server that says nothing on its own (`neverAnswer`), an adapter
 * connected to it by injecting `session.updated`, and builders for the GA events of one response. Everything the
 * adapter receives is then exactly what the test sends through `conn.send` / `conn.sendRaw` / `conn.close`.
 */
import { onTestFinished } from 'vitest'
import { createFakeRealtimeServer, OpenAIRealtimeAdapter, synthesizeSpeech } from '../../src/index.js'
import type { FakeConnection, FakeRealtimeServer, FakeRealtimeServerOptions, OpenAIRealtimeAdapterOptions } from '../../src/index.js'
import { fakeServer } from './voice.js'

export type Json = Record<string, unknown>

/** Options of a fake server that accepts sockets and then only sends what the test injects. */
export const SILENT: FakeRealtimeServerOptions = { faults: { neverAnswer: true } }

/** A server that accepts sockets and then only sends what the test injects (the caller closes it). */
export function silentServer(): Promise<FakeRealtimeServer> {
  return createFakeRealtimeServer(SILENT)
}

/**
 * `voiceAgent` for scripted streams: a silent server and an adapter connected to it (`scriptedAgent`), with the
 * server side of its connection; both closed when the current test finishes.
 */
export async function scriptedVoiceAgent(
  options: OpenAIRealtimeAdapterOptions = {},
): Promise<{ agent: OpenAIRealtimeAdapter; server: FakeRealtimeServer; connection: FakeConnection }> {
  const server = await fakeServer(SILENT)
  const { agent, conn } = await scriptedAgent(server, options)
  onTestFinished(() => agent.disconnect())
  return { agent, server, connection: conn }
}

export const sessionUpdated = (): Json => ({
  type: 'session.updated',
  event_id: 'event_session_updated',
  session: { type: 'realtime', object: 'realtime.session', id: 'sess_scripted', model: 'gpt-realtime-mini' },
})

/**
 * An adapter connected to `server` (a `silentServer()`), and its server-side connection. Connections are
 * matched by a per-adapter header, so several may connect at once.
 */
export async function scriptedAgent(
  server: FakeRealtimeServer,
  options: OpenAIRealtimeAdapterOptions = {},
): Promise<{ agent: OpenAIRealtimeAdapter; conn: FakeConnection }> {
  const tag = `scripted-${++scriptedSeq}`
  const agent = new OpenAIRealtimeAdapter({
    url: server.url,
    apiKey: 'sk-test-not-a-real-key-000000',
    connectTimeoutMs: 2000,
    ...options,
    headers: { ...options.headers, 'x-scripted': tag },
  })
  const connecting = agent.connect()
  const conn = await waitForTagged(server, tag)
  conn.send(sessionUpdated())
  await connecting
  return { agent, conn }
}
let scriptedSeq = 0

async function waitForTagged(server: FakeRealtimeServer, tag: string, timeoutMs = 2000): Promise<FakeConnection> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const conn = server.connections.find((c) => c.headers['x-scripted'] === tag)
    if (conn) return conn
    if (Date.now() > deadline) throw new Error(`scripted connection ${tag} did not arrive within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

export interface ScriptedResponse {
  responseId?: string
  itemId?: string
  /** Agent transcript. Default 'hello from the script'. */
  text?: string
  /** Agent audio (PCM16 24 kHz). Default: the synthetic voice speaking `text`. */
  audio?: Buffer
  /** Bytes per audio delta. Default 4800 (100 ms). */
  chunkBytes?: number
  status?: 'completed' | 'cancelled' | 'incomplete' | 'failed'
}

/** The GA events of one spoken response, in live order (created … interleaved deltas … done). */
export function responseEvents(spec: ScriptedResponse = {}): Json[] {
  const responseId = spec.responseId ?? 'resp_scripted_1'
  const itemId = spec.itemId ?? 'item_scripted_1'
  const text = spec.text ?? 'hello from the script'
  const audio = spec.audio ?? synthesizeSpeech(text)
  const chunk = spec.chunkBytes ?? 4800
  const status = spec.status ?? 'completed'
  const ev = (type: string, rest: Json = {}): Json => ({ type, event_id: `event_${type}_${Math.random().toString(36).slice(2, 8)}`, ...rest })
  const item = { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] }
  const events: Json[] = [
    ev('response.created', { response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] } }),
    ev('response.output_item.added', { response_id: responseId, output_index: 0, item }),
    ev('conversation.item.added', { item }),
    ev('response.content_part.added', { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, part: { type: 'audio', transcript: '' } }),
  ]
  const words = text.split(/(?<= )/)
  const deltas = Math.max(1, Math.ceil(audio.length / chunk))
  for (let i = 0; i < deltas; i++) {
    const word = words[i]
    if (word !== undefined) {
      events.push(ev('response.output_audio_transcript.delta', { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta: word }))
    }
    const slice = audio.subarray(i * chunk, (i + 1) * chunk)
    events.push(
      ev('response.output_audio.delta', { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta: slice.toString('base64') }),
    )
  }
  const rest = words.slice(deltas).join('')
  if (rest)
    events.push(ev('response.output_audio_transcript.delta', { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta: rest }))
  events.push(
    ev('response.output_audio.done', { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 }),
    ev('response.output_audio_transcript.done', { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, transcript: text }),
    ev('response.content_part.done', {
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: 'audio', transcript: text },
    }),
    ev('response.output_item.done', { response_id: responseId, output_index: 0, item: { ...item, status: 'completed' } }),
    ev('conversation.item.done', { item: { ...item, status: 'completed' } }),
    ev('response.done', { response: { id: responseId, object: 'realtime.response', status, status_details: null, output: [] } }),
  )
  return events
}

/** The events of a committed user audio turn and its transcription. */
export function userTurnEvents(itemId: string, transcript: string | { failed: string }): Json[] {
  const ev = (type: string, rest: Json = {}): Json => ({ type, event_id: `event_${type}_${Math.random().toString(36).slice(2, 8)}`, ...rest })
  const item = { id: itemId, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] }
  return [
    ev('input_audio_buffer.committed', { previous_item_id: null, item_id: itemId }),
    ev('conversation.item.added', { previous_item_id: null, item }),
    ev('conversation.item.done', { previous_item_id: null, item }),
    typeof transcript === 'string'
      ? ev('conversation.item.input_audio_transcription.completed', { item_id: itemId, content_index: 0, transcript })
      : ev('conversation.item.input_audio_transcription.failed', {
          item_id: itemId,
          content_index: 0,
          error: { type: 'server_error', code: 'transcription_failed', message: transcript.failed },
        }),
  ]
}

/** Sends events in order, yielding to the event loop every `every` events so they interleave with the reader. */
export async function sendAll(conn: FakeConnection, events: Json[], every = 4): Promise<void> {
  for (let i = 0; i < events.length; i++) {
    conn.send(events[i]!)
    if ((i + 1) % every === 0) await new Promise((r) => setImmediate(r))
  }
}

/** One step of a scripted stream: an event, a raw frame, a close, or a pause. */
export type StreamItem = Json | { raw: string | Buffer } | { close: number; reason?: string } | { pause: number }

export interface ScriptedResponderOptions {
  /** What the agent says. */
  reply: string
  /** What the model "heard" of each committed user turn, a transcription failure, or null: no transcription event. Default 'hello there'. */
  heard?: string | { failed: string } | null
  /** Gap between streamed items, in ms. Default 10. */
  paceMs?: number
  /** Rewrites the events of each response (add junk, duplicate, reorder, close, ...). */
  transform?: (events: Json[], responseIndex: number) => StreamItem[]
  /** Audio of the reply. Default: the synthetic voice speaking `reply`. */
  audio?: Buffer
}

/**
 * Makes a silent connection answer like a (very small) realtime server: commit → user turn + transcription,
 * response.create → a paced response (through `transform`), response.cancel → stop + response.done cancelled.
 * Returns a stop function; the timers it uses end with it or with the connection.
 */
export function scriptedResponder(conn: FakeConnection, options: ScriptedResponderOptions): () => void {
  const pace = options.paceMs ?? 10
  let responses = 0
  let users = 0
  let streaming: { id: string; cancel: () => void } | null = null
  let stopped = false
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      if (!stopped && !conn.closed) fn()
    }, ms)
    timers.add(t)
  }
  const play = (items: StreamItem[], onEnd: () => void) => {
    let i = 0
    let cancelled = false
    const step = () => {
      if (cancelled) return
      if (i >= items.length) return onEnd()
      const item = items[i++]!
      if ('pause' in item && typeof item.pause === 'number') return later(item.pause, step)
      if ('raw' in item && (typeof item.raw === 'string' || Buffer.isBuffer(item.raw))) conn.sendRaw(item.raw)
      else if ('close' in item && typeof item.close === 'number') return conn.close(item.close, (item.reason as string | undefined) ?? '')
      else conn.send(item)
      later(pace, step)
    }
    step()
    return () => {
      cancelled = true
    }
  }
  const onClientEvent = (event: Json) => {
    if (stopped) return
    if (event.type === 'input_audio_buffer.commit') {
      const heard = options.heard === undefined ? 'hello there' : options.heard
      const events = userTurnEvents(`item_user_${++users}`, heard ?? '')
      for (const e of heard === null ? events.slice(0, 3) : events) conn.send(e)
    } else if (event.type === 'response.create') {
      const n = responses++
      const id = `resp_scripted_${n + 1}`
      const events = responseEvents({ text: options.reply, audio: options.audio, responseId: id, itemId: `item_scripted_${n + 1}` })
      const items = options.transform ? options.transform(events, n) : events
      const cancel = play(items, () => {
        if (streaming?.id === id) streaming = null
      })
      streaming = { id, cancel }
    } else if (event.type === 'response.cancel') {
      if (!streaming) {
        conn.send({
          type: 'error',
          event_id: 'event_cancel_err',
          error: {
            type: 'invalid_request_error',
            code: 'response_cancel_not_active',
            message: 'Cancellation failed: no active response found',
            param: null,
            event_id: (event.event_id as string) ?? null,
          },
        })
        return
      }
      streaming.cancel()
      conn.send({
        type: 'response.done',
        event_id: 'event_cancelled',
        response: {
          id: streaming.id,
          object: 'realtime.response',
          status: 'cancelled',
          status_details: { type: 'cancelled', reason: 'client_cancelled' },
          output: [],
        },
      })
      streaming = null
    }
  }
  // The fake records every client event in `received`: hook its push to react as they arrive.
  const received = conn.received as unknown as Json[]
  const push = received.push
  received.push = function (...items: Json[]) {
    const n = push.apply(this, items)
    for (const e of items) onClientEvent(e)
    return n
  }
  return () => {
    stopped = true
    for (const t of timers) clearTimeout(t)
    timers.clear()
    streaming?.cancel()
  }
}
