/**
 * One client connection: the GA protocol state machine (session, input audio buffer, conversation, the active
 * response) behind a `FakeConnection`. Every client event is handled in arrival order; every server event goes
 * through `emit`, which records it, applies legacy names and keeps `rate_limits.updated` right after
 * `response.done`.
 */
import type { IncomingMessage } from 'node:http'
import { inspect } from 'node:util'
import type { RawData, WebSocket } from 'ws'
import { ExpectVoiceError, InvalidOptionError } from '../errors/index.js'
import { LEGACY_EVENT_ALIASES, PCM_RATE, type ClientEvent, type ServerEvent } from '../protocol/events.js'
import { Conversation, itemText, wireItem, type StoredItem } from './conversation.js'
import { closeSocket, responseCreateError } from './faults.js'
import { wordFragments } from './fragments.js'
import type { Refusal } from './handshake.js'
import { redactHeaders, redactQuery } from './handshake.js'
import { IdFactory } from './ids.js'
import { isUsableCloseCode, normaliseReply, type ResolvedOptions } from './options.js'
import { protocolErrors, type ErrorBody } from './protocol-errors.js'
import { seededRandom } from '../audio/random.js'
import { obfuscation } from './random.js'
import { ActiveResponse, type PreparedReply, type ResponderHost } from './responder.js'
import { applySessionUpdate, defaultSession, sessionView } from './session-config.js'
import { TimerSet } from './timers.js'
import type { FakeConnection, FakeReply, FakeReplyContext, FakeResponseRecord, FakeSessionConfig, FakeToolOutput } from './types.js'
import { EnergyVad, vadSettings } from './vad.js'
import { detectDtmf } from '../audio/dtmf.js'
import { MAX_JSON_DEPTH, boundDepth, nestedDeeperThan } from '../loopback/frames.js'

type Json = Record<string, unknown>

const MIN_COMMIT_BYTES = 4800 // 100 ms of 24 kHz PCM16
const BYTES_PER_MS = 48
const RATE_LIMIT_TOKENS = 40_000
/** Live sends rate_limits.updated ~43 ms after response.done; we wait a little, but never let another event pass it. */
const RATE_LIMITS_DELAY_MS = 5
/** A client that has not answered a ping by then is taken not to answer them: deltas are then paced by flushes only. */
const PONG_TIMEOUT_MS = 500

