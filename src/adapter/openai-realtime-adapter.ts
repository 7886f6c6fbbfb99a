import { inspect } from 'node:util'
import { performance } from 'node:perf_hooks'
import { WebSocket, type RawData } from '../ws/lazy-ws.js'
import type { IncomingMessage } from 'node:http'
import {
  DEFAULT_MODEL,
  DEFAULT_TRANSCRIPTION_MODEL,
  DEFAULT_VOICE,
  LEGACY_EVENT_ALIASES,
  PCM_RATE,
  type FunctionTool,
  type RealtimeErrorPayload,
  type ResponseStatus,
  type ServerEvent,
} from '../protocol/events.js'
import {
  ExpectVoiceError,
  InvalidOptionError,
  MissingApiKeyError,
  RealtimeConnectionClosedError,
  RealtimeHandshakeError,
  RealtimeServerError,
  RealtimeSessionRefusedError,
  RealtimeTimeoutError,
} from '../errors/index.js'
import { REDACT, redactSecrets } from '../secrets/redact.js'
import { AgentRole, type AdapterCapabilities, type AudioChunk, type VoiceAgentAdapter } from './types.js'
import { Timeline, type TimelineEntry } from '../conversation/timeline.js'
import { buildRealtimeUrl } from './url.js'
import {
  isResponseOpen,
  newResponseRecord,
  newTurnRecord,
  type ResponseRecord,
  type ToolCallRecord,
  type TurnRecord,
} from '../conversation/records.js'
import { buildTranscript, type Transcript } from '../conversation/transcript.js'
import { AudioStore, appendAudio } from '../conversation/audio-store.js'

/**
 * Options passed through to the `ws` client (its `ClientOptions`). Declared here so that consumers' type checks do
 * not need `@types/ws`; any other `ws` client option is accepted too.
 */
export interface WebSocketClientOptions {
  /** Certificate authorities to trust, e.g. `fakeServer.ca` for the TLS fake server. */
  ca?: string | Buffer | Array<string | Buffer>
  /** `false` accepts any certificate (tests only). */
  rejectUnauthorized?: boolean
  /** Default `false`, like the official SDK. */
  perMessageDeflate?: boolean
  handshakeTimeout?: number
  maxPayload?: number
  [option: string]: unknown
}

export interface OpenAIRealtimeAdapterOptions {
  /** API key; defaults to `process.env.OPENAI_API_KEY`. Never printed. */
  apiKey?: string
  /** Realtime endpoint or base URL (`ws://127.0.0.1:PORT/v1/realtime`, `https://host/v1`). Default: OpenAI's GA endpoint. */
  url?: string
  /** Default `gpt-realtime-mini`. */
  model?: string
  /** Default `alloy`. */
  voice?: string
  instructions?: string
  tools?: FunctionTool[]
  /** Input audio transcription model. Default `gpt-4o-mini-transcribe`. */
  transcriptionModel?: string
  /** Default `AgentRole.AGENT`. */
  role?: AgentRole
  /** How long `connect()` waits for the session to be configured. Default 10 000 ms. */
  connectTimeoutMs?: number
  /** Extra handshake headers (e.g. Azure's `api-key`). */
  headers?: Record<string, string>
  /** Passed to the `ws` client, e.g. `{ ca }` to trust the fake server's TLS certificate. */
  wsOptions?: WebSocketClientOptions
  /** Where the one-time legacy-event warnings go. Default: `console.warn`. */
  logger?: { warn(message: string): void }
  /** Maximum number of timeline entries kept. Default 20 000. */
  timelineLimit?: number
}

const ROUTINE_ERROR_CODES = new Set(['response_cancel_not_active'])
const FINAL_STATUSES = new Set<string>(['completed', 'cancelled', 'incomplete', 'failed'])
/** Bytes of PCM16 per millisecond at 24 kHz. */
const BYTES_PER_MS = (PCM_RATE * 2) / 1000

type State = 'idle' | 'connecting' | 'open' | 'closed'

/**
 * A `VoiceAgentAdapter` for the OpenAI Realtime API (GA protocol) over `ws`.
 * Turn detection is off: `recvAudio` ends the user turn (commit + `response.create`) when audio is pending.
 */
export class OpenAIRealtimeAdapter implements VoiceAgentAdapter {
  readonly role: AgentRole
  readonly capabilities: AdapterCapabilities = {
    streamingTranscripts: true,
    nativeVad: true,
    dtmf: false,
    interruption: true,
    inputFormats: ['pcm16/24000'],
    outputFormats: ['pcm16/24000'],
  }
  lastUserTranscript: string | null = null
  lastAgentTranscript: string | null = null

