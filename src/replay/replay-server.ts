/**
 * The replay server: a WebSocket server on 127.0.0.1 that plays a recording back to a client and never touches
 * the network.
 *
 * Each client event is matched against the next recorded one; when it matches, the server events recorded after
 * it (up to the next client event) are sent. With `pacing: 'recorded'` they go out at their recorded offsets from
 * that client event, so latencies measure as recorded; with `'fast'` they go out at once. Either way the order of
 * client and server events is the recorded one. The first event that does not match stops the replay: the client
 * gets an `error` event (code `expect_voice_replay_mismatch`) whose message is the diff, and `mismatch` holds it.
 * Every later client event (appends aside) gets the same error, so no call waits out its timeout.
 *
 * No frame can take the server down: client JSON is cut at `MAX_JSON_DEPTH` levels before it is compared (as the
 * recorder cut it), and anything a handler throws becomes a mismatch of kind `internal` naming the error.
 */
import { createHash, type Hash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from '../ws/lazy-ws.js'
import { InvalidOptionError } from '../errors/index.js'
import { MAX_JSON_DEPTH, TOO_DEEP_MARKER, boundDepth, setOwn } from '../loopback/frames.js'
import { writeHttpResponse } from '../loopback/http-response.js'
import {
  checkAudioRefs,
  isAudioDigestRef,
  isAudioSliceRef,
  isObject,
  parseAudioSlice,
  readSessionRecording,
  type JsonObject,
  type RecordedClose,
  type RecordedServerEvent,
  type RecordedSession,
  type SessionRecording,
} from './cassette.js'
import { closeReason, sendableCloseCode, startLocalServer } from '../loopback/local-server.js'
import {
  MISMATCH_ERROR_CODE,
  ReplayMismatchError,
  audioMismatchError,
  compareClientEvent,
  internalError,
  mismatchError,
  missingError,
  type IdBindings,
  type MismatchContext,
} from './match.js'
import { audioDigest, isAppendEvent, isIdKey, normalizeClientEvent } from './normalize.js'
import { Scrubber } from './scrub.js'
import { HttpReplay, isRecordedHttpRequest, notServed } from './http-exchanges.js'

export type ReplayPacing = 'recorded' | 'fast'

export interface ReplayServerOptions {
  /**
   * `'recorded'` (default): server events keep their recorded delays, on the wire (each waits until the one
   * before it reached the socket); `'fast'`: no delays at all.
   */
  pacing?: ReplayPacing
  /** Serve wss:// with the shipped test certificate (or yours), for clients that only dial wss://. */
  tls?: boolean | { cert: string; key: string }
  /** Where the recording came from, named in mismatch messages. */
  source?: string
  /** A command line that re-records the test, shown in mismatch messages. */
  rerecord?: string
  /** Strings scrubbed from what the client sends before comparing (as the recorder did). Default: OPENAI_API_KEY. */
  secrets?: string[]
}

export interface ReplayServer {
  /** `ws://127.0.0.1:PORT/v1/realtime` */
  readonly url: string
  readonly baseURL: string
  readonly port: number
  readonly ca?: string
  readonly pacing: ReplayPacing
  readonly recording: SessionRecording
  /** The first mismatch found, or null. */
  readonly mismatch: ReplayMismatchError | null
  /** Connections served so far. */
  readonly connectionCount: number
  /**
   * Throws the first mismatch, or a `ReplayMismatchError` (kind `missing`) when a recorded client event was never
   * sent or a recorded connection never opened. Call it once the test is done with the connection.
   */
  verify(): void
  /** Ends every connection and stops listening. Idempotent. */
  close(): Promise<void>
}

/** Starts a replay server for a recording (or the path of one). Always `await server.close()`. */
export async function createReplayServer(recording: SessionRecording | string, options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const pacing = options.pacing ?? 'recorded'
  if (pacing !== 'recorded' && pacing !== 'fast')
    throw new InvalidOptionError(`createReplayServer: option "pacing" must be 'recorded' or 'fast', got ${JSON.stringify(pacing)}`)
  const source = options.source ?? (typeof recording === 'string' ? recording : undefined)
  const rec = typeof recording === 'string' ? await readSessionRecording(recording) : recording
  // Checked now (a file is checked as it is read), so a bad reference fails here rather than mid-replay.
  if (typeof recording !== 'string') checkAudioRefs(rec, 'createReplayServer: the recording')
  const scrub = new Scrubber(options.secrets ?? [process.env.OPENAI_API_KEY])
  const connections: ReplayConnection[] = []
  let mismatch: ReplayMismatchError | null = null
  const report = (err: ReplayMismatchError) => {
    mismatch ??= err
  }
  const context = (sessionNo: number): MismatchContext => ({
    session: rec.sessions[sessionNo - 1] ?? { model: null, events: [] },
    sessionNo,
    sessionCount: rec.sessions.length,
    ...(source ? { source } : {}),
    ...(options.rerecord ? { rerecord: options.rerecord } : {}),
  })
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (p) => (p.has('realtime') ? 'realtime' : false),
  })

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    const sessionNo = connections.length + 1
    const session = rec.sessions[sessionNo - 1]
    if (session?.refused) {
      connections.push(new ReplayConnection(null, session, context(sessionNo), pacing, scrub, rec.audio, report))
      writeHttpResponse(socket, session.refused.status, session.refused.body)
      return
    }
    const model = url.searchParams.get('model')
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new ReplayConnection(ws, session ?? { model: null, events: [] }, context(sessionNo), pacing, scrub, rec.audio, report)
      connections.push(conn)
      if (!session) conn.fail(extraConnectionError(context(sessionNo)))
      else if (model !== session.model) conn.fail(modelMismatchError(context(sessionNo), session.model, model))
      else conn.guard(() => conn.start())
    })
  }

  // The judge's and the transcriber's requests, answered from the recording.
  const http = new HttpReplay(rec.http ?? [], {
    scrub,
    report,
    ...(source ? { source } : {}),
    ...(options.rerecord ? { rerecord: options.rerecord } : {}),
  })
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (isRecordedHttpRequest(req)) http.handle(req, res)
    else notServed(res)
  }

  const server = await startLocalServer(
    'replay server',
    options.tls,
    onUpgrade,
    () => {
      for (const conn of connections) conn.terminate()
      wss.close()
    },
    onRequest,
  )

  return {
    url: server.url,
    baseURL: server.baseURL,
    port: server.port,
    ...(server.ca ? { ca: server.ca } : {}),
    pacing,
    recording: rec,
    get mismatch() {
      return mismatch
    },
    get connectionCount() {
      return connections.length
    },
    verify() {
      if (mismatch) throw mismatch
      for (let i = 0; i < rec.sessions.length; i++) {
        const conn = connections[i]
        if (!conn) throw missingError(context(i + 1), null)
        const missing = conn.unsent()
        if (missing) throw missing
      }
      const unsentHttp = http.unsent()
      if (unsentHttp) throw unsentHttp
    },
    close: () => server.close(),
  }
}

