/**
 * A `VoiceAgentAdapter` around a `RealtimeSession` of `@openai/agents-realtime` (the Agents SDK): the user's own
 * `RealtimeAgent`, tools, guardrails and handoffs run as they ship, and the matchers read what happened.
 *
 * The SDK is never imported (types included): the session is taken from the user and used through the few members
 * declared below, so `expect-voice` and its other subpaths cost nothing without the SDK installed. What the records
 * hold comes from the session's own traffic: every raw server event its transport emits (`'*'`) goes to the reducer
 * as it is, and every client event it sends (`transport.sendEvent`, whoever calls it: this adapter, the SDK's tool
 * runner, a guardrail) is read for what it means to the records. The handlers' times come from the session's
 * `agent_tool_start` / `agent_tool_end` events.
 */
import { performance } from 'node:perf_hooks'
import { DEFAULT_MODEL, PCM_RATE, REALTIME_URL } from '../protocol/events.js'
import {
  InvalidOptionError,
  MissingApiKeyError,
  RealtimeConnectionClosedError,
  type RealtimeServerError,
  RealtimeTimeoutError,
  ToolCallError,
} from '../errors/index.js'
import { CONVERSATION } from '../conversation/observable.js'
import {
  applyServerEvent,
  Conversation,
  followUpAwaited,
  gaEventType,
  interrupted,
  recordSent,
  recordClose,
  recordSkippedFrame,
  responseCreateSent,
  responseRequested,
  toolCallById,
  toolCallSettled,
  toolCallStarted,
  toolOutputSent,
  turnOfToolCall,
  userAudio,
  userAudioCommitted,
  userText,
} from '../conversation/reducer.js'
import { isResponseOpen, type ResponseRecord, type ToolCallRecord, type TurnRecord } from '../conversation/records.js'
import type { Transcript } from '../conversation/transcript.js'
import type { TimelineEntry } from '../conversation/timeline.js'
import { createRedactor, REDACT, type Redactor } from '../secrets/redact.js'
import { HTTP_ACCESS, type HttpAccess } from '../secrets/http-access.js'
import { AgentRole, type AdapterCapabilities, type AudioChunk, type VoiceAgentAdapter } from './types.js'
import { buildRealtimeUrl } from './url.js'

/** What this adapter uses of the session's transport (`session.transport`, `OpenAIRealtimeWebSocket`). */
export interface RealtimeTransportLike {
  on(type: '*' | 'connection_change', listener: (event: unknown) => void): unknown
  off(type: '*' | 'connection_change', listener: (event: unknown) => void): unknown
  sendEvent(event: Record<string, unknown>): void
  /** The WebSocket transport's socket: what it sends is read at the wire (`send`). */
  readonly connectionState?: { readonly websocket?: unknown }
}

/** The part of the transport's socket (`ws`) that is watched. */
interface SocketLike {
  send(data: unknown, ...rest: unknown[]): void
}

/** A tool call as the session's tool events carry it (`details.toolCall`). */
interface ToolEventDetails {
  toolCall?: { callId?: string }
}

/**
 * What this adapter uses of a `RealtimeSession` (`@openai/agents-realtime` 0.20 and later). Declared here, not
 * imported, so the SDK stays an optional peer dependency.
 */
export interface RealtimeSessionLike {
  readonly transport: RealtimeTransportLike
  readonly options?: { model?: string }
  connect(options: { apiKey: string; url?: string }): Promise<void>
  close(): void
  sendAudio(audio: ArrayBuffer, options?: { commit?: boolean }): void
  sendMessage(message: string): void
  interrupt(): void
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's listeners take its own context, agent and tool types
  on(type: 'agent_tool_start' | 'agent_tool_end' | 'error', listener: (...args: any[]) => void): unknown
  // biome-ignore lint/suspicious/noExplicitAny: as above
  off(type: 'agent_tool_start' | 'agent_tool_end' | 'error', listener: (...args: any[]) => void): unknown
}