  readonly model: string
  readonly voice: string
  readonly instructions: string | undefined
  readonly tools: readonly FunctionTool[] | undefined
  readonly transcriptionModel: string
  /** The endpoint dialled (contains no secret). */
  readonly url: string

  #apiKey: string | undefined
  #headers: Record<string, string>
  /** Credentials given as headers (Azure's `api-key`, a custom Authorization): never printed, like the key. */
  #headerSecrets: string[]
  #wsOptions: WebSocketClientOptions
  #connectTimeoutMs: number
  #logger: { warn(message: string): void }
  #socket: WebSocket | null = null
  #state: State = 'idle'
  #close: { code: number; reason: string } | null = null
  #timeline: Timeline
  #warnedLegacy = new Set<string>()
  #listeners = new Set<() => void>()
  #pendingError: RealtimeServerError | null = null
  #connecting: Promise<void> | null = null
  /** The last `ws` error after connect (e.g. "Max payload size exceeded"), named when the socket then closes. */
  #socketError: string | null = null
  #errors: RealtimeServerError[] = []

  #turns: TurnRecord[] = []
  #responses: ResponseRecord[] = []
  #responsesById = new Map<string, ResponseRecord>()
  /** Responses whose `response.create` has been sent but whose `response.created` has not arrived. */
  #awaitingCreated: ResponseRecord[] = []
  /** `response.create` requests held back while another response is active. */
  #deferred: Array<{ record: ResponseRecord }> = []
  #pendingInputBytes = 0
  #queue: AudioChunk[] = []
  #reading: ResponseRecord | null = null
  #itemAudioBytes = new Map<string, number>()
  #currentAssistantItem: string | null = null
  #clientEventSeq = 0
  #createByEventId = new Map<string, ResponseRecord>()
  /** Client events whose failure must not fail the caller (truncation only keeps the model's memory honest). */
  #bookkeepingEventIds = new Set<string>()
  /** The recorded audio, both ways, packed in slabs (see audio-store.ts). */
  #audio = new AudioStore()
  /** One shared copy of each event type and id string kept on the timeline (thousands of entries per response). */
  #strings = new Map<string, string>()

