import { inspect } from 'node:util'
import { performance } from 'node:perf_hooks'
import { WebSocket, type RawData } from '../ws/lazy-ws.js'
import type { IncomingMessage } from 'node:http'
import { DEFAULT_MODEL, DEFAULT_TRANSCRIPTION_MODEL, DEFAULT_VOICE, PCM_RATE, type FunctionTool, type RealtimeErrorPayload } from '../protocol/events.js'
import {
  ExpectVoiceError,
  InvalidOptionError,
  MissingApiKeyError,
  RealtimeConnectionClosedError,
  RealtimeHandshakeError,
  type RealtimeServerError,
  RealtimeSessionRefusedError,
  RealtimeTimeoutError,
  ToolCallError,
  type ToolCallFailure,
} from '../errors/index.js'
import { createRedactor, REDACT, type Redactor } from '../secrets/redact.js'
import { HTTP_ACCESS, type HttpAccess } from '../secrets/http-access.js'
import { AgentRole, type AdapterCapabilities, type AudioChunk, type VoiceAgentAdapter } from './types.js'
import type { TimelineEntry } from '../conversation/timeline.js'
import { isResponseOpen, type KeepAudio, type ResponseRecord, type ToolCallRecord, type TurnRecord } from '../conversation/records.js'
import type { Transcript } from '../conversation/transcript.js'
import {
  applyServerEvent,
  Conversation,
  followUpAwaited,
  hasOpenResponse,
  interrupted,
  recordClose,
  recordSent,
  recordSkippedFrame,
  responseAbandoned,
  responseCreateSent,
  responseRequested,
  toolCallSettled,
  toolCallStarted,
  toolOutputSent,
  turnOfToolCall,
  userAudio,
  userAudioCommitted,
  userText,
} from '../conversation/reducer.js'
import { CONVERSATION } from '../conversation/observable.js'
import { DECODED_SPAN } from '../conversation/audio-store.js'
import { buildRealtimeUrl } from './url.js'
import { credentialHeaderValues, describeHttpError, readBody } from './handshake.js'
import { decodeFrame } from './decode.js'

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

/** What a tool handler is told about the call it answers. */
export interface ToolHandlerContext {
  /** The call's `call_id`. */
  callId: string
  /** The function's name. */
  name: string
  /** Aborted when the handler times out (`toolTimeoutMs`), the test interrupts the turn, or the adapter disconnects. */
  signal: AbortSignal
}

/**
 * Answers one function call: gets the parsed JSON arguments, returns (or resolves to) the result, which is sent back
 * to the model as `JSON.stringify(result)` in a `function_call_output` item.
 */
// biome-ignore lint/suspicious/noExplicitAny: a handler's arguments are the parsed JSON of the schema its test declares; `any` lets it destructure them typed
export type ToolHandler<Args = any> = (args: Args, ctx: ToolHandlerContext) => unknown

/** A function tool as `tools` takes it: the wire shape, plus an optional handler (never sent to the server). */
export interface ToolDefinition extends FunctionTool {
  execute?: ToolHandler
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
  /** Function tools, sent in `session.update` as `{ type, name, description, parameters }`; `execute` answers calls. */
  tools?: ToolDefinition[]
  /**
   * Handlers by function name (in addition to `tools[].execute`), or `'manual'`: calls without a handler are left
   * for the test to answer with `sendToolResult`. Default: a call without a handler fails with a `ToolCallError`.
   */
  toolHandlers?: Record<string, ToolHandler> | 'manual'
  /** How long a tool handler may take before its call fails with a `ToolCallError` (reason `'timeout'`). Default 10 000 ms. */
  toolTimeoutMs?: number
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
  /**
   * Which audio the records keep, both directions. `'all'` (default): every byte, as failure recordings need.
   * `{ lastMs }`: the newest `lastMs` ms of received audio and of sent audio (at least that much; older chunks are
   * let go, oldest first), so memory stays flat in long and soak tests. `'none'`: no audio bytes, only counts and
   * timings. `recvAudio` hands out every chunk either way, and byte counts, `firstAudioAt` and the timeline stay
   * exact; `audioDroppedBytes` on turns and responses says what was let go, and so do failure recordings.
   * Matchers that read the audio (`toRespondWithin` with first speech, `toStopOnInterrupt`) read what is kept: with
   * `{ lastMs }`, the current response's newest `lastMs`; with `'none'`, nothing.
   */
  keepAudio?: KeepAudio
  /**
   * The server's turn detection (`audio.input.turn_detection`), e.g. `{ type: 'server_vad' }` or
   * `{ type: 'semantic_vad', eagerness: 'high' }` with the wire's own fields. Default `null`: turn detection off,
   * and `recvAudio` ends the user turn. When on, the server ends user turns: `recvAudio` never commits, the
   * server's commit is the end of the turn, the response it starts is the one read, and a caller speaking over the
   * agent barges in (the server cancels the response).
   */
  turnDetection?: TurnDetection | null
}