export interface RealtimeSessionAdapterOptions {
  /**
   * The realtime endpoint the session dials (a fake server, a recording proxy, a replay server; `ws://` works).
   * `?model=` is added from `model` unless the url selects one. Default: the SDK's own (the live API).
   */
  url?: string
  /** The key the session connects with. Default OPENAI_API_KEY; with a `url` and no key, a placeholder. */
  apiKey?: string
  /** The model in the url. Default: the session's `options.model`, else expect-voice's default model. */
  model?: string
  /**
   * `true` (default): turn detection is switched off (a `session.update` after each of the SDK's that turns it on:
   * on connect, after a handoff), and `recvAudio` ends the user
   * turn itself (commit + `response.create`), as `OpenAIRealtimeAdapter` does, so turns are deterministic. `false`:
   * the session's own turn detection decides (server VAD); responses it starts are recorded, not read.
   */
  pushToTalk?: boolean
}

/** The `turn_detection` a `session.update` sets: `null` when it turns it off or does not mention it. */
function turnDetectionOf(event: Record<string, unknown>): unknown {
  const session = event.session as { audio?: { input?: { turn_detection?: unknown } } } | undefined
  return session?.audio?.input?.turn_detection ?? null
}

/** The placeholder key a session gets for a local endpoint (the SDK refuses to connect without one). */
const LOCAL_KEY = 'sk-expect-voice-local'

type State = 'idle' | 'connecting' | 'open' | 'closed'

/**
 * Wraps a user's `RealtimeSession` (WebSocket transport) as a `VoiceAgentAdapter`: the matchers, transcript
 * snapshots and failure recordings work on the agent you ship, running its real tool code.
 */
export class RealtimeSessionAdapter implements VoiceAgentAdapter {
  readonly role = AgentRole.AGENT
  readonly capabilities: AdapterCapabilities = {
    streamingTranscripts: true,
    nativeVad: true,
    dtmf: false,
    interruption: true,
    inputFormats: ['pcm16/24000'],
    outputFormats: ['pcm16/24000'],
  }
  /** The wrapped session, for anything the adapter does not cover (history, handoffs, approvals). */
  readonly session: RealtimeSessionLike
  /** The endpoint dialled, or `null` for the SDK's default (the live API). Contains no secret. */
  readonly url: string | null

  readonly #apiKey: string
  readonly #pushToTalk: boolean
  readonly #redactor: Redactor
  readonly #conversation: Conversation
  #state: State = 'idle'
  /** Audio of the response being read, received but not yet handed out by `recvAudio`. */
  #queue: AudioChunk[] = []
  #pendingError: RealtimeServerError | null = null
  /** A call the session reported it could not answer: fails the waiting `recvAudio`. */
  #toolError: ToolCallError | null = null
  /** Call ids answered since the last `response.create`: the next one is their follow-up, in the same turn. */
  #answered: string[] = []
  /** True while `interrupt()` runs: its `response.cancel` is already recorded. */
  #interrupting = false
  /** The sockets whose `send` is watched (one per connection of the transport). */
  readonly #watched = new WeakSet<object>()
  readonly #onServerEvent = (event: unknown) => this.#received(event)
  readonly #onConnectionChange = (status: unknown) => this.#connectionChanged(status)
  /** The session's `error` events. Server errors also arrive as raw events (recorded there); the rest go on the timeline. */
  readonly #onSessionError = (event: unknown) => this.#sessionError(event)
  /** The session's socket closed while this adapter was open (the server, or the network, ended it). */
  #lost = false
  readonly #listeners = new Set<() => void>()
  /**
   * `response.create`s this adapter asked the SDK for that have not gone out yet: the SDK holds one back while a
   * response is active, and until it leaves, the response `recvAudio` reads is the coming one, not the last. In
   * order, by kind: the SDK merges the `'message'` requests (sendMessage) waiting together into one `response.create`,
   * up to the next `'event'` one (a `response.create` sent as an event), which goes out on its own.
   */
  #requested: Array<'message' | 'event'> = []
  readonly #onToolStart = (...args: unknown[]) => this.#toolEvent(args, 'start')
  readonly #onToolEnd = (...args: unknown[]) => this.#toolEvent(args, 'end')

