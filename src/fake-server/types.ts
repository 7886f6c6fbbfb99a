/** Public types of the fake realtime server. */
import type { ClientEvent, ServerEvent } from '../protocol/events.js'

/** The session as the fake holds it, in friendly form. `raw` is the full GA session object last sent. */
export interface FakeSessionConfig {
  model: string
  instructions: string
  voice: string
  tools: unknown[]
  /** `audio.input.turn_detection`: `{type:'server_vad', ...}`, `{type:'semantic_vad', ...}` or null (push-to-talk). */
  turnDetection: Record<string, unknown> | null
  /** `audio.input.transcription.model`, or null when input transcription is off (the live default). */
  transcriptionModel: string | null
  outputModalities: Array<'audio' | 'text'>
  /** The GA session object exactly as sent in the last `session.created` / `session.updated`. */
  raw: Record<string, unknown>
}

/** One conversation item as the reply function sees it, in conversation order. */
export interface FakeHistoryEntry {
  itemId: string
  /** 'tool' is a `function_call_output` item. An assistant's own tool call is role 'assistant' with `toolCall`. */
  role: 'user' | 'assistant' | 'system' | 'tool'
  type: 'message' | 'function_call' | 'function_call_output'
  /** Message text or transcript ('' when nothing was recognised); the output of a tool; '' for a tool call. */
  text: string
  /** Where a user message came from: spoken (audio) or typed (input_text). */
  source?: 'audio' | 'text'
  status: 'completed' | 'incomplete' | 'in_progress'
  toolCall?: { name: string; arguments: string; callId: string }
  /** For a `function_call_output` item. */
  callId?: string
}

export interface FakeReplyContext {
  /** What the user said or typed since the previous response (joined), or null when nothing was heard. */
  userText: string | null
  history: FakeHistoryEntry[]
  /**
   * 0 for the first response on this connection, 1 for the second, ...; a response answered by a reply's
   * `followUp` is not counted (it is part of the turn that made the tool calls).
   */
  turn: number
  session: FakeSessionConfig
  /**
   * The tool results (`function_call_output` items) that arrived since the previous response, each with the call it
   * answers; `[]` when none did.
   */
  toolOutputs: FakeToolOutput[]
  /** The `response` object of the client's `response.create` (`{}` when absent or VAD-created). */
  request: Record<string, unknown>
  /**
   * Telephone keys (DTMF tones) found in the user audio since the previous response, in order (`'123#'`), `''` for
   * none. The fake also announces each key with `input_audio_buffer.dtmf_event_received`, as a SIP session does.
   */
  dtmf: string
  connectionId: number
}

export interface FakeToolCall {
  name: string
  /** A JSON string, or an object that is JSON-stringified. */
  arguments: string | object
  callId?: string
}

/** A tool result the client sent (`function_call_output`), with the call it answers. */
export interface FakeToolOutput {
  callId: string
  /** The function called ('' when the call is not in the conversation). */
  name: string
  /** The call's arguments (a JSON string). */
  arguments: string
  /** The output exactly as sent (a string, usually JSON). */
  output: string
  /** The output parsed as JSON, or the string itself when it is not JSON. */
  value: unknown
}

export interface FakeReply {
  /** What the agent says (spoken in the synthetic voice unless `audio` is given). */
  text?: string
  /** Exact PCM16 24 kHz mono bytes to stream instead of the synthetic voice (the transcript stays `text`). */
  audio?: Buffer
  /** Function calls, sent as `function_call` output items before the spoken message (if any). */
  toolCalls?: FakeToolCall[]
  /**
   * With `toolCalls`: the reply to the response that follows once the client has sent their results
   * (`function_call_output` + `response.create`), e.g. `({ toolOutputs }) => \`Booked: ${toolOutputs[0].value.ref}\``.
   * Without it, that response is answered by `reply` like any other.
   */
  followUp?: string | FakeReply | FakeReplyFunction
  status?: 'completed' | 'failed' | 'incomplete'
}

export type FakeReplyFunction = (ctx: FakeReplyContext) => string | FakeReply | Promise<string | FakeReply>