/** Server turn detection as the session takes it (`audio.input.turn_detection`). */
export interface TurnDetection {
  type: 'server_vad' | 'semantic_vad'
  /** Any other field of the wire shape: `threshold`, `prefix_padding_ms`, `silence_duration_ms`, `eagerness`, `create_response`, `interrupt_response`, ... */
  [field: string]: unknown
}

function turnDetectionOption(value: unknown): TurnDetection | null {
  if (value === undefined || value === null) return null
  const type = (value as { type?: unknown }).type
  if (typeof value !== 'object' || Array.isArray(value) || (type !== 'server_vad' && type !== 'semantic_vad')) {
    throw new InvalidOptionError(
      `option "turnDetection" must be null or { type: 'server_vad' | 'semantic_vad', ... }, got ${inspect(value, { depth: 1, breakLength: Infinity }).slice(0, 80)}`,
    )
  }
  return Object.freeze({ ...(value as TurnDetection) })
}

type State = 'idle' | 'connecting' | 'open' | 'closed'

/** `keepAudio` checked: `'all'`, `'none'` or `{ lastMs }` with a positive, finite number of ms. */
function keepAudioOption(value: unknown): KeepAudio {
  if (value === undefined || value === 'all') return 'all'
  if (value === 'none') return 'none'
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value)
    const ms = (value as { lastMs?: unknown }).lastMs
    if (keys.length === 1 && keys[0] === 'lastMs' && typeof ms === 'number' && Number.isFinite(ms) && ms > 0) return Object.freeze({ lastMs: ms })
  }
  const shown =
    typeof value === 'string'
      ? `'${value.slice(0, 40)}'`
      : value !== null && typeof value === 'object'
        ? inspect(value, { depth: 1, breakLength: Infinity }).slice(0, 80)
        : String(value)
  throw new InvalidOptionError(`option "keepAudio" must be 'all', 'none' or { lastMs: <a positive number of ms> }, got ${shown}`)
}