  constructor(session: RealtimeSessionLike, options: RealtimeSessionAdapterOptions = {}) {
    if (!session || typeof session !== 'object' || typeof session.connect !== 'function' || typeof session.sendAudio !== 'function') {
      throw new InvalidOptionError('RealtimeSessionAdapter(session): session must be a RealtimeSession of @openai/agents-realtime')
    }
    this.session = session
    const model = options.model ?? session.options?.model ?? DEFAULT_MODEL
    this.url = options.url === undefined ? null : buildRealtimeUrl(options.url, model)
    const key = options.apiKey || process.env.OPENAI_API_KEY || (options.url !== undefined ? LOCAL_KEY : '')
    if (!key) {
      throw new MissingApiKeyError(
        'RealtimeSessionAdapter: no API key: pass { apiKey } or set OPENAI_API_KEY, or pass { url } to point the session at a fake server (createFakeRealtimeServer)',
      )
    }
    this.#apiKey = key
    this.#pushToTalk = options.pushToTalk ?? true
    this.#redactor = createRedactor(key === LOCAL_KEY ? [] : [key])
    this.#conversation = new Conversation({ redact: this.#redactor })
  }

  // ---- observation ----

  get turns(): readonly TurnRecord[] {
    return this.#conversation.turns
  }
  get responses(): readonly ResponseRecord[] {
    return this.#conversation.responses
  }
  get toolCalls(): readonly ToolCallRecord[] {
    return this.#conversation.toolCalls
  }
  get timeline(): readonly TimelineEntry[] {
    return this.#conversation.timeline
  }
  /** The conversation as `user` / `agent` entries; snapshot it with `toMatchSnapshot()`. */
  get transcript(): Transcript {
    return this.#conversation.transcript
  }
  get lastUserTranscript(): string | null {
    return this.#conversation.lastUserTranscript
  }
  get lastAgentTranscript(): string | null {
    return this.#conversation.lastAgentTranscript
  }
  get connected(): boolean {
    return this.#state === 'open'
  }
  /** The records, for the matchers and reports of this package. */
  get [CONVERSATION](): Conversation {
    return this.#conversation
  }
  /** Removes the key from texts this adapter's records end up in. */
  [REDACT](text: string): string {
    return this.#redactor(text)
  }