  constructor(options: OpenAIRealtimeAdapterOptions = {}) {
    const timeout = options.connectTimeoutMs ?? 10_000
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new InvalidOptionError(`option "connectTimeoutMs" must be a positive number of ms, got ${String(timeout)}`)
    }
    this.role = options.role ?? AgentRole.AGENT
    if (this.role !== AgentRole.AGENT && this.role !== AgentRole.USER) {
      throw new InvalidOptionError(`option "role" must be AgentRole.AGENT or AgentRole.USER, got ${String(options.role)}`)
    }
    this.model = options.model ?? DEFAULT_MODEL
    this.voice = options.voice ?? DEFAULT_VOICE
    this.instructions = options.instructions
    this.tools = options.tools
    this.transcriptionModel = options.transcriptionModel ?? DEFAULT_TRANSCRIPTION_MODEL
    this.url = buildRealtimeUrl(options.url, this.model)
    this.#apiKey = options.apiKey ?? process.env.OPENAI_API_KEY ?? undefined
    if (!this.#apiKey && options.url === undefined) {
      throw new MissingApiKeyError(
        'no API key: pass { apiKey } or set OPENAI_API_KEY, or pass { url } to point the adapter at a fake server ' +
          '(createFakeRealtimeServer) or a proxy that needs none',
      )
    }
    this.#headers = { ...options.headers }
    this.#headerSecrets = Object.entries(this.#headers)
      .filter(([name]) => /^(authorization|proxy-authorization|api-key|x-api-key|cookie)$/i.test(name))
      .map(([, value]) => String(value).replace(/^(Bearer|Basic)\s+/i, ''))
    this.#wsOptions = { ...options.wsOptions }
    this.#connectTimeoutMs = timeout
    this.#logger = options.logger ?? console
    this.#timeline = new Timeline(options.timelineLimit ?? 20_000)
  }

  // ---- observation (read-only views used by matchers, snapshots and recordings) ----

  /** Every event sent and received, timestamped at the socket (bounded). */
  get timeline(): readonly TimelineEntry[] {
    return this.#timeline.entries
  }
  /** User turns in order, each with its response. */
  get turns(): readonly TurnRecord[] {
    return this.#turns
  }
  /** Every response seen, including ones the server started on its own. */
  get responses(): readonly ResponseRecord[] {
    return this.#responses
  }
  /** The response of the latest turn (the one `recvAudio` reads). */
  get currentResponse(): ResponseRecord | null {
    return this.#reading
  }
  /** Function calls made by the model, in order. */
  get toolCalls(): readonly ToolCallRecord[] {
    return this.#responses.flatMap((r) => r.toolCalls)
  }
  /** Server errors received (routine ones such as `response_cancel_not_active` excluded). */
  get errors(): readonly RealtimeServerError[] {
    return this.#errors
  }
  /** The conversation as `user` / `agent` entries; snapshot it with `toMatchSnapshot()`. */
  get transcript(): Transcript {
    return buildTranscript(this.#turns)
  }
  get connected(): boolean {
    return this.#state === 'open'
  }
  /** Close code and reason once the socket has closed. */
  get closeInfo(): { code: number; reason: string } | null {
    return this.#close
  }

  // ---- lifecycle ----

  async connect(): Promise<void> {
    if (this.#state === 'open') return
    // A second connect() while the first is under way shares its outcome: one socket, one session.
    if (this.#state === 'connecting' && this.#connecting) return this.#connecting
    if (this.#state !== 'idle') {
      throw new ExpectVoiceError(`connect() called on an adapter that is ${this.#state}; create a new adapter to reconnect`)
    }
    this.#connecting = this.#openSession()
    return this.#connecting
  }

  async #openSession(): Promise<void> {
    this.#state = 'connecting'
    const headers: Record<string, string> = { ...this.#headers }
    if (this.#apiKey) headers.Authorization = `Bearer ${this.#apiKey}`
    const started = performance.now()
    const socket = new WebSocket(this.url, { perMessageDeflate: false, ...this.#wsOptions, headers })
    this.#socket = socket

    await new Promise<void>((resolve, reject) => {
      let refusal: RealtimeErrorPayload | null = null
      let refusalTimer: NodeJS.Timeout | undefined
      const settle = (err?: Error) => {
        clearTimeout(timer)
        clearTimeout(refusalTimer)
        this.#listeners.delete(onChange)
        socket.off('unexpected-response', onUnexpected)
        if (err) {
          this.#state = 'closed'
          socket.removeAllListeners('open')
          socket.on('error', () => {}) // a late socket error must not become an uncaught exception
          if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.terminate()
          reject(err)
        } else {
          resolve()
        }
      }
      const timer = setTimeout(() => {
        const received = this.#timeline.summarizeSince(started)
        settle(
          new RealtimeTimeoutError(
            `connect() timed out after ${this.#connectTimeoutMs} ms waiting for session.updated from ${this.url}; ` +
              `received: ${received.length ? received.join(', ') : socket.readyState === WebSocket.OPEN ? 'nothing after the upgrade' : 'no upgrade response'}`,
            this.#connectTimeoutMs,
            received,
          ),
        )
      }, this.#connectTimeoutMs)
      const onUnexpected = (_req: unknown, res: IncomingMessage) => {
        // The status is known now: a body that never ends must not turn it into a connect timeout.
        readBody(res, 64 * 1024, Math.min(1000, this.#connectTimeoutMs / 2)).then((body) => settle(new RealtimeHandshakeError(res.statusCode ?? 0, this.#redact(describeHttpError(body)))))
      }
      // Resolved or rejected by the event handlers below through #notify().
      const onChange = () => {
        if (this.#state === 'open') return settle()
        if (this.#pendingError && !refusal) {
          const err = this.#pendingError
          refusal = { type: err.type, code: err.code, message: err.serverMessage, param: err.param, event_id: err.eventId }
          this.#pendingError = null
          // The live API closes in the same millisecond as the refusal: give the close a moment to arrive so the
          // error can name its code; a non-fatal rejection (bad session field) fails after the grace period.
          refusalTimer = setTimeout(() => settle(new RealtimeSessionRefusedError(refusal!, this.#close)), 100)
        }
        if (this.#close) {
          settle(
            refusal
              ? new RealtimeSessionRefusedError(refusal, this.#close)
              : new RealtimeConnectionClosedError(
                  `connection closed (${this.#close.code}${this.#close.reason ? ` ${this.#close.reason}` : ''}) before the session was configured; received: ${this.#timeline.summarizeSince(started).join(', ') || 'nothing'}`,
                  this.#close.code,
                  this.#close.reason,
                ),
          )
        }
      }
      this.#listeners.add(onChange)
      socket.on('unexpected-response', onUnexpected)
      socket.on('error', (err) => {
        if (this.#state === 'connecting') settle(new ExpectVoiceError(`could not connect to ${this.url}: ${this.#redact(err.message)}`, { cause: err }))
        // After the session is up, `ws` reports protocol violations (oversized or invalid frames) here and then
        // closes with 1006: keep the reason for the close message.
        else this.#socketError ??= this.#redact(err.message)
      })
      socket.on('open', () => this.#send({ type: 'session.update', session: this.#sessionConfig() }))
      socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
      socket.on('close', (code, reason) => this.#onClose(code, reason.toString()))
    })
  }

  async disconnect(): Promise<void> {
    const socket = this.#socket
    if (this.#state === 'closed' && (!socket || socket.readyState === WebSocket.CLOSED)) return
    this.#state = 'closed'
    if (!socket) return
    try {
      if (socket.readyState === WebSocket.CLOSED) return
      await new Promise<void>((resolve) => {
        // A peer that never answers the close handshake must not hold the test: terminate after a short grace.
        const timer = setTimeout(() => {
          socket.terminate()
          resolve()
        }, 1000)
        socket.once('close', () => {
          clearTimeout(timer)
          resolve()
        })
        if (socket.readyState === WebSocket.CONNECTING) socket.terminate()
        else socket.close(1000, 'client disconnect')
      })
    } catch {
      // disconnect() never throws.
    } finally {
      this.#notify()
    }
  }

  // ---- turns ----

  async sendAudio(chunk: AudioChunk): Promise<void> {
    this.#assertOpen('sendAudio')
    if (!chunk || !(chunk.data instanceof Uint8Array)) {
      throw new InvalidOptionError('sendAudio(chunk): chunk.data must be a Buffer of PCM16 audio')
    }
    if (chunk.sampleRate !== PCM_RATE) {
      throw new InvalidOptionError(
        `sendAudio(chunk): chunk.sampleRate is ${chunk.sampleRate}, but the realtime API takes PCM16 at ${PCM_RATE} Hz; resample it first (readWav resamples for you)`,
      )
    }
    if (chunk.data.length === 0) return
    const turn = this.#openTurn('audio')
    const data = this.#audio.copy(chunk.data)
    appendAudio(turn.audio, data)
    turn.audioBytes += data.length
    this.#pendingInputBytes += data.length
    this.#send({ type: 'input_audio_buffer.append', audio: data.toString('base64') }, data.length)
  }

  async sendText(text: string): Promise<void> {
    this.#assertOpen('sendText')
    if (typeof text !== 'string' || text.trim() === '') {
      throw new InvalidOptionError('sendText(text): text must be a non-empty string')
    }
    if (this.#pendingInputBytes > 0) this.#commitAudio()
    const turn = this.#newTurn('text')
    turn.text = text
    this.#send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    })
    turn.endedAt = performance.now()
    this.#requestResponse(turn)
  }

  /** Returns a tool result to the model and (by default) asks for the next response. */
  async sendToolResult(callId: string, output: unknown, options: { respond?: boolean } = {}): Promise<void> {
    this.#assertOpen('sendToolResult')
    if (typeof callId !== 'string' || !callId) throw new InvalidOptionError('sendToolResult(callId): callId must be a non-empty string')
    this.#send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: callId, output: typeof output === 'string' ? output : JSON.stringify(output) },
    })
    if (options.respond ?? true) {
      const turn = this.#newTurn('text')
      turn.endedAt = performance.now()
      this.#requestResponse(turn)
    }
  }

  async recvAudio(timeoutMs: number): Promise<AudioChunk | null> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new InvalidOptionError(`recvAudio(timeoutMs): timeoutMs must be a non-negative number, got ${String(timeoutMs)}`)
    }
    this.#assertOpen('recvAudio')
    if (this.#pendingInputBytes > 0) this.#endAudioTurn()
    // A chunk already received is handed out at once, as #waitFor would, without setting up a wait.
    if (this.#queue.length && !this.#pendingError) return this.#queue.shift()!
    // Timeouts name everything received since the response was asked for, not just during this call.
    const started = this.#reading?.requestedAt ?? performance.now()
    return this.#waitFor(
      () => {
        if (this.#queue.length) return this.#queue.shift()!
        if (this.#reading && !isResponseOpen(this.#reading)) return null
        return undefined
      },
      timeoutMs,
      () => {
        const received = this.#timeline.summarizeSince(started)
        const waitingFor = this.#reading
          ? `audio of response ${this.#reading.id ?? '(requested, not yet created)'}`
          : 'a response, but none was requested (send audio or text first)'
        return new RealtimeTimeoutError(
          `recvAudio timed out after ${timeoutMs} ms waiting for ${waitingFor}; received since it was requested: ${received.length ? received.join(', ') : 'nothing'}`,
          timeoutMs,
          received,
        )
      },
    )
  }

  async interrupt(): Promise<void> {
    this.#assertOpen('interrupt')
    const now = performance.now()
    const active = this.#responses.filter(isResponseOpen)
    for (const r of active) r.interruptedAt ??= now
    // What was received but not yet handed out would never be played: drop it.
    this.#queue.length = 0
    // Responses still held back will never be asked for.
    for (const { record } of this.#deferred.splice(0)) {
      record.status = 'cancelled'
      record.doneAt = now
    }
    this.#send({ type: 'response.cancel' })
    const item = this.#currentAssistantItem
    if (item && active.length) {
      const audioEndMs = Math.floor((this.#itemAudioBytes.get(item) ?? 0) / BYTES_PER_MS)
      const eventId = `evt_ev_${++this.#clientEventSeq}`
      this.#bookkeepingEventIds.add(eventId)
      this.#send({ type: 'conversation.item.truncate', event_id: eventId, item_id: item, content_index: 0, audio_end_ms: audioEndMs })
    }
  }

  // ---- internals ----

  #sessionConfig(): Record<string, unknown> {
    const format = { type: 'audio/pcm', rate: PCM_RATE }
    return {
      type: 'realtime',
      ...(this.instructions !== undefined ? { instructions: this.instructions } : {}),
      ...(this.tools !== undefined ? { tools: this.tools } : {}),
      audio: {
        input: { format, turn_detection: null, transcription: { model: this.transcriptionModel } },
        output: { format, voice: this.voice },
      },
    }
  }

  #assertOpen(method: string): void {
    if (this.#state === 'open') return
    const close = this.#close
    throw new RealtimeConnectionClosedError(
      close
        ? `${method}() called after the connection closed (${close.code}${close.reason ? ` ${close.reason}` : ''})`
        : `${method}() called on an adapter that is ${this.#state === 'idle' ? 'not connected: call connect() first' : this.#state}`,
      close?.code ?? null,
      close?.reason ?? '',
    )
  }

  #send(event: Record<string, unknown>, audioBytes?: number): void {
    const socket = this.#socket
    if (!socket || socket.readyState !== WebSocket.OPEN) return
    socket.send(JSON.stringify(event))
    this.#timeline.push({ direction: 'out', type: String(event.type), at: performance.now(), bytes: audioBytes })
  }

  #openTurn(input: 'audio' | 'text'): TurnRecord {
    const last = this.#turns[this.#turns.length - 1]
    if (last && last.input === input && last.endedAt === null) return last
    return this.#newTurn(input)
  }

  #newTurn(input: 'audio' | 'text'): TurnRecord {
    const turn = newTurnRecord(this.#turns.length, input)
    this.#turns.push(turn)
    return turn
  }

  #commitAudio(): TurnRecord {
    const turn = this.#openTurn('audio')
    this.#pendingInputBytes = 0
    this.#send({ type: 'input_audio_buffer.commit' })
    turn.endedAt = performance.now()
    return turn
  }

  /** The end of the user turn: commit the pending audio and ask for a response. */
  #endAudioTurn(): void {
    this.#requestResponse(this.#commitAudio())
  }

  #requestResponse(turn: TurnRecord): void {
    const record = newResponseRecord(performance.now())
    turn.response = record
    this.#responses.push(record)
    this.#reading = record
    this.#queue.length = 0
    // A second response.create while one is active is refused by the server: hold it until response.done.
    if (this.#responses.some((r) => r !== record && isResponseOpen(r))) this.#deferred.push({ record })
    else this.#sendResponseCreate(record)
  }

  #sendResponseCreate(record: ResponseRecord): void {
    const eventId = `evt_ev_${++this.#clientEventSeq}`
    this.#createByEventId.set(eventId, record)
    record.requestedAt = performance.now()
    this.#awaitingCreated.push(record)
    this.#send({ type: 'response.create', event_id: eventId })
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const at = performance.now()
    if (isBinary) {
      this.#timeline.push({ direction: 'in', type: '(binary frame skipped)', at })
      return
    }
    let event: ServerEvent
    try {
      event = JSON.parse(data.toString())
    } catch {
      this.#timeline.push({ direction: 'in', type: '(non-JSON frame skipped)', at })
      return
    }
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
      this.#timeline.push({ direction: 'in', type: '(frame without a type skipped)', at })
      return
    }
    let type = event.type
    // Own keys only: a server sending "constructor" or "__proto__" must not hit Object.prototype.
    const alias = Object.hasOwn(LEGACY_EVENT_ALIASES, type) ? LEGACY_EVENT_ALIASES[type] : undefined
    if (alias) {
      if (!this.#warnedLegacy.has(type)) {
        this.#warnedLegacy.add(type)
        this.#logger.warn(
          `expect-voice: the server sent the legacy beta event "${type}"; treating it as "${alias}". ` +
            'GA servers send the new name; this warning appears once per event name per adapter.',
        )
      }
      type = alias
    }
    try {
      this.#handle(type, event, at)
    } catch (err) {
      // A malformed event (wrong field types) must not kill the socket handler; keep it as evidence.
      this.#timeline.push({ direction: 'in', type: `(malformed ${type} skipped: ${(err as Error).message})`, at })
    }
    this.#notify()
  }

  #handle(type: string, event: ServerEvent, at: number): void {
    const responseId = this.#shared(str(event.response_id) ?? str(obj(event.response)?.id))
    const itemId = this.#shared(str(event.item_id) ?? str(obj(event.item)?.id))
    const entry: TimelineEntry = { direction: 'in', type: this.#shared(type), at }
    if (responseId) entry.responseId = responseId
    if (itemId) entry.itemId = itemId
    this.#timeline.push(entry)

    switch (type) {
      case 'session.updated':
        if (this.#state === 'connecting') this.#state = 'open'
        return
      case 'input_audio_buffer.committed': {
        const turn = [...this.#turns].reverse().find((t) => t.input === 'audio' && t.endedAt !== null && !t.itemId)
        if (turn && itemId) turn.itemId = itemId
        return
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const transcript = str(event.transcript) ?? ''
        this.lastUserTranscript = transcript
        const turn = this.#turnForItem(itemId)
        if (turn) turn.transcription = transcript
        return
      }
      case 'conversation.item.input_audio_transcription.failed': {
        const turn = this.#turnForItem(itemId)
        if (turn) turn.transcriptionFailed = str(obj(event.error)?.message) ?? 'transcription failed'
        return
      }
      case 'response.created': {
        const known = responseId ? this.#responsesById.get(responseId) : undefined
        if (known) {
          // Repeated, or late (after the response's first deltas): the response is tracked already. Taking
          // another awaiting record here would hand its audio to the wrong response.
          known.createdAt ??= at
          if (known.status === 'requested') known.status = 'in_progress'
          return
        }
        const id = responseId
        const record = this.#awaitingCreated.shift() ?? this.#orphanResponse(at)
        record.status = 'in_progress'
        record.createdAt = at
        if (id) {
          record.id = id
          this.#responsesById.set(id, record)
        }
        return
      }
      case 'response.output_item.added': {
        const item = obj(event.item)
        if (item && item.type === 'message' && itemId) this.#currentAssistantItem = itemId
        return
      }
      case 'response.output_audio.delta': {
        const record = this.#responseFor(responseId, at)
        const raw = this.#audio.decodeBase64(str(event.delta) ?? '')
        // PCM16 needs whole samples: drop a trailing odd byte rather than shift every later sample.
        const data = raw.length % 2 ? raw.subarray(0, raw.length - 1) : raw
        if (data.length === 0) return
        entry.bytes = data.length
        const chunk: AudioChunk = { data, sampleRate: PCM_RATE, receivedAt: at }
        record.audio.push(chunk)
        record.audioBytes += data.length
        record.firstAudioAt ??= at
        record.lastAudioAt = at
        if (record.interruptedAt !== null) record.audioBytesAfterInterrupt += data.length
        if (itemId) {
          this.#itemAudioBytes.set(itemId, (this.#itemAudioBytes.get(itemId) ?? 0) + data.length)
          this.#currentAssistantItem = itemId
        }
        // Audio after response.done is kept as evidence but never handed out after the null that ended it.
        if (record === this.#reading && isResponseOpen(record)) this.#queue.push(chunk)
        return
      }
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta': {
        const record = this.#responseFor(responseId, at)
        record.firstTranscriptAt ??= at
        if (!record.transcriptFinal) record.transcript += str(event.delta) ?? ''
        return
      }
      case 'response.output_audio_transcript.done':
      case 'response.output_text.done': {
        const record = this.#responseFor(responseId, at)
        const text = str(event.transcript) ?? str(event.text)
        if (text !== undefined) this.#finaliseTranscript(record, text)
        return
      }
      case 'response.function_call_arguments.done': {
        const record = this.#responseFor(responseId, at)
        const callId = str(event.call_id) ?? ''
        if (!record.toolCalls.some((c) => c.callId === callId)) {
          record.toolCalls.push({
            name: str(event.name) ?? '',
            callId,
            arguments: str(event.arguments) ?? '',
            responseId: responseId ?? null,
            itemId: itemId ?? null,
            receivedAt: at,
          })
        }
        return
      }
      case 'response.done': {
        const response = obj(event.response)
        const record = (responseId && this.#responsesById.get(responseId)) || this.#awaitingCreated.shift() || this.#orphanResponse(at)
        const status = str(response?.status)
        // A done response has ended: a missing, 'in_progress' or unknown status reads as completed (the type stays honest).
        record.status = status && FINAL_STATUSES.has(status) ? (status as ResponseStatus) : 'completed'
        record.statusDetails = response?.status_details ?? null
        record.doneAt = at
        // A cancelled response may never send transcript.done: finalise what streamed.
        if (!record.transcriptFinal) this.#finaliseTranscript(record, record.transcript)
        const next = this.#deferred.shift()
        if (next) this.#sendResponseCreate(next.record)
        return
      }
      case 'error': {
        const payload = obj(event.error)
        const error: RealtimeErrorPayload = {
          // Every server-chosen string may echo what it was sent: redact them all, not just the message.
          type: this.#redact(str(payload?.type) ?? 'unknown_error'),
          code: this.#redactOrNull(str(payload?.code)),
          message: this.#redact(str(payload?.message) ?? 'no message'),
          param: this.#redactOrNull(str(payload?.param)),
          event_id: str(payload?.event_id) ?? null,
        }
        entry.code = error.code
        if (error.code && ROUTINE_ERROR_CODES.has(error.code)) return
        if (error.code === 'conversation_already_has_active_response' && error.event_id) {
          const record = this.#createByEventId.get(error.event_id)
          if (record) {
            // The server started a response we did not ask for; ask again once it is done.
            this.#awaitingCreated = this.#awaitingCreated.filter((r) => r !== record)
            this.#deferred.unshift({ record })
            return
          }
        }
        const err = new RealtimeServerError(error)
        this.#errors.push(err)
        if (error.event_id && this.#bookkeepingEventIds.has(error.event_id)) return
        // An error answering our response.create means that response will never come: end it so waiters stop.
        const refused = error.event_id ? this.#createByEventId.get(error.event_id) : undefined
        if (refused && isResponseOpen(refused)) {
          refused.status = 'failed'
          refused.doneAt = at
          this.#awaitingCreated = this.#awaitingCreated.filter((r) => r !== refused)
        }
        this.#pendingError = err
        return
      }
      default:
        return
    }
  }

  /** The one shared copy of `text` on the timeline (a string per event and field otherwise; bounded table). */
  #shared<T extends string | undefined>(text: T): T {
    if (text === undefined) return text
    const known = this.#strings.get(text)
    if (known !== undefined) return known as T
    if (this.#strings.size >= 1000) this.#strings.clear()
    this.#strings.set(text, text)
    return text
  }

  #finaliseTranscript(record: ResponseRecord, text: string): void {
    record.transcript = text
    record.transcriptFinal = true
    if (record === this.#reading || this.#responses[this.#responses.length - 1] === record) this.lastAgentTranscript = text
  }

  #turnForItem(itemId: string | undefined): TurnRecord | undefined {
    if (itemId) {
      const byId = this.#turns.find((t) => t.itemId === itemId)
      if (byId) return byId
    }
    return [...this.#turns].reverse().find((t) => t.input === 'audio' && t.endedAt !== null)
  }

  #responseFor(responseId: string | undefined, at: number): ResponseRecord {
    if (responseId) {
      const known = this.#responsesById.get(responseId)
      if (known) return known
    }
    // Deltas without a known id (lenient servers): attribute them to the newest response.
    const latest = this.#responses[this.#responses.length - 1]
    if (latest && (!responseId || latest.id === null)) {
      if (responseId) {
        latest.id = responseId
        this.#responsesById.set(responseId, latest)
        this.#awaitingCreated = this.#awaitingCreated.filter((r) => r !== latest)
        if (latest.status === 'requested') latest.status = 'in_progress'
      }
      return latest
    }
    const orphan = this.#orphanResponse(at)
    if (responseId) {
      orphan.id = responseId
      this.#responsesById.set(responseId, orphan)
    }
    return orphan
  }

  /** A response the server started without our asking (e.g. server VAD): record it, never read it. */
  #orphanResponse(at: number): ResponseRecord {
    const record = newResponseRecord(at)
    record.status = 'in_progress'
    this.#responses.push(record)
    return record
  }

  #onClose(code: number, reason: string): void {
    const socketError = this.#socketError
    this.#close = { code, reason: this.#redact(reason) || (socketError ? `client error: ${socketError}` : '') }
    this.#state = 'closed'
    this.#timeline.push({ direction: 'in', type: `(socket closed ${code})`, at: performance.now() })
    this.#notify()
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener()
  }

  #waitFor<T>(check: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (fn: () => void) => {
        settled = true
        clearTimeout(timer)
        this.#listeners.delete(tryNow)
        fn()
      }
      const tryNow = () => {
        if (this.#pendingError) {
          const err = this.#pendingError
          this.#pendingError = null
          return finish(() => reject(err))
        }
        const value = check()
        if (value !== undefined) return finish(() => resolve(value))
        if (this.#state === 'closed') {
          const close = this.#close
          return finish(() =>
            reject(
              new RealtimeConnectionClosedError(
                close
                  ? `connection closed (${close.code}${close.reason ? ` ${close.reason}` : ''}) while waiting for audio; received before the close: ${this.#timeline.summarizeSince(this.#reading?.requestedAt ?? started).join(', ') || 'nothing'}`
                  : 'adapter disconnected while waiting for audio',
                close?.code ?? null,
                close?.reason ?? '',
              ),
            ),
          )
        }
      }
      const started = performance.now()
      let settled = false
      let timer: NodeJS.Timeout | undefined
      this.#listeners.add(tryNow)
      tryNow()
      // Only a call that has to wait needs a timer: a queued chunk is handed out at once.
      if (!settled) timer = setTimeout(() => finish(() => reject(onTimeout())), timeoutMs)
    })
  }

  #redact(text: string): string {
    return redactSecrets(text, [this.#apiKey, ...this.#headerSecrets])
  }

  #redactOrNull(text: string | undefined): string | null {
    return text === undefined ? null : this.#redact(text)
  }

  /** Removes this adapter's credentials (and anything key-like) from `text`: used for matcher messages. */
  [REDACT](text: string): string {
    return this.#redact(text)
  }

  [inspect.custom](): string {
    return `OpenAIRealtimeAdapter { url: '${this.url}', model: '${this.model}', role: '${this.role}', state: '${this.#state}' }`
  }

  toJSON(): Record<string, unknown> {
    return { adapter: 'OpenAIRealtimeAdapter', url: this.url, model: this.model, role: this.role, state: this.#state }
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
}

function readBody(res: IncomingMessage, limit = 64 * 1024, maxWaitMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    let body = ''
    const done = () => {
      clearTimeout(timer)
      resolve(body.slice(0, limit))
    }
    // A body that never ends (or trickles forever) gives what arrived so far.
    const timer = setTimeout(done, maxWaitMs)
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      if (body.length < limit) body += chunk
    })
    res.on('end', done)
    res.on('error', done)
    res.on('close', done)
  })
}

/** Pulls the human message out of an OpenAI-style `{"error":{"message":…}}` body, else the trimmed text. */
function describeHttpError(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; code?: string } | string; message?: string }
    if (typeof parsed.error === 'string') return parsed.error
    const msg = parsed.error?.message ?? parsed.message
    if (msg) return parsed.error && typeof parsed.error === 'object' && parsed.error.code ? `${msg} (${parsed.error.code})` : msg
  } catch {
    // not JSON: fall through
  }
  return body.trim().slice(0, 500)
}