/** GA name -> beta name for `legacyEventNames`; null = the beta protocol had no such event. */
const TO_LEGACY: Record<string, string | null> = {
  ...Object.fromEntries(Object.entries(LEGACY_EVENT_ALIASES).map(([legacy, ga]) => [ga, legacy])),
  'conversation.item.done': null,
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export class FakeConnectionImpl implements FakeConnection {
  readonly headers: Record<string, string>
  readonly path: string
  readonly query: Record<string, string>
  readonly received: ClientEvent[] = []
  readonly sent: ServerEvent[] = []
  readonly inputAudio: Buffer[] = []
  readonly responses: FakeResponseRecord[] = []
  closed = false
  closeCode?: number
  closeReason?: string

  private readonly ids: IdFactory
  private readonly timers: TimerSet
  private readonly conversation = new Conversation()
  private readonly random: () => number
  private readonly jitter: () => number
  private sessionObject: Json
  private view: FakeSessionConfig
  private pending: Buffer[] = []
  private pendingBytes = 0
  private readonly vad = new EnergyVad()
  private vadItemId: string | null = null
  private active: ActiveResponse | null = null
  /** User items since the last response started: what `userText` is made of. */
  private unanswered: StoredItem[] = []
  /** Scripted follow-ups by the call id they wait for (`FakeReply.followUp`). */
  private readonly followUps = new Map<string, NonNullable<FakeReply['followUp']>>()
  private readonly heard = new Map<string, Promise<string | null>>()
  private responseCount = 0
  private audioTurns = 0
  private rateLimitRemaining = RATE_LIMIT_TOKENS
  private deferred: { cancel: () => void } | null = null
  private closeWaiters: Array<(result: { code: number; reason: string }) => void> = []
  private readonly silent: boolean
  /** Sends not yet handed to the socket, and what waits for them (see `disconnect`). */
  private inflight = 0
  private flushed: Array<() => void> = []
  private dropping = false
  /** Pings sent after deltas, by payload, and whether this client answers pings (null: not known yet). */
  private readonly pongWaiters = new Map<string, () => void>()
  private pingCount = 0
  private answersPings: boolean | null = null
  /** When the socket chunk being parsed arrived (set ahead of `ws`'s own 'data' listener, cleared after it). */
  private chunkAt: number | undefined = undefined
  /** When the frame being handled arrived. */
  private frameAt = 0

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    req: IncomingMessage,
    url: URL,
    private readonly options: ResolvedOptions,
    private readonly onClosed: (connection: FakeConnectionImpl) => void,
  ) {
    this.headers = redactHeaders(req.headers)
    this.path = url.pathname
    this.query = redactQuery(url.searchParams)
    this.ids = new IdFactory(id)
    this.timers = new TimerSet((err) => this.internalError(err))
    // Separate streams, so adding jitter does not change the obfuscation strings (and vice versa).
    this.random = seededRandom(options.seed * 7919 + id)
    this.jitter = seededRandom(options.seed * 104_729 + id * 31)
    this.sessionObject = defaultSession(url.searchParams.get('model') ?? '', this.ids.session, Date.now())
    this.view = sessionView(this.sessionObject)
    this.silent = options.faults.neverAnswer === true
  }

  get session(): FakeSessionConfig {
    return this.view
  }

  /** Wire the socket up, then greet (session.created) or refuse (error + close) as live does. */
  start(refusal: Refusal | null): void {
    // `ws` parses a chunk and emits its frames synchronously in the socket's 'data' event: a listener ahead of its
    // own gives every frame the instant its bytes arrived, so a response's latency runs from when its
    // `response.create` arrived, not from after the frames before it (an audio commit) were handled.
    const raw = (this.ws as unknown as { _socket?: NodeJS.EventEmitter })._socket
    raw?.prependListener('data', () => (this.chunkAt = performance.now()))
    raw?.on('data', () => (this.chunkAt = undefined))
    this.ws.on('message', (data, isBinary) => this.onMessage(data, isBinary, refusal !== null))
    this.ws.on('close', (code, reason) => this.onClose(code, reason.toString()))
    this.ws.on('pong', (data) => {
      this.answersPings = true
      this.pongWaiters.get(data.toString())?.()
    })
    this.ws.on('error', () => {
      // A socket error is always followed by 'close'; nothing else to do, and it must not go unhandled.
    })
    if (this.silent) return
    if (refusal) {
      this.emit({ type: 'error', event_id: this.ids.next('event'), error: { ...refusal.error, event_id: null } })
      closeSocket(this.ws, refusal.closeCode, refusal.closeReason)
      return
    }
    this.emit({ type: 'session.created', event_id: this.ids.next('event'), session: structuredClone(this.sessionObject) })
  }

  // ---- FakeConnection -------------------------------------------------------------------------------------

  send(event: object): void {
    this.flushDeferred()
    this.write(event as ServerEvent)
  }

  sendRaw(data: string | Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN || this.dropping) return
    this.inflight++
    this.ws.send(data, { binary: Buffer.isBuffer(data) }, () => {
      if (--this.inflight === 0) for (const fn of this.flushed.splice(0)) fn()
    })
  }

  close(code = 1000, reason = ''): void {
    if (!Number.isInteger(code) || !isUsableCloseCode(code)) {
      throw new InvalidOptionError(
        `FakeConnection.close: 'code' must be 1006 or a close code a server may send (1000-1003, 1007-1014, 3000-4999), got ${String(code)}`,
      )
    }
    closeSocket(this.ws, code, reason)
  }

  /** Server shutdown: stop everything now and drop the socket without a close frame. */
  terminate(): void {
    this.ws.terminate()
    this.onClose(1006, '')
  }

  waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve({ code: this.closeCode ?? 1006, reason: this.closeReason ?? '' })
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.closeWaiters = this.closeWaiters.filter((w) => w !== done)
        reject(new ExpectVoiceError(`fake connection ${this.id} did not close within ${timeoutMs} ms`))
      }, timeoutMs)
      const done = (result: { code: number; reason: string }) => {
        clearTimeout(timer)
        resolve(result)
      }
      this.closeWaiters.push(done)
    })
  }

  /** A readable summary for logs and snapshots (no socket internals, no audio). */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      path: this.path,
      query: this.query,
      headers: this.headers,
      closed: this.closed,
      closeCode: this.closeCode,
      closeReason: this.closeReason,
      received: this.received.length,
      sent: this.sent.length,
      inputAudio: this.inputAudio.length,
      responses: this.responses.map((r) => `${r.id} ${r.status}`),
    }
  }

  [inspect.custom](): string {
    return `FakeConnection ${inspect(this.toJSON(), { depth: 3, breakLength: 120 })}`
  }

  // ---- what the responder uses (through responderHost) ----------------------------------------------------

  private emit(event: Json): void {
    if (this.silent) return
    this.flushDeferred()
    if (this.options.legacyEventNames && typeof event.type === 'string' && event.type in TO_LEGACY) {
      const legacy = TO_LEGACY[event.type]
      if (legacy === null) return
      event = { ...event, type: legacy }
    }
    this.write(event as ServerEvent)
  }

  /**
   * Fault injection: close once everything already sent has reached the socket (with permessage-deflate, sends
   * are compressed asynchronously; a 1006 `terminate()` would otherwise drop the last deltas unsent).
   */
  private disconnect(code: number, reason: string): void {
    this.dropping = true
    if (this.inflight === 0) closeSocket(this.ws, code, reason)
    else this.flushed.push(() => closeSocket(this.ws, code, reason))
  }

  private finished(response: ActiveResponse, usage: Json): void {
    if (this.active === response) this.active = null
    this.rateLimitRemaining = Math.max(0, this.rateLimitRemaining - Number(usage.total_tokens ?? 0))
    const remaining = this.rateLimitRemaining
    const used = RATE_LIMIT_TOKENS - remaining
    const send = () => {
      this.deferred = null
      this.emit({
        type: 'rate_limits.updated',
        event_id: this.ids.next('event'),
        rate_limits: [{ name: 'tokens', limit: RATE_LIMIT_TOKENS, remaining, reset_seconds: Math.round(used * 0.0015 * 1000) / 1000 }],
      })
    }
    const cancel = this.timers.after(RATE_LIMITS_DELAY_MS, send)
    this.deferred = {
      cancel: () => {
        cancel()
        send()
      },
    }
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private write(event: ServerEvent): void {
    if (this.ws.readyState !== this.ws.OPEN || this.dropping) return
    this.sent.push(event)
    this.inflight++
    this.ws.send(JSON.stringify(event), () => {
      if (--this.inflight === 0) for (const fn of this.flushed.splice(0)) fn()
    })
  }

  /**
   * Run `fn` once everything sent so far has been handed to the socket (at once when nothing is in flight).
   * Returns a function that drops the wait.
   */
  private afterFlush(fn: () => void): () => void {
    if (this.inflight === 0) {
      fn()
      return () => {}
    }
    const run = () => {
      try {
        fn()
      } catch (err) {
        this.internalError(err)
      }
    }
    this.flushed.push(run)
    return () => {
      const at = this.flushed.indexOf(run)
      if (at >= 0) this.flushed.splice(at, 1)
    }
  }

  /**
   * Run `fn` once the client has received everything sent so far: a ping follows it, and the client's pong
   * (which WebSocket clients send as soon as they parse the ping, before they act on the frames before it)
   * says it got there. A client that does not answer within PONG_TIMEOUT_MS is paced by flushes from then on.
   * Returns a function that drops the wait.
   */
  private afterDelivery(fn: () => void): () => void {
    if (this.answersPings === false || this.ws.readyState !== this.ws.OPEN || this.dropping) return this.afterFlush(fn)
    const payload = `delta-${++this.pingCount}`
    let settled = false
    let cancelTimeout = () => {}
    const drop = () => {
      settled = true
      this.pongWaiters.delete(payload)
      cancelTimeout()
    }
    const done = () => {
      if (settled) return
      drop()
      try {
        fn()
      } catch (err) {
        this.internalError(err)
      }
    }
    this.pongWaiters.set(payload, done)
    cancelTimeout = this.timers.after(PONG_TIMEOUT_MS, () => {
      if (settled) return
      this.answersPings = false
      done()
    })
    this.ws.ping(payload)
    return drop
  }

  /** The pending rate_limits.updated goes out before anything else, so the order never depends on timing. */
  private flushDeferred(): void {
    const deferred = this.deferred
    if (!deferred) return
    this.deferred = null
    deferred.cancel()
  }

  private error(body: ErrorBody, clientEventId: unknown): void {
    this.emit({
      type: 'error',
      event_id: this.ids.next('event'),
      error: { ...body, event_id: typeof clientEventId === 'string' ? clientEventId : null },
    })
  }

  private internalError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err)
    this.error({ type: 'server_error', code: null, param: null, message: `expect-voice fake server internal error: ${message}` }, null)
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.closeCode = code
    this.closeReason = reason
    this.active?.abort()
    this.active = null
    this.deferred = null
    this.flushed = []
    this.pongWaiters.clear()
    this.timers.dispose()
    for (const waiter of this.closeWaiters.splice(0)) waiter({ code, reason })
    this.onClosed(this)
  }

  private onMessage(data: RawData, isBinary: boolean, refused: boolean): void {
    this.frameAt = this.chunkAt ?? performance.now()
    try {
      if (refused) return
      if (isBinary) {
        if (!this.silent) this.error(protocolErrors.binaryFrame(), null)
        return
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8')
      let event: unknown
      try {
        event = JSON.parse(text)
      } catch {
        this.error(protocolErrors.invalidJson(), null)
        return
      }
      if (!isObject(event)) {
        this.error(protocolErrors.notAnObject(), null)
        return
      }
      if (nestedDeeperThan(event, MAX_JSON_DEPTH)) {
        // Refused before anything walks it (a recursive walk of 5,000 levels overflows the stack); kept cut short.
        this.record(boundDepth(event, MAX_JSON_DEPTH))
        if (!this.silent) this.error(protocolErrors.tooDeep(MAX_JSON_DEPTH), event.event_id)
        return
      }
      this.record(event)
      if (this.silent) return
      this.dispatch(event)
    } catch (err) {
      this.internalError(err)
    }
  }

  private record(event: Json): void {
    if (event.type === 'input_audio_buffer.append' || event.type === 'session.input_audio_buffer.append') {
      const audio = typeof event.audio === 'string' ? event.audio : ''
      const entry: ClientEvent = { type: event.type, audioBytes: Buffer.byteLength(audio, 'base64') }
      if (event.event_id !== undefined) entry.event_id = event.event_id as string
      this.received.push(entry)
    } else {
      this.received.push(event as ClientEvent)
    }
  }

  private dispatch(event: Json): void {
    const id = event.event_id
    switch (event.type) {
      case 'session.update':
        return this.onSessionUpdate(event)
      case 'input_audio_buffer.append':
      case 'session.input_audio_buffer.append':
        return this.onAppend(event)
      case 'input_audio_buffer.commit':
        return this.onCommit(event)
      case 'input_audio_buffer.clear':
        this.pending = []
        this.pendingBytes = 0
        this.vad.reset()
        this.vadItemId = null
        this.emit({ type: 'input_audio_buffer.cleared', event_id: this.ids.next('event') })
        return
      case 'conversation.item.create':
        return this.onItemCreate(event)
      case 'conversation.item.truncate':
        return this.onTruncate(event)
      case 'conversation.item.delete': {
        if (typeof event.item_id !== 'string') return this.error(protocolErrors.missingParameter('item_id'), id)
        if (!this.conversation.delete(event.item_id)) return this.error(protocolErrors.deleteUnknownItem(event.item_id), id)
        this.emit({ type: 'conversation.item.deleted', event_id: this.ids.next('event'), item_id: event.item_id })
        return
      }
      case 'conversation.item.retrieve': {
        if (typeof event.item_id !== 'string') return this.error(protocolErrors.missingParameter('item_id'), id)
        const item = this.conversation.get(event.item_id)
        if (!item) return this.error(protocolErrors.retrieveUnknownItem(event.item_id), id)
        this.emit({ type: 'conversation.item.retrieved', event_id: this.ids.next('event'), item: wireItem(item, true) })
        return
      }
      case 'response.create':
        return this.onResponseCreate(event)
      case 'response.cancel':
        return this.onCancel(event)
      case 'session.close':
        // Listed as supported by the live error message; the fake takes it as "end the session". (inferred)
        this.close(1000, '')
        return
      case undefined:
        return this.error(protocolErrors.missingEventType(), id)
      default:
        return this.error(protocolErrors.unknownEventType(event.type), id)
    }
  }

  private onSessionUpdate(event: Json): void {
    const result = applySessionUpdate(this.sessionObject, event.session, { assistantAudioPresent: this.conversation.hasAssistantAudio })
    if ('error' in result) return this.error(result.error, event.event_id)
    this.sessionObject = result.session
    this.view = sessionView(this.sessionObject)
    const snapshot = structuredClone(this.sessionObject)
    const send = () => this.emit({ type: 'session.updated', event_id: this.ids.next('event'), session: snapshot })
    const delay = this.options.faults.sessionUpdateDelayMs ?? 0
    if (delay > 0) this.timers.after(delay, send)
    else send()
  }

  private onAppend(event: Json): void {
    if (event.audio === undefined) return this.error(protocolErrors.missingParameter('audio'), event.event_id)
    if (typeof event.audio !== 'string') return this.error(protocolErrors.invalidType('audio', 'a string', event.audio), event.event_id)
    if (event.audio !== '' && !/^[A-Za-z0-9+/]*={0,2}$/.test(event.audio)) return this.error(protocolErrors.invalidAudio(), event.event_id)
    const pcm = Buffer.from(event.audio, 'base64')
    this.pending.push(pcm)
    this.pendingBytes += pcm.length
    const td = this.sessionObject.audio as { input: Json }
    const turnDetection = td.input.turn_detection as Json | null
    if (!turnDetection) return
    for (const change of this.vad.feed(pcm, vadSettings(turnDetection))) {
      if (change.type === 'start') {
        this.vadItemId = this.ids.next('item')
        this.emit({ type: 'input_audio_buffer.speech_started', event_id: this.ids.next('event'), audio_start_ms: change.audioStartMs, item_id: this.vadItemId })
        if (this.active && turnDetection.interrupt_response !== false && this.options.honourCancel) this.active.cancel('turn_detected')
      } else {
        const itemId = this.vadItemId ?? this.ids.next('item')
        this.vadItemId = null
        this.emit({ type: 'input_audio_buffer.speech_stopped', event_id: this.ids.next('event'), audio_end_ms: change.audioEndMs, item_id: itemId })
        this.commit(itemId)
        if (turnDetection.create_response !== false && !this.active) this.startResponse({})
      }
    }
  }

  private onCommit(event: Json): void {
    if (this.pendingBytes < MIN_COMMIT_BYTES) {
      // Live keeps the buffer on this error (inferred): more audio and a new commit still work.
      return this.error(protocolErrors.commitEmpty(this.pendingBytes / BYTES_PER_MS), event.event_id)
    }
    const itemId = this.vadItemId ?? this.ids.next('item')
    this.vadItemId = null
    this.commit(itemId)
  }

  private commit(itemId: string): void {
    const audio = Buffer.concat(this.pending)
    this.pending = []
    this.pendingBytes = 0
    this.vad.reset()
    const item: StoredItem = {
      id: itemId,
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
      audio,
      source: 'audio',
    }
    const previous = this.conversation.insert(item) ?? null
    this.inputAudio.push(audio)
    this.unanswered.push(item)
    this.emit({ type: 'input_audio_buffer.committed', event_id: this.ids.next('event'), previous_item_id: previous, item_id: itemId })
    this.emit({ type: 'conversation.item.added', event_id: this.ids.next('event'), previous_item_id: previous, item: wireItem(item) })
    this.emit({ type: 'conversation.item.done', event_id: this.ids.next('event'), previous_item_id: previous, item: wireItem(item) })
    this.listenForKeys(item, audio)
    this.transcribe(item, audio)
  }

  /**
   * Telephone keys in the committed audio. The GA WebSocket protocol has no DTMF of its own; a SIP session announces
   * each key with `input_audio_buffer.dtmf_event_received`, and so does the fake, for keys it finds in the audio.
   */
  private listenForKeys(item: StoredItem, audio: Buffer): void {
    if (!this.options.dtmf || audio.length < MIN_COMMIT_BYTES) return
    const { keys } = detectDtmf({ data: audio, sampleRate: PCM_RATE })
    if (keys === '') return
    item.dtmf = keys
    for (const key of keys) {
      this.emit({ type: 'input_audio_buffer.dtmf_event_received', event_id: this.ids.next('event'), event: key, received_at: Math.floor(Date.now() / 1000) })
    }
  }

  /**
   * Run the transcriber. Its text is what the fake "heard" (it feeds `userText` even when the session has no
   * input transcription). The transcription events go out only when `audio.input.transcription` is set.
   */
  private transcribe(item: StoredItem, audio: Buffer): void {
    const turn = this.audioTurns++
    const input = (this.sessionObject.audio as { input: Json }).input
    const announce = input.transcription !== null && input.transcription !== undefined
    let result: string | null | Promise<string | null>
    try {
      result = this.options.transcribe(audio, { turn })
    } catch (err) {
      result = Promise.reject(err)
    }
    const settle = (text: string | null, failure?: unknown) => {
      const transcript = typeof text === 'string' ? text : ''
      item.heard = transcript
      if (!announce || this.closed) return
      if (failure !== undefined) {
        const message = failure instanceof Error ? failure.message : String(failure)
        this.emit({
          type: 'conversation.item.input_audio_transcription.failed',
          event_id: this.ids.next('event'),
          item_id: item.id,
          content_index: 0,
          error: { type: 'server_error', code: 'transcription_failed', message: `Input transcription failed: ${message}` },
        })
        return
      }
      const part = item.content?.[0]
      if (part) part.transcript = transcript
      for (const delta of wordFragments(transcript)) {
        this.emit({
          type: 'conversation.item.input_audio_transcription.delta',
          event_id: this.ids.next('event'),
          item_id: item.id,
          content_index: 0,
          delta,
          obfuscation: obfuscation(this.random),
        })
      }
      const audioTokens = Math.ceil(audio.length / BYTES_PER_MS / 100)
      const outputTokens = Math.ceil(transcript.length / 4)
      this.emit({
        type: 'conversation.item.input_audio_transcription.completed',
        event_id: this.ids.next('event'),
        item_id: item.id,
        content_index: 0,
        transcript,
        usage: {
          type: 'tokens',
          total_tokens: audioTokens + outputTokens,
          input_tokens: audioTokens,
          input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
          output_tokens: outputTokens,
        },
      })
    }
    const delay = this.options.transcriptionDelayMs
    if (!(result instanceof Promise)) {
      const text = result
      this.heard.set(item.id, Promise.resolve(text))
      if (delay > 0) {
        item.heard = typeof text === 'string' ? text : ''
        this.timers.after(delay, () => settle(text))
      } else settle(text)
      return
    }
    const heard = result.then(
      (text) => {
        item.heard = typeof text === 'string' ? text : ''
        return typeof text === 'string' ? text : null
      },
      () => null,
    )
    this.heard.set(item.id, heard)
    const started = Date.now()
    result.then(
      (text) => this.timers.after(Math.max(0, delay - (Date.now() - started)), () => settle(typeof text === 'string' ? text : null)),
      (err: unknown) => this.timers.after(Math.max(0, delay - (Date.now() - started)), () => settle(null, err ?? 'transcriber failed')),
    )
  }

  private onItemCreate(event: Json): void {
    const id = event.event_id
    const raw = event.item
    if (raw === undefined) return this.error(protocolErrors.missingParameter('item'), id)
    if (!isObject(raw)) return this.error(protocolErrors.invalidType('item', 'an object', raw), id)
    const types = ['message', 'function_call', 'function_call_output']
    if (!types.includes(raw.type as string)) return this.error(protocolErrors.invalidValue('item.type', raw.type, types), id)
    if (raw.id !== undefined && (typeof raw.id !== 'string' || this.conversation.has(raw.id))) {
      return this.error(protocolErrors.duplicateItemId(String(raw.id)), id)
    }
    const itemId = typeof raw.id === 'string' ? raw.id : this.ids.next('item')
    let item: StoredItem
    let spoken: Buffer | null = null
    if (raw.type === 'message') {
      const roles = ['user', 'assistant', 'system']
      if (!roles.includes(raw.role as string)) return this.error(protocolErrors.invalidValue('item.role', raw.role, roles), id)
      if (!Array.isArray(raw.content)) return this.error(protocolErrors.missingParameter('item.content'), id)
      const content: Json[] = []
      for (const [i, part] of (raw.content as unknown[]).entries()) {
        if (!isObject(part) || typeof part.type !== 'string') return this.error(protocolErrors.missingParameter(`item.content[${i}].type`), id)
        if (part.type === 'input_audio') {
          if (typeof part.audio === 'string') spoken = Buffer.from(part.audio, 'base64')
          content.push({ type: 'input_audio', transcript: typeof part.transcript === 'string' ? part.transcript : null })
        } else if (part.type === 'input_image') {
          content.push({ type: 'input_image', image_url: part.image_url, detail: part.detail ?? 'auto' })
        } else {
          content.push({ type: part.type, text: typeof part.text === 'string' ? part.text : '' })
        }
      }
      item = { id: itemId, type: 'message', status: 'completed', role: raw.role as StoredItem['role'], content }
      if (spoken) {
        item.audio = spoken
        item.source = 'audio'
      } else if (raw.role === 'user') item.source = 'text'
    } else if (raw.type === 'function_call') {
      if (typeof raw.name !== 'string') return this.error(protocolErrors.missingParameter('item.name'), id)
      item = {
        id: itemId,
        type: 'function_call',
        status: 'completed',
        name: raw.name,
        call_id: typeof raw.call_id === 'string' ? raw.call_id : this.ids.next('call'),
        arguments: typeof raw.arguments === 'string' ? raw.arguments : '',
      }
    } else {
      if (typeof raw.call_id !== 'string') return this.error(protocolErrors.missingParameter('item.call_id'), id)
      if (typeof raw.output !== 'string') return this.error(protocolErrors.missingParameter('item.output'), id)
      item = { id: itemId, type: 'function_call_output', status: 'completed', call_id: raw.call_id, output: raw.output }
    }
    const prevParam = event.previous_item_id
    if (prevParam !== undefined && prevParam !== null && typeof prevParam !== 'string') {
      return this.error(protocolErrors.invalidType('previous_item_id', 'a string', prevParam), id)
    }
    if (typeof prevParam === 'string' && prevParam !== 'root' && !this.conversation.has(prevParam)) {
      return this.error(protocolErrors.previousItemNotFound(prevParam), id)
    }
    const previous = this.conversation.insert(item, typeof prevParam === 'string' ? prevParam : undefined) ?? null
    if (item.role === 'user' || item.type === 'function_call_output') this.unanswered.push(item)
    this.emit({ type: 'conversation.item.added', event_id: this.ids.next('event'), previous_item_id: previous, item: wireItem(item) })
    this.emit({ type: 'conversation.item.done', event_id: this.ids.next('event'), previous_item_id: previous, item: wireItem(item) })
    if (spoken && item.role === 'user') {
      const given = item.content?.find((p) => p.type === 'input_audio')?.transcript
      if (typeof given === 'string') this.heard.set(item.id, Promise.resolve(given))
      else this.transcribe(item, spoken)
    }
  }

  private onTruncate(event: Json): void {
    const id = event.event_id
    for (const key of ['item_id', 'content_index', 'audio_end_ms']) {
      if (event[key] === undefined) return this.error(protocolErrors.missingParameter(key), id)
    }
    if (typeof event.item_id !== 'string') return this.error(protocolErrors.invalidType('item_id', 'a string', event.item_id), id)
    if (!Number.isInteger(event.audio_end_ms) || (event.audio_end_ms as number) < 0) {
      return this.error(protocolErrors.invalidType('audio_end_ms', 'a non-negative integer', event.audio_end_ms), id)
    }
    if (event.content_index !== 0) return this.error(protocolErrors.invalidValue('content_index', event.content_index, ['0']), id)
    const item = this.conversation.get(event.item_id)
    if (!item) return this.error(protocolErrors.truncateUnknownItem(event.item_id), id)
    const part = item.content?.[0]
    if (item.role !== 'assistant' || !part || part.type !== 'output_audio') return this.error(protocolErrors.truncateNotAssistantAudio(), id)
    const endMs = event.audio_end_ms as number
    const audioMs = Math.floor((item.audio?.length ?? 0) / BYTES_PER_MS)
    if (endMs > audioMs) return this.error(protocolErrors.truncateTooLong(audioMs, endMs), id)
    // Live drops the server-side transcript on truncation; the fake keeps the part that was heard, so reply
    // functions can see what the user actually heard.
    const transcript = typeof part.transcript === 'string' ? part.transcript : ''
    const keep = audioMs === 0 ? 0 : Math.round((transcript.length * endMs) / audioMs)
    part.transcript = transcript.slice(0, keep).trimEnd()
    item.audio = item.audio?.subarray(0, endMs * BYTES_PER_MS)
    if (endMs < audioMs) item.status = 'incomplete'
    this.emit({ type: 'conversation.item.truncated', event_id: this.ids.next('event'), item_id: item.id, content_index: 0, audio_end_ms: endMs })
  }

  private onResponseCreate(event: Json): void {
    const faultError = responseCreateError(this.options)
    if (faultError) return this.error(faultError, event.event_id)
    if (this.active) return this.error(protocolErrors.activeResponse(this.active.id), event.event_id)
    if (event.response !== undefined && !isObject(event.response)) {
      return this.error(protocolErrors.invalidType('response', 'an object', event.response), event.event_id)
    }
    this.startResponse((event.response as Json | undefined) ?? {}, this.frameAt)
  }

  private onCancel(event: Json): void {
    // A broken agent: the cancel is ignored entirely, the response keeps streaming.
    if (!this.options.honourCancel) return
    const wanted = event.response_id
    if (!this.active || (typeof wanted === 'string' && wanted !== this.active.id)) {
      return this.error(protocolErrors.cancelNotActive(), event.event_id)
    }
    this.active.cancel('client_cancelled')
  }

  private startResponse(request: Json, requestedAt?: number): void {
    const userItems = this.unanswered.splice(0)
    const toolOutputs = this.toolOutputsOf(userItems)
    // The results of tool calls whose reply scripted a follow-up: that follow-up answers, as part of the same turn.
    const followUp = toolOutputs.map((o) => this.followUps.get(o.callId)).find((f) => f !== undefined)
    const turn = followUp !== undefined ? Math.max(this.responseCount - 1, 0) : this.responseCount++
    const response = new ActiveResponse(this.responderHost(), request, requestedAt)
    this.active = response
    this.responses.push(response.record)
    response.start(async (): Promise<PreparedReply> => {
      const texts = await Promise.all(
        userItems.map((item) => (item.type === 'function_call_output' ? Promise.resolve(null) : (this.heard.get(item.id) ?? Promise.resolve(itemText(item))))),
      )
      const joined = texts.filter((t): t is string => typeof t === 'string' && t.trim() !== '').join(' ')
      const ctx: FakeReplyContext = {
        userText: joined === '' ? null : joined,
        history: this.conversation.history(),
        turn,
        session: this.view,
        toolOutputs,
        request: structuredClone(request),
        connectionId: this.id,
        dtmf: userItems.map((item) => item.dtmf ?? '').join(''),
      }
      const latencyMs = this.options.latencyMs(ctx) + this.jitter() * this.options.jitterMs
      const answer = followUp === undefined ? this.options.reply : typeof followUp === 'function' ? followUp : () => followUp
      const reply = this.withFollowUps(normaliseReply(await answer(ctx)))
      const history = this.conversation.history()
      const inputAudioMs = this.inputAudio.reduce((n, b) => n + b.length / BYTES_PER_MS, 0)
      const inputTextChars = history.reduce((n, h) => n + h.text.length, 0) + this.view.instructions.length
      return { reply, latencyMs, inputTextChars, inputAudioMs }
    })
  }

  /** The function_call_output items among `items`, each with the call it answers. */
  private toolOutputsOf(items: StoredItem[]): FakeToolOutput[] {
    const history = this.conversation.history()
    return items
      .filter((item) => item.type === 'function_call_output')
      .map((item) => {
        const callId = String(item.call_id ?? '')
        const output = String(item.output ?? '')
        const call = history.find((h) => h.type === 'function_call' && h.toolCall?.callId === callId)?.toolCall
        let value: unknown = output
        try {
          value = JSON.parse(output)
        } catch {
          // Not JSON: the string itself.
        }
        return { callId, name: call?.name ?? '', arguments: call?.arguments ?? '', output, value }
      })
  }

  /** A reply with tool calls and a `followUp`: its calls get their ids now, so their results can find the follow-up. */
  private withFollowUps(reply: FakeReply): FakeReply {
    if (reply.followUp === undefined || !reply.toolCalls?.length) return reply
    const toolCalls = reply.toolCalls.map((call) => ({ ...call, callId: call.callId ?? this.ids.next('call') }))
    for (const call of toolCalls) this.followUps.set(call.callId, reply.followUp)
    return { ...reply, toolCalls }
  }

  /** The responder sees the raw session object; tests see the friendly view through `session`. */
  private responderHost(): ResponderHost {
    return {
      ids: this.ids,
      timers: this.timers,
      options: this.options,
      conversation: this.conversation,
      conversationId: this.ids.conversation,
      random: this.random,
      session: () => this.sessionObject,
      emit: (event) => this.emit(event),
      sendRaw: (data) => this.sendRaw(data),
      disconnect: (code, reason) => this.disconnect(code, reason),
      afterDelivery: (fn) => this.afterDelivery(fn),
      finished: (response, usage) => this.finished(response, usage),
      reportError: (err) => this.internalError(err),
    }
  }
}