export interface FakeServerFaults {
  /** Disconnect after this many `response.output_audio.delta` events of a response. */
  closeAfterDeltas?: {
    count: number
    /** Default 1006: the socket is destroyed with no close frame, like a dropped network. Else a close frame. */
    code?: number
    reason?: string
  }
  /** Answer every `response.create` with this `error` event instead of a response. */
  errorOnResponseCreate?: { type: string; code?: string | null; message: string; param?: string | null }
  /** End every response with this status (and matching `status_details`) unless the reply sets its own. */
  responseStatus?: 'failed' | 'incomplete'
  /** Send a non-JSON text frame and a binary frame before the first audio delta of every response. */
  malformedFrames?: boolean
  /** Accept the socket, then send nothing at all (not even `session.created`). */
  neverAnswer?: boolean
  /** Delay every `session.updated` by this many ms. */
  sessionUpdateDelayMs?: number
  /** Faults of the HTTP endpoints (`POST /v1/responses`, `POST /v1/audio/transcriptions`). */
  http?: FakeHttpFaults
}

/** How the fake server's HTTP endpoints fail. */
export interface FakeHttpFaults {
  /** Answer with this HTTP status (400-599) and an OpenAI-style error body (401 `invalid_api_key`, 429 `rate_limit_exceeded`, …). */
  status?: number
  /** Answer this many ms late (longer than the client's timeout: a timeout). */
  delayMs?: number
  /** Answer 200 with something else than asked for: a judge that chats instead of the verdict's JSON; a transcription that is not JSON. */
  malformed?: boolean
  /** Only this endpoint fails. Default: both. */
  endpoint?: 'responses' | 'audio/transcriptions'
}

/** What the fake server's scripted judge is asked (read from the request the way a model would). */
export interface FakeJudgeRequest {
  /** The criteria, one per `- ` line of the request's `Criteria:` part. */
  criteria: string[]
  /** The conversation as the judge reads it, one line per entry (`user: …`, `agent: …`, `agent called tool …`). */
  transcript: string
  /** The judge model asked for. */
  model: string
  /** The whole JSON request body. */
  body: Record<string, unknown>
}

/** The scripted judge's answer: a boolean (every criterion the same), or a verdict. */
export type FakeVerdict = boolean | { pass: boolean; reason?: string; criteria?: Array<{ criterion: string; pass: boolean; evidence?: string[] }> }

export type FakeJudge = (request: FakeJudgeRequest) => FakeVerdict | Promise<FakeVerdict>

export interface FakeRealtimeServerOptions {
  /**
   * The agent's replies: one reply for every turn (a string or a FakeReply), an array (one per turn, the last
   * repeats), or a function of the context. Default: `You said: <what the user said>`, or 'Hello.' when nothing
   * was heard.
   */
  reply?: string | FakeReply | Array<string | FakeReply> | FakeReplyFunction
  /** Delay from `response.create` to the first output (audio delta). `response.created` goes out at once. Default 0. */
  latencyMs?: number | ((ctx: FakeReplyContext) => number)
  /** Up to this many ms of seeded pseudo-random jitter added to the latency. Default 0. */
  jitterMs?: number
  /** Seed of the jitter and of the `obfuscation` strings. Default 1. */
  seed?: number
  /** Audio per `response.output_audio.delta`, in ms. Default 100 (4,800 bytes). */
  chunkMs?: number
  /**
   * A fixed gap between deltas in ms instead of `streamSpeed` (counted from when the client has the last delta),
   * or 'realtime' (the same as `streamSpeed: 1`). `0`: the next delta goes out as soon as the client has the last
   * one, which leaves a client in another process no time to cancel in between.
   */
  paceMs?: number | 'realtime'
  /**
   * How fast a response streams, as a multiple of real time: audio is generated at `streamSpeed`× the speed it
   * plays at, so at the default 10 a 100 ms delta follows the one before it by 10 ms (a text-only delta by the
   * time its words take to say, over 10). The live API too streams faster than real time, but not instantly.
   * The gap holds on the wire: each delta waits until the client has the one before it (its pong to a ping sent
   * right after it), then at least half a gap (5 ms at the defaults) and two event-loop turns. So a client that
   * interrupts on the first audio chunk lands its `response.cancel` before the second one, on every run.
   * Default 10.
   */
  streamSpeed?: number
  /**
   * Accept permessage-deflate when the client offers it (the live API does; the agents SDK offers it). Default
   * false: with it, both ends compress off the main thread (the client its `response.cancel` too), so when a
   * frame arrives depends on the thread pool, and an interrupt can land a delta later from one run to the next.
   */
  perMessageDeflate?: boolean
  /** Speed of the synthetic voice, ms per UTF-8 byte. Default 40. */
  msPerChar?: number
  /**
   * Turns committed user audio into text. Default: `recognizeSyntheticSpeech` (the synthetic voice, heard through
   * mild caller conditions, with words dropped under strong ones). null = heard nothing.
   */
  transcribe?: (pcm: Buffer, ctx: { turn: number }) => string | null | Promise<string | null>
  /**
   * Listen for telephone keys (DTMF tones) in committed user audio: each key found is announced with
   * `input_audio_buffer.dtmf_event_received` (the event a SIP session of the Realtime API sends) and given to the
   * reply as `dtmf`. Default true.
   */
  dtmf?: boolean
  /** Delay of `conversation.item.input_audio_transcription.completed` after the commit. Default 0. */
  transcriptionDelayMs?: number
  /** Default true. false: ignore `response.cancel` and VAD barge-in and keep streaming (a broken agent). */
  honourCancel?: boolean
  /** Emit beta event names (`response.audio.delta`, `response.audio_transcript.*`, `conversation.item.created`, ...). */
  legacyEventNames?: boolean
  /** When set, other keys are refused the way the live API does (101, `error` invalid_api_key, close 3000). */
  apiKey?: string
  /** Answer every WebSocket upgrade with this HTTP status instead (a proxy / Azure front door refusing). */
  rejectHandshake?: { status: number; body?: string; headers?: Record<string, string> }
  /** `allowed`: the models accepted in `?model=` (any when absent). A missing `?model=` is always refused. */
  model?: { allowed?: string[] }
  /** Serve wss:// with the shipped self-signed test certificate (true) or the given one. */
  tls?: boolean | { cert: string; key: string }
  faults?: FakeServerFaults
  /**
   * Answers `POST /v1/responses` (the `toFulfill` judge): a function of the criteria and the conversation that
   * returns the verdict. Without it, judge requests get HTTP 400 naming this option.
   */
  judge?: FakeJudge
  /**
   * What the synthetic voice says for a reply whose transcript is `text`: makes the agent's audio deliberately
   * differ from its transcript (e.g. `(text) => text.replace('seven', 'eleven')`). Default: the transcript itself.
   */
  spokenText?: (text: string) => string
}