function extraConnectionError(ctx: MismatchContext): ReplayMismatchError {
  const message =
    `expect-voice replay: the test opened connection ${ctx.sessionNo}, but the recording has only ${ctx.sessionCount}.\n` +
    (ctx.source ? `Recording: ${ctx.source}\n` : '') +
    (ctx.rerecord
      ? `If the change is intended, re-record this test:\n  ${ctx.rerecord}`
      : 'If the change is intended, re-record the test (EXPECT_VOICE_UPDATE=1).')
  return new ReplayMismatchError(message, 'extra', ctx.sessionNo, null, [])
}

function modelMismatchError(ctx: MismatchContext, recorded: string | null, actual: string | null): ReplayMismatchError {
  const message =
    `expect-voice replay: the test no longer does what it did when it was recorded.\n\n` +
    `First differing event: the connection request: ?model=${actual ?? '(none)'}, the recording used ?model=${recorded ?? '(none)'}\n` +
    (ctx.source ? `\nRecording: ${ctx.source}\n` : '\n') +
    (ctx.rerecord
      ? `If the change is intended, re-record this test:\n  ${ctx.rerecord}`
      : 'If the change is intended, re-record the test (EXPECT_VOICE_UPDATE=1).')
  return new ReplayMismatchError(message, 'different', ctx.sessionNo, null, [{ path: 'model', recorded, actual }])
}

interface AudioGroup {
  index: number
  ref: { $sha256: string; bytes: number }
  hash: Hash
  filled: number
}

type Outgoing = RecordedServerEvent | RecordedClose

/** One client connection being served from one recorded session. */
class ReplayConnection {
  readonly #events: RecordedSession['events']
  /** Index of the next recorded event not yet matched or released. */
  #next = 0
  #queue: Array<{ due: number; event: Outgoing }> = []
  #timer: NodeJS.Timeout | null = null
  #immediate: NodeJS.Immediate | null = null
  /** Paced sends not yet handed to the socket: the next paced event waits for them. */
  #inflight = 0
  #group: AudioGroup | null = null
  readonly #bindings: IdBindings = new Map()
  #stopped = false
  /** Set once the client sent something the recording does not have. */
  #failure: ReplayMismatchError | null = null