/** A waiting call's deadline (`performance.now()`), and how it fails when the deadline passes. */
interface Deadline {
  at: number
  expire(): void
}

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
  readonly model: string
  readonly voice: string
  readonly instructions: string | undefined
  readonly tools: readonly FunctionTool[] | undefined
  readonly transcriptionModel: string
  /** The endpoint dialled (contains no secret). */
  readonly url: string
  /** Which audio the records keep (option `keepAudio`). */
  readonly keepAudio: KeepAudio
  /** The server's turn detection (option `turnDetection`), or null when the adapter ends user turns. */
  readonly turnDetection: TurnDetection | null

  #apiKey: string | undefined
  #headers: Record<string, string>
  /** Credentials given as headers (Azure's `api-key`, a custom Authorization): never printed, like the key. */
  #headerSecrets: string[]
  /** Removes the key, the credential headers and their recognisable fragments from every text this adapter emits. */
  #redactor: Redactor
  #wsOptions: WebSocketClientOptions
  #connectTimeoutMs: number
  #logger: { warn(message: string): void }
  #socket: WebSocket | null = null
  #state: State = 'idle'
  #close: { code: number; reason: string } | null = null
  /** The records of this connection; written only by the reducer (conversation/reducer.ts). */
  #conversation: Conversation
  #warnedLegacy = new Set<string>()
  #listeners = new Set<() => void>()
  #pendingError: RealtimeServerError | null = null
  #connecting: Promise<void> | null = null
  /** The last `ws` error after connect (e.g. "Max payload size exceeded"), named when the socket then closes. */
  #socketError: string | null = null
  /** `response.create` requests held back while another response is active. */
  #deferred: ResponseRecord[] = []
  #pendingInputBytes = 0
  /** Server turn detection: audio at speech level was sent since the server's last commit (it will end that turn). */
  #speechSinceCommit = false
  /** Server turn detection: the server ended a turn with no response open, so it starts one (`create_response`). */
  #answerDue = false
  /** Audio of the response being read, received but not yet handed out by `recvAudio`. */
  #queue: AudioChunk[] = []
  #clientEventSeq = 0
  /** Client events whose failure must not fail the caller (truncation only keeps the model's memory honest). */
  #bookkeepingEventIds = new Set<string>()
  /** `performance.now()` when the socket chunk being parsed arrived (set around `ws`'s own 'data' listener). */
  #chunkAt: number | undefined = undefined
  /** Deadlines of the waiting calls, and the one timer that watches them (see #watchDeadline). */
  #deadlines = new Set<Deadline>()
  #deadlineTimer: NodeJS.Timeout | null = null
  #deadlineTimerAt = Infinity
  #toolHandlers = new Map<string, ToolHandler>()
  #manualTools: boolean
  #toolTimeoutMs: number
  /** The tool work of each response whose calls this adapter answers. */
  #toolWork = new Map<ResponseRecord, ToolWork>()
  /** A tool call that could not be answered: fails the next (or the waiting) `recvAudio`. */
  #toolError: ToolCallError | null = null

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
    const { handlers, manual, wireTools } = toolOptions(options)
    this.#toolHandlers = handlers
    this.#manualTools = manual
    this.tools = wireTools
    const toolTimeout = options.toolTimeoutMs ?? 10_000
    if (typeof toolTimeout !== 'number' || !Number.isFinite(toolTimeout) || toolTimeout <= 0) {
      throw new InvalidOptionError(`option "toolTimeoutMs" must be a positive number of ms, got ${String(options.toolTimeoutMs)}`)
    }
    this.#toolTimeoutMs = toolTimeout
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
    this.#headerSecrets = credentialHeaderValues(this.#headers)
    this.#redactor = createRedactor([this.#apiKey, ...this.#headerSecrets])
    this.#wsOptions = { ...options.wsOptions }
    this.#connectTimeoutMs = timeout
    this.#logger = options.logger ?? console
    this.keepAudio = keepAudioOption(options.keepAudio)
    this.turnDetection = turnDetectionOption(options.turnDetection)
    this.#conversation = new Conversation({
      timelineLimit: options.timelineLimit,
      redact: (text) => this.#redact(text),
      keepAudio: this.keepAudio,
      serverTurns: this.turnDetection !== null,
      serverInterrupts: this.turnDetection !== null && this.turnDetection.interrupt_response !== false,
    })
  }

  // ---- observation (read-only views used by matchers, snapshots and recordings) ----

  /** Every event sent and received, timestamped at the socket (bounded). */
  get timeline(): readonly TimelineEntry[] {
    return this.#conversation.timeline
  }
  /** User turns in order, each with its response. */
  get turns(): readonly TurnRecord[] {
    return this.#conversation.turns
  }
  /** Every response seen, including ones the server started on its own. */
  get responses(): readonly ResponseRecord[] {
    return this.#conversation.responses
  }
  /** The response of the latest turn (the one `recvAudio` reads). */
  get currentResponse(): ResponseRecord | null {
    return this.#conversation.currentResponse
  }
  /** Function calls made by the model, in order. */
  get toolCalls(): readonly ToolCallRecord[] {
    return this.#conversation.toolCalls
  }
  /** Server errors received (routine ones such as `response_cancel_not_active` excluded; the newest 100). */
  get errors(): readonly RealtimeServerError[] {
    return this.#conversation.errors
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
  /** The records, for the matchers and reports of this package. */
  get [CONVERSATION](): Conversation {
    return this.#conversation
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
    // No UTF-8 check of whole frames by `ws`: audio deltas are read from their bytes (only their short rest is
    // decoded as text), and a frame that is not UTF-8 is decoded with replacement characters and kept as evidence
    // rather than closing the connection (1007). A check of every byte of every frame costs ~1 µs per audio delta.
    const socket = new WebSocket(this.url, { perMessageDeflate: false, skipUTF8Validation: true, ...this.#wsOptions, headers })
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
        const received = this.#receivedSince(started)
        settle(
          new RealtimeTimeoutError(
            this.#redact(
              `connect() timed out after ${this.#connectTimeoutMs} ms waiting for session.updated from ${this.url}; ` +
                `received: ${received.length ? received.join(', ') : socket.readyState === WebSocket.OPEN ? 'nothing after the upgrade' : 'no upgrade response'}`,
            ),
            this.#connectTimeoutMs,
            received,
          ),
        )
      }, this.#connectTimeoutMs)
      const onUnexpected = (_req: unknown, res: IncomingMessage) => {
        // The status is known now: a body that never ends must not turn it into a connect timeout.
        readBody(res, 64 * 1024, Math.min(1000, this.#connectTimeoutMs / 2)).then((body) =>
          settle(new RealtimeHandshakeError(res.statusCode ?? 0, this.#redact(describeHttpError(body)))),
        )
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
                  this.#redact(
                    `connection closed (${this.#close.code}${this.#close.reason ? ` ${this.#close.reason}` : ''}) before the session was configured; received: ${this.#receivedSince(started).join(', ') || 'nothing'}`,
                  ),
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
      // Frames are stamped when their bytes arrive: `ws` parses a received chunk and emits its frames synchronously in
      // the socket's 'data' event, so a listener ahead of its own gives every frame of that chunk the instant the
      // chunk arrived, and a frame behind others in the chunk is not stamped late by the time they took. A listener
      // after it clears the stamp: a frame emitted later (compressed frames inflate asynchronously) is stamped then.
      socket.once('upgrade', (res: IncomingMessage) => {
        res.socket?.prependListener('data', () => (this.#chunkAt = performance.now()))
      })
      socket.on('open', () => {
        ;(socket as unknown as { _socket?: NodeJS.EventEmitter })._socket?.on('data', () => (this.#chunkAt = undefined))
        this.#send({ type: 'session.update', session: this.#sessionConfig() })
      })
      socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
      socket.on('close', (code, reason) => this.#onClose(code, reason.toString()))
    })
  }

  async disconnect(): Promise<void> {
    this.#abandonToolWork()
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
    const data = userAudio(this.#conversation, chunk.data)
    this.#pendingInputBytes += data.length
    if (this.turnDetection !== null && !this.#speechSinceCommit) this.#speechSinceCommit = holdsSpeechLevel(data)
    this.#send({ type: 'input_audio_buffer.append', audio: data.toString('base64') }, data.length)
  }

  async sendText(text: string): Promise<void> {
    this.#assertOpen('sendText')
    if (typeof text !== 'string' || text.trim() === '') {
      throw new InvalidOptionError('sendText(text): text must be a non-empty string')
    }
    if (this.#pendingInputBytes > 0) this.#commitAudio()
    this.#send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    })
    this.#requestResponse(userText(this.#conversation, text, performance.now()))
  }

  /** Returns a tool result to the model and (by default) asks for the next response. */
  async sendToolResult(callId: string, output: unknown, options: { respond?: boolean } = {}): Promise<void> {
    this.#assertOpen('sendToolResult')
    if (typeof callId !== 'string' || !callId) throw new InvalidOptionError('sendToolResult(callId): callId must be a non-empty string')
    const text = typeof output === 'string' ? output : (JSON.stringify(output) ?? 'null')
    this.#sendToolOutput(callId, text)
    if (options.respond ?? true) {
      // The answer to a tool call belongs to the turn that made it; an unknown call id (answered before it was seen)
      // joins the latest turn.
      const turn = turnOfToolCall(this.#conversation, callId) ?? this.#conversation.turns[this.#conversation.turns.length - 1]
      for (const [response, work] of this.#toolWork) {
        if (!response.toolCalls.some((c) => c.callId === callId)) continue
        // The test asks for the follow-up: the adapter does not ask again, but the outputs of this response's
        // handlers still go out (now, when ready; else when each handler settles).
        work.followedUp = true
        this.#maybeFollowUp(response)
      }
      if (turn) this.#requestResponse(turn, true)
      else this.#requestResponse(userText(this.#conversation, '', performance.now()))
    }
  }

  recvAudio(timeoutMs: number): Promise<AudioChunk | null> {
    // Not an async function: it runs once per chunk, and an async function returning #waitFor's promise costs two
    // more microtask turns per call. Errors still come back as rejections, never as throws.
    try {
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
        throw new InvalidOptionError(`recvAudio(timeoutMs): timeoutMs must be a non-negative number, got ${String(timeoutMs)}`)
      }
      this.#assertOpen('recvAudio')
      // With server turn detection the server ends the turn (its VAD), never the reader.
      if (this.#pendingInputBytes > 0 && this.turnDetection === null) this.#endAudioTurn()
      // A chunk already received is handed out at once, as #waitFor would, without setting up a wait.
      if (this.#queue.length && !this.#pendingError && !this.#toolError) return Promise.resolve(this.#queue.shift()!)
      return this.#waitFor(this.#nextChunk, timeoutMs, this.#recvTimeout(timeoutMs, this.#conversation.currentResponse?.requestedAt ?? performance.now()))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** What a waiting `recvAudio` resolves with: the next queued chunk, `null` once the response ended, else nothing yet. */
  readonly #nextChunk = (): AudioChunk | null | undefined => {
    if (this.#queue.length) return this.#queue.shift()!
    const current = this.#conversation.currentResponse
    // After tool calls the turn goes on: the follow-up response (asked for once the handlers answered) is read next.
    if (current && !isResponseOpen(current) && !current.awaitingFollowUp) {
      // Server turn detection: the caller spoke since the server's last commit, or the server owes an answer; its
      // response is the next one to read, not the end of this one.
      if (this.#awaitingServer()) return undefined
      return null
    }
    return undefined
  }

  /** The timeout error of `recvAudio`, naming everything received since the response was asked for (`started`). */
  #recvTimeout(timeoutMs: number, started: number): () => Error {
    return () => {
      const received = this.#receivedSince(started)
      const waitingFor = this.#awaitingServer()
        ? this.#speechSinceCommit
          ? "the server's turn detection to end the caller's turn (send silence after the speech) and answer it"
          : 'the response the server starts for the turn its turn detection ended'
        : this.#conversation.currentResponse
          ? `audio of response ${this.#conversation.currentResponse.id ?? '(requested, not yet created)'}`
          : 'a response, but none was requested (send audio or text first)'
      return new RealtimeTimeoutError(
        this.#redact(
          `recvAudio timed out after ${timeoutMs} ms waiting for ${waitingFor}; received since it was requested: ${received.length ? received.join(', ') : 'nothing'}`,
        ),
        timeoutMs,
        received,
      )
    }
  }

  async interrupt(): Promise<void> {
    this.#assertOpen('interrupt')
    const now = performance.now()
    const { active, truncate } = interrupted(this.#conversation, now)
    // What was received but not yet handed out would never be played: drop it.
    this.#queue.length = 0
    // Responses still held back will never be asked for.
    for (const record of this.#deferred.splice(0)) responseAbandoned(this.#conversation, record, now)
    // Running tool handlers are aborted: an interrupted turn gets no follow-up.
    this.#abandonToolWork()
    this.#send({ type: 'response.cancel' })
    if (truncate && active.length) {
      const eventId = `evt_ev_${++this.#clientEventSeq}`
      this.#bookkeepingEventIds.add(eventId)
      this.#send({ type: 'conversation.item.truncate', event_id: eventId, item_id: truncate.itemId, content_index: 0, audio_end_ms: truncate.audioEndMs })
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
        input: { format, turn_detection: this.turnDetection, transcription: { model: this.transcriptionModel } },
        output: { format, voice: this.voice },
      },
    }
  }

  /** Server turn detection: a turn the server has yet to end, or to answer, comes before the end of reading. */
  #awaitingServer(): boolean {
    return this.turnDetection !== null && (this.#speechSinceCommit || this.#answerDue)
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
    recordSent(this.#conversation, String(event.type), performance.now(), audioBytes)
  }

  #commitAudio(): TurnRecord {
    this.#pendingInputBytes = 0
    this.#send({ type: 'input_audio_buffer.commit' })
    return userAudioCommitted(this.#conversation, performance.now())
  }

  /** The end of the user turn: commit the pending audio and ask for a response. */
  #endAudioTurn(): void {
    this.#requestResponse(this.#commitAudio())
  }

  /** `followUp`: the response answers tool calls of `turn`; audio of its earlier response still queued is kept. */
  #requestResponse(turn: TurnRecord, followUp = false): void {
    const record = responseRequested(this.#conversation, turn, performance.now())
    if (!followUp) {
      this.#queue.length = 0
      // A new user turn starts clean: a tool call of an earlier turn that failed after its wait gave up is not this turn's.
      this.#toolError = null
    }
    // A second response.create while one is active is refused by the server: hold it until response.done.
    if (hasOpenResponse(this.#conversation, record)) this.#deferred.push(record)
    else this.#sendResponseCreate(record)
  }

  #sendResponseCreate(record: ResponseRecord): void {
    const eventId = `evt_ev_${++this.#clientEventSeq}`
    responseCreateSent(this.#conversation, record, eventId, performance.now())
    this.#send({ type: 'response.create', event_id: eventId })
  }

  // ---- tool calls ----

  /** A function call arrived (its arguments complete): run its handler, or leave it to the test, or fail it. */
  #onToolCall(call: ToolCallRecord): void {
    // A malformed event (no name or no call id) cannot be answered: it stays recorded, as evidence, and nothing runs.
    if (call.name === '' || call.callId === '') return
    const response = this.#conversation.responses.findLast((r) => r.toolCalls.includes(call))
    if (!response) return
    // A call that finishes arriving after interrupt() belongs to a cancelled response: recorded, never answered.
    if (response.interruptedAt !== null) return
    let work = this.#toolWork.get(response)
    if (!work) {
      work = { running: new Map(), outputs: [], manual: false, failed: false, followedUp: false }
      this.#toolWork.set(response, work)
    }
    const handler = this.#toolHandlers.get(call.name)
    if (!handler) {
      if (this.#manualTools) {
        // The test answers this call with sendToolResult, which asks for the follow-up.
        work.manual = true
        followUpAwaited(this.#conversation, response, false)
        return
      }
      return this.#failToolCall(response, work, call, 'no-handler', undefined, this.#tools())
    }
    let args: unknown
    try {
      args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments)
    } catch (err) {
      return this.#failToolCall(response, work, call, 'invalid-arguments', err)
    }
    if (!work.manual && !work.failed) followUpAwaited(this.#conversation, response, true)
    const controller = new AbortController()
    const run: ToolRun = { controller, timer: undefined }
    work.running.set(call, run)
    toolCallStarted(this.#conversation, call, performance.now())
    run.timer = setTimeout(() => {
      controller.abort(new Error(`tool handler timed out after ${this.#toolTimeoutMs} ms`))
      this.#failToolCall(response, work, call, 'timeout')
    }, this.#toolTimeoutMs)
    const ctx: ToolHandlerContext = { callId: call.callId, name: call.name, signal: controller.signal }
    // A handler that throws synchronously is a rejection like any other; none is ever left unhandled.
    new Promise<unknown>((resolve) => resolve(handler(args, ctx))).then(
      (result) => {
        if (work.running.get(call) !== run) return
        this.#endRun(work, call)
        let output: string
        try {
          output = JSON.stringify(result) ?? 'null'
        } catch (err) {
          return this.#failToolCall(response, work, call, 'threw', err)
        }
        toolCallSettled(this.#conversation, call, performance.now())
        work.outputs.push({ callId: call.callId, output })
        this.#maybeFollowUp(response)
      },
      (err: unknown) => {
        if (work.running.get(call) !== run) return
        this.#failToolCall(response, work, call, 'threw', err)
      },
    )
  }

  #endRun(work: ToolWork, call: ToolCallRecord): void {
    const run = work.running.get(call)
    if (!run) return
    clearTimeout(run.timer)
    work.running.delete(call)
  }

  #failToolCall(response: ResponseRecord, work: ToolWork, call: ToolCallRecord, reason: ToolCallFailure, cause?: unknown, known?: string): void {
    this.#endRun(work, call)
    work.failed = true
    const what = `tool "${call.name}" (call ${call.callId})`
    const detail =
      reason === 'no-handler'
        ? `${what} has no handler${known ? ` (handlers: ${known})` : ''}: give the tool an \`execute\` in \`tools\`, or \`toolHandlers: { ${call.name}: (args) => … }\`; ` +
          "or pass `toolHandlers: 'manual'` and answer it with `agent.sendToolResult(callId, output)`"
        : reason === 'invalid-arguments'
          ? `${what}: its arguments are not valid JSON: ${JSON.stringify(call.arguments)}`
          : reason === 'timeout'
            ? `${what}: the handler did not settle within ${this.#toolTimeoutMs} ms (toolTimeoutMs)`
            : `${what}: the handler threw: ${describeError(cause)}`
    const message = this.#redact(detail)
    toolCallSettled(this.#conversation, call, performance.now(), message)
    followUpAwaited(this.#conversation, response, false)
    // The first failure is the one reported; the turn gets no follow-up either way.
    this.#toolError ??= new ToolCallError(message, call.name, call.callId, reason, cause === undefined ? undefined : { cause })
    this.#notify()
  }

  /** Once the response is done and every call has its output: send the outputs, then ask for the follow-up. */
  #maybeFollowUp(response: ResponseRecord): void {
    const work = this.#toolWork.get(response)
    if (!work || work.failed) return
    if (isResponseOpen(response) || response.interruptedAt !== null || this.#state !== 'open') return
    // Outputs go out once the response is done, so they follow its function_call items in the conversation.
    for (const { callId, output } of work.outputs.splice(0)) this.#sendToolOutput(callId, output)
    if (work.running.size > 0) return
    // Asked for already (by the test's sendToolResult), or left to it (a call answered by hand).
    if (work.followedUp || work.manual) {
      if (work.followedUp) this.#toolWork.delete(response)
      return
    }
    work.followedUp = true
    this.#toolWork.delete(response)
    const turn = turnOfToolCall(this.#conversation, response.toolCalls[0]!.callId)
    if (turn) this.#requestResponse(turn, true)
    else followUpAwaited(this.#conversation, response, false)
  }

  #sendToolOutput(callId: string, output: string): void {
    this.#send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } })
    toolOutputSent(this.#conversation, callId, output, performance.now())
  }

  /** Stops every running handler (interrupt, disconnect): no output, no follow-up, no error. */
  #abandonToolWork(): void {
    for (const [response, work] of this.#toolWork) {
      for (const [call, run] of work.running) {
        clearTimeout(run.timer)
        run.controller.abort(new Error('the turn was interrupted or the adapter disconnected'))
        work.running.delete(call)
      }
      work.failed = true
      if (response.awaitingFollowUp) followUpAwaited(this.#conversation, response, false)
    }
    this.#toolWork.clear()
  }

  #tools(): string {
    return [...this.#toolHandlers.keys()].join(', ') || 'none'
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const at = this.#chunkAt ?? performance.now()
    const frame = decodeFrame(data, isBinary, this.#conversation.audio)
    if ('skipped' in frame) {
      recordSkippedFrame(this.#conversation, frame.skipped, at)
      return
    }
    const { event, type, legacyType } = frame
    if (legacyType && !this.#warnedLegacy.has(legacyType)) {
      this.#warnedLegacy.add(legacyType)
      this.#logger.warn(
        `expect-voice: the server sent the legacy beta event "${legacyType}"; treating it as "${type}". ` +
          'GA servers send the new name; this warning appears once per event name per adapter.',
      )
    }
    if (type === 'session.updated' && this.#state === 'connecting') this.#state = 'open'
    try {
      const reading = this.#conversation.currentResponse
      const outcome = applyServerEvent(this.#conversation, type, event, at, frame.decoded ? DECODED_SPAN : undefined)
      if (this.turnDetection !== null) {
        // The server committed the audio sent so far (its turn detection): nothing is pending any more; it answers
        // the turn unless a response is still open or it was told not to.
        if (type === 'input_audio_buffer.committed') {
          this.#pendingInputBytes = 0
          this.#speechSinceCommit = false
          this.#answerDue = this.turnDetection.create_response !== false && !hasOpenResponse(this.#conversation)
        }
        if (type === 'input_audio_buffer.cleared') this.#speechSinceCommit = false
        if (type === 'response.created') this.#answerDue = false
        // A response the server started for the next turn: what was queued of the one before is never played.
        if (this.#conversation.currentResponse !== reading) this.#queue.length = 0
      }
      if (outcome.chunk) this.#queue.push(outcome.chunk)
      if (outcome.toolCall) this.#onToolCall(outcome.toolCall)
      if (outcome.done) {
        const next = this.#deferred.shift()
        if (next) this.#sendResponseCreate(next)
        this.#maybeFollowUp(outcome.done)
      }
      // The server started a response we did not ask for; ask again once it is done.
      if (outcome.retry) this.#deferred.unshift(outcome.retry)
      if (outcome.error && !(outcome.error.eventId && this.#bookkeepingEventIds.has(outcome.error.eventId))) this.#pendingError = outcome.error
    } catch (err) {
      // A malformed event (wrong field types) must not kill the socket handler; keep it as evidence.
      recordSkippedFrame(this.#conversation, `(malformed ${type} skipped: ${(err as Error).message})`, at)
    }
    this.#notify()
  }

  #onClose(code: number, reason: string): void {
    const socketError = this.#socketError
    this.#close = { code, reason: this.#redact(reason) || (socketError ? `client error: ${socketError}` : '') }
    this.#state = 'closed'
    // No output can be sent any more: stop the handlers and their timers now rather than at disconnect().
    this.#abandonToolWork()
    recordClose(this.#conversation, code, performance.now())
    this.#notify()
  }

  #notify(): void {
    // Called for every frame: no copy of the set when at most one waits (a listener removes only itself).
    const listeners = this.#listeners
    if (listeners.size === 0) return
    if (listeners.size === 1) for (const listener of listeners) listener()
    else for (const listener of [...listeners]) listener()
  }

  #waitFor<T>(check: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (fn: () => void) => {
        settled = true
        if (waiter) this.#forgetDeadline(waiter)
        this.#listeners.delete(tryNow)
        fn()
      }
      const tryNow = () => {
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
        const value = check()
        if (value !== undefined) return finish(() => resolve(value))
        if (this.#state === 'closed') {
          const close = this.#close
          return finish(() =>
            reject(
              new RealtimeConnectionClosedError(
                close
                  ? this.#redact(
                      `connection closed (${close.code}${close.reason ? ` ${close.reason}` : ''}) while waiting for audio; received before the close: ${this.#receivedSince(this.#conversation.currentResponse?.requestedAt ?? started).join(', ') || 'nothing'}`,
                    )
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
      let waiter: Deadline | undefined
      this.#listeners.add(tryNow)
      tryNow()
      // Only a call that has to wait needs a deadline: a queued chunk is handed out at once.
      if (!settled) {
        waiter = { at: started + timeoutMs, expire: () => finish(() => reject(onTimeout())) }
        this.#watchDeadline(waiter, timeoutMs)
      }
    })
  }

  /**
   * One timer per adapter for the deadlines of waiting calls, instead of one `setTimeout`/`clearTimeout` pair per
   * wait: a receive loop that outpaces the server waits once per chunk, and arming and clearing a timer cost more
   * than handling the chunk. The timer stays armed (unref'd while nobody waits) and re-arms itself on firing.
   */
  #watchDeadline(waiter: Deadline, timeoutMs: number): void {
    this.#deadlines.add(waiter)
    if (this.#deadlineTimer === null || waiter.at < this.#deadlineTimerAt) {
      if (this.#deadlineTimer !== null) clearTimeout(this.#deadlineTimer)
      this.#deadlineTimerAt = waiter.at
      this.#deadlineTimer = setTimeout(() => this.#onDeadline(), timeoutMs)
    } else if (this.#deadlines.size === 1) {
      this.#deadlineTimer.ref()
    }
  }

  #forgetDeadline(waiter: Deadline): void {
    this.#deadlines.delete(waiter)
    if (this.#deadlines.size === 0) this.#deadlineTimer?.unref()
  }

  #onDeadline(): void {
    this.#deadlineTimer = null
    const now = performance.now()
    // Node's timers may fire a fraction of a millisecond before performance.now() reaches the deadline.
    for (const waiter of [...this.#deadlines]) if (waiter.at <= now + 1) waiter.expire()
    let next = Infinity
    for (const waiter of this.#deadlines) next = Math.min(next, waiter.at)
    if (next === Infinity) return
    this.#deadlineTimerAt = next
    this.#deadlineTimer = setTimeout(() => this.#onDeadline(), Math.max(1, next - now))
  }

  /** What arrived since `since`, for error messages: bounded, and redacted (servers choose event types too). */
  #receivedSince(since: number): string[] {
    return this.#conversation.log.summarizeSince(since).map((type) => this.#redact(type))
  }

  #redact(text: string): string {
    return this.#redactor(text)
  }

  /** Removes this adapter's credentials (and anything key-like) from `text`: used for matcher messages. */
  [REDACT](text: string): string {
    return this.#redact(text)
  }

  /** Where and how the judge and the transcriber reach OpenAI's HTTP endpoints for this agent (see `HTTP_ACCESS`). */
  [HTTP_ACCESS](): HttpAccess {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(this.#headers))
      if (/^(authorization|api-key|openai-organization|openai-project)$/i.test(name)) headers[name] = value
    if (this.#apiKey) headers.Authorization = `Bearer ${this.#apiKey}`
    const ca = (this.#wsOptions as { ca?: HttpAccess['ca'] }).ca
    return { url: this.url, headers, ...(ca !== undefined ? { ca } : {}) }
  }

  [inspect.custom](): string {
    return `OpenAIRealtimeAdapter { url: '${this.url}', model: '${this.model}', role: '${this.role}', state: '${this.#state}' }`
  }

  toJSON(): Record<string, unknown> {
    return { adapter: 'OpenAIRealtimeAdapter', url: this.url, model: this.model, role: this.role, state: this.#state }
  }
}

interface ToolRun {
  controller: AbortController
  timer: NodeJS.Timeout | undefined
}

/** What the adapter is doing about one response's tool calls. */
interface ToolWork {
  running: Map<ToolCallRecord, ToolRun>
  /** Outputs ready to send, in the order the handlers finished. */
  outputs: Array<{ callId: string; output: string }>
  /** A call of the response is left to the test (`toolHandlers: 'manual'`): it asks for the follow-up. */
  manual: boolean
  failed: boolean
  followedUp: boolean
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  try {
    return JSON.stringify(err) ?? String(err)
  } catch {
    return String(err)
  }
}

/** The handlers by name, whether calls without one are answered by hand, and the tools as sent on the wire. */
function toolOptions(options: OpenAIRealtimeAdapterOptions): { handlers: Map<string, ToolHandler>; manual: boolean; wireTools: FunctionTool[] | undefined } {
  const handlers = new Map<string, ToolHandler>()
  const given = options.toolHandlers
  if (given !== undefined && given !== 'manual' && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw new InvalidOptionError(
      `option "toolHandlers" must be an object of functions by tool name, or 'manual', got ${given === null ? 'null' : typeof given === 'string' ? JSON.stringify(given) : typeof given}`,
    )
  }
  if (given && given !== 'manual') {
    for (const [name, handler] of Object.entries(given)) {
      if (typeof handler !== 'function') throw new InvalidOptionError(`option "toolHandlers.${name}" must be a function, got ${typeof handler}`)
      handlers.set(name, handler)
    }
  }
  if (options.tools !== undefined && !Array.isArray(options.tools)) {
    throw new InvalidOptionError(`option "tools" must be an array of function tools, got ${typeof options.tools}`)
  }
  const wireTools = options.tools?.map((tool, i) => {
    if (tool === null || typeof tool !== 'object')
      throw new InvalidOptionError(`option "tools[${i}]" must be a function tool object, got ${tool === null ? 'null' : typeof tool}`)
    // `execute` is ours: the session only takes the wire shape.
    const { execute, ...wire } = tool
    if (execute !== undefined) {
      if (typeof execute !== 'function') throw new InvalidOptionError(`option "tools[${i}].execute" (${tool.name}) must be a function, got ${typeof execute}`)
      if (handlers.has(tool.name))
        throw new InvalidOptionError(`tool "${tool.name}" has two handlers: its tools[${i}].execute and toolHandlers.${tool.name}; keep one`)
      handlers.set(tool.name, execute)
    }
    return wire
  })
  return { handlers, manual: given === 'manual', wireTools }
}

/** RMS of a 20 ms frame at which sent audio counts as speech-level (-30 dBFS): the server's VAD will take it up. */
const SPEECH_LEVEL_RMS = 1000

/** True when some 20 ms frame of `pcm` (PCM16 24 kHz) reaches `SPEECH_LEVEL_RMS`. */
function holdsSpeechLevel(pcm: Buffer): boolean {
  const frame = 480
  const samples = pcm.length >> 1
  for (let start = 0; start < samples; start += frame) {
    const end = Math.min(samples, start + frame)
    let sum = 0
    for (let i = start; i < end; i++) {
      const x = pcm.readInt16LE(i * 2)
      sum += x * x
    }
    if (sum / (end - start) >= SPEECH_LEVEL_RMS * SPEECH_LEVEL_RMS) return true
  }
  return false
}