/** What the server did for one response, timed with `performance.now()` on the server side. */
export interface FakeResponseRecord {
  id: string
  status: 'in_progress' | 'completed' | 'cancelled' | 'incomplete' | 'failed'
  /** When the `response.create` arrived (or server VAD ended the user turn). */
  requestedAt: number
  /** The latency injected for it (latencyMs + jitter). */
  latencyMs: number
  /** When its first `response.output_audio.delta` was handed to the socket. */
  firstAudioAt?: number
  /** When `response.done` was sent. */
  doneAt?: number
}

export interface FakeConnection {
  /** 1 for the first connection to this server, 2 for the next, ... */
  readonly id: number
  /** Lower-cased request headers; credentials redacted ('Bearer [redacted]'). */
  readonly headers: Record<string, string>
  readonly path: string
  /** Query parameters (credential-looking ones redacted). */
  readonly query: Record<string, string>
  /** Every parsed client event in order; `input_audio_buffer.append` kept as `{type, event_id, audioBytes}`. */
  readonly received: ClientEvent[]
  /** Every server event sent, in order (audio deltas keep their base64). */
  readonly sent: ServerEvent[]
  /** Committed user audio, one Buffer per committed turn. */
  readonly inputAudio: Buffer[]
  /** Every response of this connection, in order, with server-side timings. */
  readonly responses: FakeResponseRecord[]
  readonly session: FakeSessionConfig
  readonly closed: boolean
  readonly closeCode?: number
  readonly closeReason?: string
  /** Send any server event as is (JSON-encoded). */
  send(event: object): void
  /** Send a raw text (string) or binary (Buffer) frame. */
  sendRaw(data: string | Buffer): void
  /** Close from the server side; code 1006 destroys the socket without a close frame. */
  close(code?: number, reason?: string): void
  /** Resolves when the socket has closed (at once if it already has). */
  waitForClose(timeoutMs?: number): Promise<{ code: number; reason: string }>
}

export interface FakeRealtimeServer {
  /** `ws://127.0.0.1:PORT/v1/realtime` (wss:// with `tls`), without query: append `?model=...`. */
  readonly url: string
  /** `http://127.0.0.1:PORT/v1` (https:// with `tls`), for `new OpenAI({ baseURL })`. */
  readonly baseURL: string
  readonly port: number
  /** With `tls`: the PEM certificate a client passes as `ca` to trust the server. */
  readonly ca?: string
  /** Connections in order of arrival (refused handshakes do not count; in-band refusals do). */
  readonly connections: FakeConnection[]
  /** The next connection not yet returned by this method (the first call gets the first connection). */
  waitForConnection(timeoutMs?: number): Promise<FakeConnection>
  /** Terminates every client socket, clears every timer; resolves once fully closed. Idempotent. */
  close(): Promise<void>
}