  constructor(
    private readonly ws: WebSocket | null,
    session: RecordedSession,
    private readonly ctx: MismatchContext,
    private readonly pacing: ReplayPacing,
    private readonly scrub: Scrubber,
    private readonly audio: Buffer,
    private readonly report: (err: ReplayMismatchError) => void,
  ) {
    this.#events = session.events
    if (!ws) {
      this.#stopped = true
      this.#next = this.#events.length
      return
    }
    ws.on('error', () => {})
    ws.on('close', () => this.#stop())
  }

  start(): void {
    const ws = this.ws!
    ws.on('message', (data, isBinary) => this.guard(() => this.#onMessage(data, isBinary)))
    this.#release(0, 0, performance.now())
  }

  /** Runs a socket or timer handler; what it throws ends this connection's replay with an `internal` mismatch. */
  guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      if (!this.#failure) this.#failWith(internalError(this.ctx, this.#next, err))
    }
  }

  /** Stop replaying and tell the client why (an `error` event it surfaces as a RealtimeServerError). */
  fail(err: ReplayMismatchError): void {
    if (this.#stopped) return
    this.#failWith(err)
  }

  #failWith(err: ReplayMismatchError): void {
    this.report(err)
    this.#stop()
    this.#failure = err
    this.#sendError(err)
  }

  #sendError(err: ReplayMismatchError): void {
    const ws = this.ws
    if (!ws || ws.readyState !== WebSocket.OPEN) return
    ws.send(
      JSON.stringify({
        type: 'error',
        event_id: 'event_replay_mismatch',
        error: { type: 'invalid_request_error', code: MISMATCH_ERROR_CODE, message: err.message, param: null, event_id: null },
      }),
    )
  }

  terminate(): void {
    this.#stop()
    this.ws?.terminate()
  }

  /** The first recorded client event this connection never got, as an error; null when it got them all. */
  unsent(): ReplayMismatchError | null {
    if (this.#group) return missingError(this.ctx, this.#group.index, this.#group.filled)
    for (let i = this.#next; i < this.#events.length; i++) {
      if ('client' in this.#events[i]!) return missingError(this.ctx, i)
    }
    return null
  }

  #stop(): void {
    this.#stopped = true
    this.#cancelWake()
    this.#queue = []
  }

  #cancelWake(): void {
    if (this.#timer) clearTimeout(this.#timer)
    if (this.#immediate) clearImmediate(this.#immediate)
    this.#timer = null
    this.#immediate = null
  }

  /** Queue the server events (and server close) from `from` up to the next client event, relative to `anchor`. */
  #release(from: number, anchorT: number, anchorNow: number): void {
    let i = from
    for (; i < this.#events.length; i++) {
      const event = this.#events[i]!
      if ('client' in event || ('close' in event && event.close.by === 'client')) break
      this.#queue.push({ due: this.pacing === 'fast' ? 0 : anchorNow + (event.t - anchorT), event })
    }
    this.#next = i
    this.#pump()
  }

  /**
   * Sends what is due. Under 'recorded' pacing one event at a time: the next waits until the last one reached the
   * socket, and goes out from a setImmediate, so client input already received is read (and matched) first.
   */
  #pump(): void {
    this.#cancelWake()
    if (this.#stopped || this.#queue.length === 0) return
    if (this.pacing === 'fast') {
      while (this.#queue.length && !this.#stopped) this.#send(this.#queue.shift()!.event)
      return
    }
    if (this.#inflight > 0) return // its send callback pumps again
    const now = performance.now()
    const due = this.#queue[0]!.due
    if (due > now + 0.5) {
      this.#timer = setTimeout(() => {
        this.#timer = null
        this.#wakeSoon()
      }, due - now)
      return
    }
    this.#send(this.#queue.shift()!.event, true)
    if (this.#inflight === 0) this.#wakeSoon()
  }

  #wakeSoon(): void {
    if (this.#stopped || this.#immediate) return
    this.#immediate = setImmediate(() => {
      this.#immediate = null
      this.guard(() => this.#pump())
    })
  }

  /** Everything queued goes out now: it came before the client event that just arrived. */
  #flush(): void {
    while (this.#queue.length && !this.#stopped) this.#send(this.#queue.shift()!.event)
  }

  #send(event: Outgoing, paced = false): void {
    const ws = this.ws!
    if (ws.readyState !== WebSocket.OPEN) return
    if ('close' in event) {
      this.#stop()
      const code = sendableCloseCode(event.close.code)
      if (code === null && event.close.code === 1006) ws.terminate()
      else ws.close(code ?? 1000, closeReason(event.close.reason))
      return
    }
    const payload = event.server
    let data: string | Buffer
    if (typeof payload.$raw === 'string') data = payload.$raw
    else if (typeof payload.$binary === 'string') data = Buffer.from(payload.$binary, 'base64')
    else data = JSON.stringify(this.#materialise(payload, ''))
    if (!paced) {
      ws.send(data, { binary: Buffer.isBuffer(data) })
      return
    }
    this.#inflight++
    ws.send(data, { binary: Buffer.isBuffer(data) }, () => {
      if (--this.#inflight === 0) this.#wakeSoon()
    })
  }

  /** Audio references become base64 again; ids become the ones this client uses. */
  #materialise(value: unknown, key: string): unknown {
    if (typeof value === 'string') {
      if (!isIdKey(key)) return value
      const bound = this.#bindings.get(value)
      if (bound !== undefined) return bound
      this.#bindings.set(value, value)
      return value
    }
    if (Array.isArray(value)) return value.map((v) => this.#materialise(v, ''))
    if (!isObject(value)) return value
    if (isAudioSliceRef(value)) {
      const slice = parseAudioSlice(value.$audio)!
      return this.audio.subarray(slice.offset, slice.offset + slice.length).toString('base64')
    }
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(value)) setOwn(out, k, this.#materialise(v, k))
    return out
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#failure) {
      // Every later request gets the same answer, so no call waits out its timeout after a mismatch.
      if (!isBinary && !/"type"\s*:\s*"(?:[a-z_.]*\.)?input_audio_buffer\.append"/.test(String(data))) this.#sendError(this.#failure)
      return
    }
    if (this.#stopped) return
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
    if (isBinary) return this.#match({ $binary: buf.toString('base64') })
    const text = buf.toString('utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (!isObject(parsed)) return this.#match({ $raw: this.scrub.text(text) })
    if (isAppendEvent(parsed) && typeof parsed.audio === 'string') return this.#append(Buffer.from(parsed.audio, 'base64'))
    const bounded = boundDepth(parsed)
    const note =
      bounded === parsed ? undefined : `the event sent now is nested deeper than ${MAX_JSON_DEPTH} levels; what is deeper is compared as "${TOO_DEEP_MARKER}"`
    this.#match(normalizeClientEvent(bounded, this.scrub), note)
  }

  /** Appended audio is matched as a stream: chunking may change, the bytes may not. */
  #append(bytes: Buffer): void {
    let offset = 0
    do {
      if (!this.#group) {
        const event = this.#events[this.#next]
        const ref = event && 'client' in event && isAppendEvent(event.client) ? event.client.audio : undefined
        if (!isAudioDigestRef(ref)) {
          const actual = { type: 'input_audio_buffer.append', audio: audioDigest(bytes.subarray(offset)) }
          return this.fail(mismatchError(this.ctx, this.#next, actual, []))
        }
        this.#group = { index: this.#next, ref, hash: createHash('sha256'), filled: 0 }
      }
      const group = this.#group
      const take = Math.min(bytes.length - offset, group.ref.bytes - group.filled)
      group.hash.update(bytes.subarray(offset, offset + take))
      group.filled += take
      offset += take
      if (group.filled === group.ref.bytes) {
        const sha256 = group.hash.digest('hex')
        this.#group = null
        if (sha256 !== group.ref.$sha256) return this.fail(audioMismatchError(this.ctx, group.index, { bytes: group.filled, sha256 }))
        this.#consume(group.index)
        if (this.#stopped) return
      }
    } while (offset < bytes.length)
  }

  #match(actual: JsonObject, note?: string): void {
    if (this.#group) {
      const group = this.#group
      return this.fail(
        audioMismatchError(this.ctx, group.index, { bytes: group.filled, followedBy: typeof actual.type === 'string' ? actual.type : 'another frame' }),
      )
    }
    const index = this.#next
    const event = this.#events[index]
    if (!event || !('client' in event)) return this.fail(mismatchError(this.ctx, index, actual, [], note))
    const differences = compareClientEvent(event.client, actual, this.#bindings)
    if (differences.length > 0 || typeof event.client.type !== typeof actual.type) {
      return this.fail(mismatchError(this.ctx, index, actual, differences, note))
    }
    this.#consume(index)
  }

  #consume(index: number): void {
    this.#flush()
    if (this.#stopped) return
    this.#release(index + 1, this.#events[index]!.t, performance.now())
  }
}