  /** Where and how the judge and the transcriber reach OpenAI's HTTP endpoints for this session (see `HTTP_ACCESS`). */
  [HTTP_ACCESS](): HttpAccess {
    return { url: this.url ?? REALTIME_URL, headers: this.#apiKey && this.#apiKey !== LOCAL_KEY ? { Authorization: `Bearer ${this.#apiKey}` } : {} }
  }

  // ---- lifecycle ----

  async connect(): Promise<void> {
    if (this.#state !== 'idle') throw new InvalidOptionError(`connect() called on a RealtimeSessionAdapter that is ${this.#state}`)
    this.#state = 'connecting'
    const transport = this.session.transport
    if (!transport || typeof transport.on !== 'function' || !('connectionState' in transport)) {
      this.#state = 'closed'
      throw new InvalidOptionError(
        "RealtimeSessionAdapter: the session must use the WebSocket transport (new RealtimeSession(agent, { transport: 'websocket' }))",
      )
    }
    // The socket exists from 'connecting' on; it sends nothing before it is open.
    transport.on('connection_change', this.#onConnectionChange)
    transport.on('*', this.#onServerEvent)
    this.session.on('agent_tool_start', this.#onToolStart)
    this.session.on('agent_tool_end', this.#onToolEnd)
    // Also keeps an `error` the session emits from crashing the process when the app registered no listener.
    this.session.on('error', this.#onSessionError)
    try {
      await this.session.connect({ apiKey: this.#apiKey, ...(this.url !== null ? { url: this.url } : {}) })
    } catch (err) {
      await this.disconnect()
      throw err
    }
    if (this.#state !== 'connecting') throw new RealtimeConnectionClosedError('the session was disconnected while connecting', null, '')
    this.#state = 'open'
  }

  async disconnect(): Promise<void> {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    const transport = this.session.transport
    try {
      this.session.close()
    } catch {
      // Never throws: a session that fails to close has nothing left to release here.
    }
    transport.off('connection_change', this.#onConnectionChange)
    transport.off('*', this.#onServerEvent)
    this.session.off('agent_tool_start', this.#onToolStart)
    this.session.off('agent_tool_end', this.#onToolEnd)
    this.session.off('error', this.#onSessionError)
    this.#notify()
  }

  // ---- turns ----

  async sendAudio(chunk: AudioChunk): Promise<void> {
    this.#assertOpen('sendAudio')
    if (!chunk || !(chunk.data instanceof Uint8Array)) throw new InvalidOptionError('sendAudio(chunk): chunk.data must be a Buffer of PCM16 audio')
    if (chunk.sampleRate !== PCM_RATE) {
      throw new InvalidOptionError(
        `sendAudio(chunk): chunk.sampleRate is ${chunk.sampleRate}, but the session takes PCM16 at ${PCM_RATE} Hz; resample it first`,
      )
    }
    if (chunk.data.length === 0) return
    const { buffer, byteOffset, byteLength } = chunk.data
    this.session.sendAudio(buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer)
  }

  /** Sends a user message through the session (`session.sendMessage`), which asks for a response. */
  async sendText(text: string): Promise<void> {
    this.#assertOpen('sendText')
    if (typeof text !== 'string' || text.trim() === '') throw new InvalidOptionError('sendText(text): text must be a non-empty string')
    if (this.#pendingAudio()) this.session.transport.sendEvent({ type: 'input_audio_buffer.commit' })
    this.#requested.push('message')
    this.session.sendMessage(text)
  }

  async recvAudio(timeoutMs: number): Promise<AudioChunk | null> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new InvalidOptionError(`recvAudio(timeoutMs): timeoutMs must be a non-negative number, got ${String(timeoutMs)}`)
    }
    this.#assertOpen('recvAudio')
    if (this.#pushToTalk && this.#pendingAudio()) {
      this.session.transport.sendEvent({ type: 'input_audio_buffer.commit' })
      this.#requested.push('event')
      this.session.transport.sendEvent({ type: 'response.create' })
    }
    const started = this.#conversation.currentResponse?.requestedAt ?? performance.now()
    return this.#waitFor(timeoutMs, started)
  }

  async interrupt(): Promise<void> {
    this.#assertOpen('interrupt')
    interrupted(this.#conversation, performance.now())
    this.#queue.length = 0
    // An interrupted turn waits for no follow-up, even if a tool's output already went out.
    this.#answered.length = 0
    this.#interrupting = true
    try {
      // The SDK cancels the response (when one is active) and truncates the played item.
      this.session.interrupt()
    } finally {
      this.#interrupting = false
    }
  }

  // ---- what the session receives and sends ----

  #received(raw: unknown): void {
    const at = performance.now()
    if (!raw || typeof raw !== 'object' || typeof (raw as { type?: unknown }).type !== 'string') {
      recordSkippedFrame(this.#conversation, '(non-event skipped)', at)
      return
    }
    const event = raw as Record<string, unknown> & { type: string }
    const type = gaEventType(event.type) ?? event.type
    try {
      const outcome = applyServerEvent(this.#conversation, type, event, at)
      if (outcome.chunk) this.#queue.push(outcome.chunk)
      // The SDK answers every function call itself (its tool runner); the turn goes on until the follow-up ends.
      const done = outcome.done
      if (done && this.#answerPending(done)) followUpAwaited(this.#conversation, done, true)
      if (outcome.error) this.#pendingError = outcome.error
    } catch (err) {
      recordSkippedFrame(this.#conversation, `(malformed ${type} skipped: ${(err as Error).message})`, at)
    }
    this.#notify()
  }

  #connectionChanged(status: unknown): void {
    if (status === 'disconnected' && this.#state === 'open') {
      this.#lost = true
      recordClose(this.#conversation, 1006, performance.now())
      this.#notify()
    }
    this.#watchSocket()
  }

  #sessionError(event: unknown): void {
    const inner = (event as { error?: unknown } | null)?.error
    // A server `error` event (already recorded from the raw event, and failing the waiting recvAudio).
    if (inner && typeof inner === 'object' && (inner as { type?: unknown }).type === 'error') return
    const message = this.#redactor(inner instanceof Error ? inner.message : typeof inner === 'string' ? inner : 'unknown error')
    const at = performance.now()
    recordSkippedFrame(this.#conversation, `(session error: ${message})`, at)
    // A call the SDK cannot run (no such tool) gets an output naming the error, no follow-up, and this error event:
    // fail the turn now rather than let recvAudio wait for a follow-up that will not come. Only an error naming a
    // call still waiting for its follow-up counts; other session errors stay evidence on the timeline.
    const current = this.#conversation.currentResponse
    const waiting = (c: ToolCallRecord) => c.error === null && (c.output === null || this.#answered.includes(c.callId))
    const call = current?.interruptedAt === null ? current.toolCalls.findLast((c) => waiting(c) && message.includes(c.name)) : undefined
    if (call) {
      this.#answered = this.#answered.filter((id) => id !== call.callId)
      toolCallSettled(this.#conversation, call, at, message)
      this.#toolError = new ToolCallError(
        `the session could not answer the call of ${call.name} (${call.callId}): ${message}`,
        call.name,
        call.callId,
        'no-handler',
        { cause: inner },
      )
      this.#notify()
    }
  }

  /**
   * Client events are read where they leave, at the socket: the SDK holds `response.create` back while a response
   * is active and sends it later from its own queue, not through `sendEvent`.
   */
  #watchSocket(): void {
    const socket = this.session.transport.connectionState?.websocket as SocketLike | undefined
    if (!socket || typeof socket.send !== 'function' || this.#watched.has(socket)) return
    this.#watched.add(socket)
    const send = socket.send
    socket.send = (data: unknown, ...rest: unknown[]) => {
      send.call(socket, data, ...rest)
      if (this.#state === 'closed' || typeof data !== 'string') return
      let event: unknown
      try {
        event = JSON.parse(data)
      } catch {
        return
      }
      if (event && typeof event === 'object') this.#sent(event as Record<string, unknown>)
    }
  }

  #sent(event: Record<string, unknown>): void {
    const c = this.#conversation
    const at = performance.now()
    const type = String(event.type)
    switch (type) {
      case 'input_audio_buffer.append': {
        const data = Buffer.from(typeof event.audio === 'string' ? event.audio : '', 'base64')
        userAudio(c, data)
        recordSent(c, type, at, data.length)
        break
      }
      case 'input_audio_buffer.commit':
        recordSent(c, type, at)
        if (this.#pendingAudio()) userAudioCommitted(c, at)
        break
      case 'conversation.item.create': {
        recordSent(c, type, at)
        const item = (event.item ?? {}) as Record<string, unknown>
        if (item.type === 'function_call_output' && typeof item.call_id === 'string') {
          toolOutputSent(c, item.call_id, typeof item.output === 'string' ? item.output : JSON.stringify(item.output), at)
          this.#answered.push(item.call_id)
        } else if (item.type === 'message' && item.role === 'user') {
          const content = Array.isArray(item.content) ? (item.content as Array<Record<string, unknown>>) : []
          const text = content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('')
          userText(c, text, at)
        }
        break
      }
      case 'response.create': {
        recordSent(c, type, at)
        if (this.#requested[0] === 'event') this.#requested.shift()
        else while (this.#requested[0] === 'message') this.#requested.shift()
        const answered = this.#answered.splice(0)
        const followUpOf = answered.map((id) => turnOfToolCall(c, id)).find((t) => t !== undefined)
        const turn = followUpOf ?? c.turns[c.turns.length - 1] ?? userText(c, '', at)
        // A new turn's response replaces what was queued of the last one; a follow-up keeps it.
        if (!followUpOf) this.#queue.length = 0
        const record = responseRequested(c, turn, at)
        responseCreateSent(c, record, typeof event.event_id === 'string' ? event.event_id : undefined, at)
        break
      }
      case 'response.cancel':
        recordSent(c, type, at)
        // A cancel the SDK sends on its own (a tripped guardrail, server VAD barge-in) is an interrupt too.
        if (!this.#interrupting) {
          interrupted(c, at)
          this.#queue.length = 0
          this.#answered.length = 0
        }
        break
      case 'session.update':
        recordSent(c, type, at)
        // Push-to-talk: whenever the SDK configures turn detection (on connect, after a handoff), switch it off
        // again; the server merges the update, so only turn detection changes.
        if (this.#pushToTalk && this.#state !== 'closed' && turnDetectionOf(event) !== null) {
          this.session.transport.sendEvent({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } })
        }
        break
      default:
        recordSent(c, type, at)
    }
    this.#notify()
  }

  #toolEvent(args: unknown[], phase: 'start' | 'end'): void {
    // (context, agent, tool, details) on start; (context, agent, tool, result, details) on end.
    const details = args[args.length - 1] as ToolEventDetails | undefined
    const callId = details?.toolCall?.callId
    if (typeof callId !== 'string') return
    const call = toolCallById(this.#conversation, callId)
    if (!call) return
    const at = performance.now()
    if (phase === 'start') toolCallStarted(this.#conversation, call, at)
    else toolCallSettled(this.#conversation, call, at)
  }

  // ---- internals ----

  /**
   * The SDK answers a response's function calls once it is done, asynchronously: until the outputs are sent the turn
   * is not over (the reducer wakes waiters at `response.done`, before this adapter marks the follow-up awaited).
   */
  #answerPending(response: ResponseRecord): boolean {
    return response.interruptedAt === null && response.status === 'completed' && response.toolCalls.some((call) => call.output === null && call.error === null)
  }

  #pendingAudio(): boolean {
    const turn = this.#conversation.turns[this.#conversation.turns.length - 1]
    return !!turn && turn.input === 'audio' && turn.endedAt === null && turn.audioBytes > 0
  }

  #assertOpen(method: string): void {
    if (this.#state === 'open' && !this.#lost) return
    if (this.#lost) throw new RealtimeConnectionClosedError(`${method}() called after the session's connection closed`, null, '')
    throw new RealtimeConnectionClosedError(
      `${method}() called on a RealtimeSessionAdapter that is ${this.#state === 'idle' ? 'not connected: call connect() first' : this.#state}`,
      null,
      '',
    )
  }

  #notify(): void {
    // After this adapter's own bookkeeping (queue, pending error, awaited follow-up): the reducer wakes the records'
    // listeners while it applies an event, before that bookkeeping, so `recvAudio` waits on these instead.
    for (const listener of this.#listeners) listener()
  }

  #waitFor(timeoutMs: number, started: number): Promise<AudioChunk | null> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      let unsubscribe = () => {}
      let settled = false
      const finish = (fn: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        unsubscribe()
        fn()
      }
      const check = () => {
        if (this.#pendingError) {
          const err = this.#pendingError
          this.#pendingError = null
          return finish(() => reject(err))
        }
        if (this.#toolError) {
          const err = this.#toolError
          this.#toolError = null
          return finish(() => reject(err))
        }
        const chunk = this.#queue.shift()
        if (chunk) return finish(() => resolve(chunk))
        if (this.#requested.length > 0) return
        // Tool outputs went out and their follow-up's response.create has not: the SDK holds it until response.done.
        if (this.#answered.length > 0) return
        const current = this.#conversation.currentResponse
        if (current && !isResponseOpen(current) && !current.awaitingFollowUp && !this.#answerPending(current)) return finish(() => resolve(null))
        if (this.#state === 'closed') return finish(() => reject(new RealtimeConnectionClosedError('adapter disconnected while waiting for audio', null, '')))
        if (this.#lost) {
          const received = this.#receivedSince(started).join(', ') || 'nothing'
          return finish(() =>
            reject(
              new RealtimeConnectionClosedError(
                this.#redactor(`the session's connection closed while waiting for audio; received before the close: ${received}`),
                null,
                '',
              ),
            ),
          )
        }
      }
      check()
      if (settled) return
      this.#listeners.add(check)
      unsubscribe = () => this.#listeners.delete(check)
      timer = setTimeout(
        () =>
          finish(() => {
            const received = this.#receivedSince(started)
            const current = this.#conversation.currentResponse
            const waitingFor = current
              ? `audio of response ${current.id ?? '(requested, not yet created)'}`
              : 'a response, but none was requested (send audio or text first)'
            reject(
              new RealtimeTimeoutError(
                this.#redactor(
                  `recvAudio timed out after ${timeoutMs} ms waiting for ${waitingFor}; received since it was requested: ${received.length ? received.join(', ') : 'nothing'}`,
                ),
                timeoutMs,
                received,
              ),
            )
          }),
        timeoutMs,
      )
    })
  }

  #receivedSince(at: number): string[] {
    const counts = new Map<string, number>()
    for (const entry of this.#conversation.timeline) if (entry.direction === 'in' && entry.at >= at) counts.set(entry.type, (counts.get(entry.type) ?? 0) + 1)
    return [...counts].map(([type, n]) => (n > 1 ? `${type} ×${n}` : type))
  }
}
