/** Base class of every error this library throws, so callers can tell ours from theirs with one `instanceof`. */
export class ExpectVoiceError extends Error {
  override name = 'ExpectVoiceError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A bad argument or option: names the option and what was wrong with it. */
export class InvalidOptionError extends ExpectVoiceError {
  override name = 'InvalidOptionError'
}

/** Audio that cannot be read or converted (not a WAV, unsupported encoding, truncated, ...). */
export class AudioFormatError extends ExpectVoiceError {
  override name = 'AudioFormatError'
}

/** An `error` event from the realtime server, with the server's own `type`, `code` and `message`. */
export class RealtimeServerError extends ExpectVoiceError {
  override name = 'RealtimeServerError'
  readonly type: string
  readonly code: string | null
  readonly param: string | null
  /** The client event id the server blamed, when the client event carried one. */
  readonly eventId: string | null
  readonly serverMessage: string
  constructor(payload: { type: string; code?: string | null; message: string; param?: string | null; event_id?: string | null }, context?: string) {
    const code = payload.code ?? null
    super(`${context ? `${context}: ` : ''}server error ${payload.type}${code ? `/${code}` : ''}: ${payload.message}`)
    this.type = payload.type
    this.code = code
    this.param = payload.param ?? null
    this.eventId = payload.event_id ?? null
    this.serverMessage = payload.message
  }
}

/** The server refused the session after the upgrade (live API: an `error` event, then close 3000 or 4000). */
export class RealtimeSessionRefusedError extends RealtimeServerError {
  override name = 'RealtimeSessionRefusedError'
  readonly closeCode: number | null
  readonly closeReason: string
  constructor(
    payload: { type: string; code?: string | null; message: string; param?: string | null; event_id?: string | null },
    close: { code: number; reason: string } | null,
  ) {
    super(payload, `session refused${close ? ` (close ${close.code}${close.reason ? ` ${close.reason}` : ''})` : ''}`)
    this.closeCode = close?.code ?? null
    this.closeReason = close?.reason ?? ''
  }
}

/** The HTTP upgrade was answered with a status other than 101 (proxies, Azure, gateways). */
export class RealtimeHandshakeError extends ExpectVoiceError {
  override name = 'RealtimeHandshakeError'
  constructor(
    readonly status: number,
    readonly serverMessage: string,
  ) {
    super(`handshake rejected with HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}`)
  }
}

/** A wait ran out. The message names what did arrive in the meantime. */
export class RealtimeTimeoutError extends ExpectVoiceError {
  override name = 'RealtimeTimeoutError'
  constructor(
    message: string,
    readonly timeoutMs: number,
    readonly received: readonly string[],
  ) {
    super(message)
  }
}

/** The socket closed while a call was waiting, or a call was made on a closed adapter. */
export class RealtimeConnectionClosedError extends ExpectVoiceError {
  override name = 'RealtimeConnectionClosedError'
  constructor(
    message: string,
    readonly closeCode: number | null,
    readonly closeReason: string,
  ) {
    super(message)
  }
}

/** No API key in the options nor in `OPENAI_API_KEY`, and no `url` pointing elsewhere. */
export class MissingApiKeyError extends ExpectVoiceError {
  override name = 'MissingApiKeyError'
}

/** Why a tool call failed: its handler threw, did not settle in time, had invalid JSON arguments, or was missing. */
export type ToolCallFailure = 'threw' | 'timeout' | 'invalid-arguments' | 'no-handler'

/**
 * A function call the model made could not be answered by the adapter's tool handlers. It fails the call waiting on
 * the turn (`recvAudio`, and the matcher driving it); the handler's own error is the `cause`.
 */
export class ToolCallError extends ExpectVoiceError {
  override name = 'ToolCallError'
  constructor(
    message: string,
    readonly toolName: string,
    readonly callId: string,
    readonly reason: ToolCallFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Which HTTP endpoint a judge or transcription request went to. */
export type HttpEndpoint = 'responses' | 'audio/transcriptions'

/**
 * A request to one of OpenAI's HTTP endpoints (the judge's `POST /v1/responses`, the transcriber's `POST
 * /v1/audio/transcriptions`) got an HTTP error (401, 429, 500, …), or no HTTP answer at all (`status` null: the
 * connection was refused or dropped). Never a verdict: the matcher that made it fails with this error.
 */
export class HttpEndpointError extends ExpectVoiceError {
  override name = 'HttpEndpointError'
  constructor(
    message: string,
    readonly endpoint: HttpEndpoint,
    /** The HTTP status, or null when there was no HTTP answer. */
    readonly status: number | null,
    /** The OpenAI error body's `type` and `code`, when it had them. */
    readonly errorType: string | null = null,
    readonly errorCode: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A request to one of OpenAI's HTTP endpoints got no complete answer within its timeout. */
export class HttpEndpointTimeoutError extends ExpectVoiceError {
  override name = 'HttpEndpointTimeoutError'
  constructor(
    message: string,
    readonly endpoint: HttpEndpoint,
    readonly timeoutMs: number,
  ) {
    super(message)
  }
}

/**
 * Your own `transcriber` (`toSay(…, { from: 'audio' })`, `toSoundLikeItsTranscript`) did not return a transcription
 * within the matcher's `timeout`. Not an `HttpEndpointTimeoutError`: no HTTP endpoint was asked, your function was.
 */
export class TranscriberTimeoutError extends ExpectVoiceError {
  override name = 'TranscriberTimeoutError'
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message)
  }
}

/**
 * The endpoint answered 200, but not with what was asked for: the judge model's output is not the verdict's JSON
 * (not JSON, a missing field, a refusal, cut short), or a transcription body has no `text`. `output`: the start of
 * what it answered.
 */
export class MalformedModelOutputError extends ExpectVoiceError {
  override name = 'MalformedModelOutputError'
  constructor(
    message: string,
    readonly endpoint: HttpEndpoint,
    readonly output: string,
  ) {
    super(message)
  }
}

/** The run report's budgets were exceeded (Jest reporter's `getLastError`; Vitest: the run exits with code 1). */
export class VoiceBudgetError extends ExpectVoiceError {
  override name = 'VoiceBudgetError'
}

/** A file given as a voice report (`readVoiceReport`, the reporter's `merge`) is not one. */
export class VoiceReportFormatError extends ExpectVoiceError {
  override name = 'VoiceReportFormatError'
}
