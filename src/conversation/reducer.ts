/**
 * The one writer of the conversation records. Server events (`applyServerEvent`) and what the client did (the
 * `user*`, `request*`, `interrupted` functions, named after the client events they stand for) are the only ways a
 * turn, response, timeline entry or transcript changes. No socket, no timer: the adapter feeds it the events it
 * received, the instrumentation of third-party adapters (adapter/observe.ts) feeds it the equivalent events, and the
 * unit tests feed it event lists. Every change wakes the listeners, so waits are event-driven.
 */
import { LEGACY_EVENT_ALIASES, PCM_RATE, type RealtimeErrorPayload, type ResponseStatus, type ServerEvent } from '../protocol/events.js'
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { RealtimeServerError } from '../errors/index.js'
import { AudioStore, DECODED_SPAN, appendAudio } from './audio-store.js'
import {
  isResponseOpen,
  newResponseRecord,
  newTurnRecord,
  responseAudio,
  type KeepAudio,
  type ResponseRecord,
  type ToolCallRecord,
  type TurnRecord,
} from './records.js'
import { MAX_TIMELINE_STRING, Timeline, truncateText, type TimelineEntry } from './timeline.js'
import { buildTranscript, type Transcript } from './transcript.js'
import { attachRedactor } from '../secrets/redact.js'

/** Errors the server sends as part of normal operation; recorded on the timeline, never surfaced. */
const ROUTINE_ERROR_CODES = new Set(['response_cancel_not_active'])
const FINAL_STATUSES = new Set<string>(['completed', 'cancelled', 'incomplete', 'failed'])
/** Bytes of PCM16 per millisecond at 24 kHz. */
const BYTES_PER_MS = (PCM_RATE * 2) / 1000
/** Server errors kept (the newest); a flood of error events must not grow memory without bound. */
const ERRORS_KEPT = 100
/** Distinct event-type and id strings shared across timeline entries before the table starts over. */
const SHARED_STRINGS = 1000
/** Longest server-chosen string kept in an error (type, code, message, param). */
const MAX_ERROR_STRING = 2000
/** How deep, how wide and how long a server object kept as evidence (`status_details`) may be. */
const EVIDENCE_LIMITS = { depth: 8, keys: 50, string: 2000 }

export interface ConversationOptions {
  /** Maximum number of timeline entries kept. Default 20 000. */
  timelineLimit?: number
  /** Applied to every server-chosen string kept in an error (servers may echo what they were sent, keys included). */
  redact?: (text: string) => string
  /** Which audio the records keep (both directions). Default `'all'`. Validated by the adapter. */
  keepAudio?: KeepAudio
  /**
   * The server ends user turns (server turn detection): its `input_audio_buffer.committed` ends the open audio turn,
   * and a response it starts on its own answers that turn (and becomes the one read). Default false.
   */
  serverTurns?: boolean
  /**
   * The server's turn detection cancels the agent's response when the caller starts speaking (`interrupt_response`):
   * its `input_audio_buffer.speech_started` marks every open response interrupted (a barge-in). Default false.
   */
  serverInterrupts?: boolean
}

const AUDIO_DELTA = 'response.output_audio.delta'
const TRANSCRIPT_DELTA = 'response.output_audio_transcript.delta'

/** The records of one connection: turns, responses, the timeline, and what the reducer needs to attribute events. */
export class Conversation {
  /** User turns in order, each with its response. */
  readonly turns: TurnRecord[] = []
  /** Every response seen, including ones the server started on its own. */
  readonly responses: ResponseRecord[] = []
  /** The response of the latest turn (the one `recvAudio` reads). */
  currentResponse: ResponseRecord | null = null
  lastUserTranscript: string | null = null
  lastAgentTranscript: string | null = null
  /** Server errors received, newest `ERRORS_KEPT` (routine ones excluded). */
  readonly errors: RealtimeServerError[] = []
  /** Server errors received but no longer kept. */
  droppedErrors = 0
  readonly log: Timeline
  /** The recorded audio, both ways, packed in slabs (see audio-store.ts). */
  readonly audio = new AudioStore()

  // Attribution state, written only by the functions below.
  readonly responsesById = new Map<string, ResponseRecord>()
  /** Responses whose `response.create` has been sent but whose `response.created` has not arrived. */
  awaitingCreated: ResponseRecord[] = []
  readonly createByEventId = new Map<string, ResponseRecord>()
  readonly itemAudioBytes = new Map<string, number>()
  currentAssistantItem: string | null = null
  /** One shared copy of each event type and id string kept on the timeline (thousands of entries per response). */
  readonly strings = new Map<string, string>()
  readonly listeners = new Set<() => void>()
  readonly redact: (text: string) => string
  readonly #redactsOwnSecrets: boolean
  /** Retention: `Infinity` keeps all audio, `0` none, otherwise the newest that many ms of each direction. */
  readonly keepAudioMs: number
  readonly keepAudio: KeepAudio
  /** With a bounded `keepAudio`: the records holding kept audio, oldest first, and how many ms they hold. */
  readonly keptResponses: ResponseRecord[] = []
  keptResponseMs = 0
  readonly keptTurns: TurnRecord[] = []
  keptTurnMs = 0
  readonly serverTurns: boolean
  readonly serverInterrupts: boolean

  constructor(options: ConversationOptions = {}) {
    this.serverTurns = options.serverTurns ?? false
    this.serverInterrupts = options.serverInterrupts ?? false
    this.log = new Timeline(options.timelineLimit ?? 20_000)
    this.redact = options.redact ?? ((text) => text)
    this.#redactsOwnSecrets = options.redact !== undefined
    const keep = options.keepAudio ?? 'all'
    this.keepAudio = keep
    this.keepAudioMs = keep === 'all' ? Infinity : keep === 'none' ? 0 : keep.lastMs
  }

  /** Every event sent and received, timestamped at the socket (bounded). */
  get timeline(): readonly TimelineEntry[] {
    return this.log.entries
  }
  /** Function calls made by the model, in order. */
  get toolCalls(): readonly ToolCallRecord[] {
    return this.responses.flatMap((r) => r.toolCalls)
  }
  /** The conversation as `user` / `agent` entries, carrying the redactor that snapshots and reports apply. */
  get transcript(): Transcript {
    return this.#redactsOwnSecrets ? attachRedactor(buildTranscript(this.turns), this.redact) : buildTranscript(this.turns)
  }
}

/** Calls `listener` after every change of the records; returns the unsubscribe function. */
export function subscribe(conversation: Conversation, listener: () => void): () => void {
  conversation.listeners.add(listener)
  return () => conversation.listeners.delete(listener)
}

function notify(conversation: Conversation): void {
  // Called for every event: no copy (a Set visits no listener deleted during the loop), nothing to do when nobody waits.
  if (conversation.listeners.size === 0) return
  for (const listener of conversation.listeners) listener()
}

/** The GA name of a server event type (legacy beta names mapped), or `undefined` when it is already GA. */
export function gaEventType(type: string): string | undefined {
  // Own keys only: a server sending "constructor" or "__proto__" must not hit Object.prototype.
  return Object.hasOwn(LEGACY_EVENT_ALIASES, type) ? LEGACY_EVENT_ALIASES[type] : undefined
}

/** What the caller of `applyServerEvent` has to act on (the reducer itself sends nothing). */
export interface ServerEventOutcome {
  /** Audio of the response being read, to hand out. */
  chunk?: AudioChunk
  /** A response ended with this event. */
  done?: ResponseRecord
  /** A non-routine server error, already recorded in `errors`. */
  error?: RealtimeServerError
  /** Our `response.create` was refused because another response is active: ask again once it is done. */
  retry?: ResponseRecord
  /** The model called a function (its arguments are complete): the caller may run its handler. */
  toolCall?: ToolCallRecord
}

const NOTHING: ServerEventOutcome = Object.freeze({})

/**
 * Applies one received server event (already parsed; `type` already mapped to its GA name) at `at`
 * (`performance.now()` at socket receipt). `audio`: the decoded PCM of an audio delta when the caller decoded it
 * (a third-party adapter's chunk), or `DECODED_SPAN` when the caller decoded the delta from the frame into the
 * conversation's audio store (its last span; `event.delta` is then ignored); otherwise the base64 `delta` is
 * decoded here.
 */
export function applyServerEvent(
  conversation: Conversation,
  type: string,
  event: ServerEvent,
  at: number,
  audio?: AudioChunk | typeof DECODED_SPAN,
): ServerEventOutcome {
  const outcome = reduce(conversation, type, event, at, audio)
  notify(conversation)
  return outcome
}

/** Records an event that was received but not applied (binary, non-JSON, malformed), as evidence. */
export function recordSkippedFrame(conversation: Conversation, description: string, at: number): void {
  conversation.log.push({ direction: 'in', type: truncateText(description, MAX_TIMELINE_STRING), at })
  notify(conversation)
}

/** Records the socket's close on the timeline and wakes every waiter. */
export function recordClose(conversation: Conversation, code: number, at: number): void {
  conversation.log.push({ direction: 'in', type: `(socket closed ${code})`, at })
  notify(conversation)
}

/** Records a client event on the timeline (`bytes`: the audio it carried). */
export function recordSent(conversation: Conversation, type: string, at: number, bytes?: number): void {
  conversation.log.push({ direction: 'out', type, at, bytes })
}

function reduce(c: Conversation, type: string, event: ServerEvent, at: number, audio: AudioChunk | typeof DECODED_SPAN | undefined): ServerEventOutcome {
  const responseId = shared(c, str(event.response_id) ?? str(obj(event.response)?.id))
  const itemId = shared(c, str(event.item_id) ?? str(obj(event.item)?.id))
  if (type === AUDIO_DELTA) return audioDelta(c, event, at, audio, responseId, itemId)
  let entry: TimelineEntry | undefined
  if (type !== TRANSCRIPT_DELTA || !joinDeltaRun(c, TRANSCRIPT_DELTA, responseId, itemId, undefined)) {
    entry = timelineEntry(c, type, at, responseId, itemId)
    c.log.push(entry)
  }

  switch (type) {
    case 'input_audio_buffer.speech_started': {
      // A barge-in: the caller spoke over the agent, and the server cancels what it was saying.
      if (c.serverInterrupts) for (const r of c.responses) if (isResponseOpen(r)) r.interruptedAt ??= at
      return NOTHING
    }
    case 'input_audio_buffer.committed': {
      const turn = c.turns.findLast((t) => t.input === 'audio' && t.endedAt !== null && !t.itemId)
      if (turn && itemId) turn.itemId = itemId
      else if (c.serverTurns) {
        // The server's turn detection ended the caller's turn: this is its end.
        const open = c.turns[c.turns.length - 1]
        if (open && open.input === 'audio' && open.endedAt === null) {
          open.endedAt = at
          if (itemId) open.itemId = itemId
        }
      }
      return NOTHING
    }
    case 'conversation.item.input_audio_transcription.completed': {
      const transcript = str(event.transcript) ?? ''
      c.lastUserTranscript = transcript
      const turn = turnForItem(c, itemId)
      if (turn) turn.transcription = transcript
      return NOTHING
    }
    case 'conversation.item.input_audio_transcription.failed': {
      const turn = turnForItem(c, itemId)
      if (turn) turn.transcriptionFailed = str(obj(event.error)?.message) ?? 'transcription failed'
      return NOTHING
    }
    case 'response.created': {
      const known = responseId ? c.responsesById.get(responseId) : undefined
      if (known) {
        // Repeated, or late (after the response's first deltas): the response is tracked already. Taking
        // another awaiting record here would hand its audio to the wrong response.
        known.createdAt ??= at
        if (known.status === 'requested') known.status = 'in_progress'
        return NOTHING
      }
      const record = c.awaitingCreated.shift() ?? serverResponse(c, at)
      record.status = 'in_progress'
      record.createdAt = at
      if (responseId) {
        record.id = responseId
        c.responsesById.set(responseId, record)
      }
      return NOTHING
    }
    case 'response.output_item.added': {
      const item = obj(event.item)
      if (item && item.type === 'message' && itemId) c.currentAssistantItem = itemId
      return NOTHING
    }
    case 'response.output_audio_transcript.delta':
    case 'response.output_text.delta': {
      const record = responseFor(c, responseId, at)
      record.firstTranscriptAt ??= at
      if (!record.transcriptFinal) record.transcript += str(event.delta) ?? ''
      return NOTHING
    }
    case 'response.output_audio_transcript.done':
    case 'response.output_text.done': {
      const record = responseFor(c, responseId, at)
      const text = str(event.transcript) ?? str(event.text)
      if (text !== undefined) finaliseTranscript(c, record, text)
      return NOTHING
    }
    case 'response.function_call_arguments.done': {
      const record = responseFor(c, responseId, at)
      const callId = str(event.call_id) ?? ''
      if (record.toolCalls.some((call) => call.callId === callId)) return NOTHING
      const call: ToolCallRecord = {
        name: str(event.name) ?? '',
        callId,
        arguments: str(event.arguments) ?? '',
        responseId: responseId ?? null,
        itemId: itemId ?? null,
        receivedAt: at,
        output: null,
        startedAt: null,
        endedAt: null,
        error: null,
      }
      record.toolCalls.push(call)
      return { toolCall: call }
    }
    case 'response.done': {
      const response = obj(event.response)
      const record = (responseId && c.responsesById.get(responseId)) || c.awaitingCreated.shift() || orphanResponse(c, at)
      const status = str(response?.status)
      // A done response has ended: a missing, 'in_progress' or unknown status reads as completed (the type stays honest).
      record.status = status && FINAL_STATUSES.has(status) ? (status as ResponseStatus) : 'completed'
      record.statusDetails = boundedEvidence(response?.status_details ?? null, EVIDENCE_LIMITS.depth)
      record.doneAt = at
      // A cancelled response may never send transcript.done: finalise what streamed.
      if (!record.transcriptFinal) finaliseTranscript(c, record, record.transcript)
      return { done: record }
    }
    case 'error': {
      const payload = obj(event.error)
      // Every server-chosen string may echo what it was sent: redact them all, not just the message. Cut first, so
      // redaction never runs over megabytes, and a key cut in half is still recognised by its prefix.
      const clean = (text: string) => c.redact(truncateText(text, MAX_ERROR_STRING))
      const redactOrNull = (text: string | undefined) => (text === undefined ? null : clean(text))
      const error: RealtimeErrorPayload = {
        type: clean(str(payload?.type) ?? 'unknown_error'),
        code: redactOrNull(str(payload?.code)),
        message: clean(str(payload?.message) ?? 'no message'),
        param: redactOrNull(str(payload?.param)),
        event_id: str(payload?.event_id) ?? null,
      }
      entry!.code = error.code
      if (error.code && ROUTINE_ERROR_CODES.has(error.code)) return NOTHING
      const blamed = error.event_id ? c.createByEventId.get(error.event_id) : undefined
      if (error.code === 'conversation_already_has_active_response' && blamed) {
        // The server started a response we did not ask for; the caller asks again once it is done.
        c.awaitingCreated = c.awaitingCreated.filter((r) => r !== blamed)
        return { retry: blamed }
      }
      const err = new RealtimeServerError(error)
      c.errors.push(err)
      if (c.errors.length > ERRORS_KEPT) {
        c.errors.shift()
        c.droppedErrors++
      }
      // An error answering our response.create means that response will never come: end it so waiters stop.
      if (blamed && isResponseOpen(blamed)) {
        blamed.status = 'failed'
        blamed.doneAt = at
        c.awaitingCreated = c.awaitingCreated.filter((r) => r !== blamed)
      }
      return { error: err }
    }
    default:
      return NOTHING
  }
}

/**
 * An audio delta: decoded into the audio store (or a third-party adapter's chunk, `audio`), recorded on its
 * response, kept as `keepAudio` says, and handed out when it belongs to the response being read. The deltas of one
 * item share one timeline entry, across its interleaved transcript deltas (`joinDeltaRun`): at 20 ms a delta, one
 * entry each cost 10 % of the audio they describe.
 */
function audioDelta(
  c: Conversation,
  event: ServerEvent,
  at: number,
  audio: AudioChunk | typeof DECODED_SPAN | undefined,
  responseId: string | undefined,
  itemId: string | undefined,
): ServerEventOutcome {
  const record = responseFor(c, responseId, at)
  let buffer: Buffer
  let offset: number
  let bytes: number
  let sampleRate: number
  let receivedAt: number
  if (audio === DECODED_SPAN) {
    buffer = c.audio.spanSlab
    offset = c.audio.spanOffset
    bytes = c.audio.spanLength
    sampleRate = PCM_RATE
    receivedAt = at
  } else if (audio) {
    buffer = audio.data
    offset = 0
    bytes = buffer.length
    sampleRate = audio.sampleRate
    receivedAt = audio.receivedAt ?? at
  } else {
    // PCM16 needs whole samples: a trailing odd byte is dropped rather than shift every later sample.
    bytes = c.audio.decodeBase64Span(str(event.delta) ?? '', true)
    buffer = c.audio.spanSlab
    offset = c.audio.spanOffset
    sampleRate = PCM_RATE
    receivedAt = at
  }
  if (bytes === 0 || !joinDeltaRun(c, AUDIO_DELTA, responseId, itemId, bytes)) {
    // One literal with every field (the usual case): fields added later would cost a property array per entry.
    const entry: TimelineEntry =
      responseId && itemId && bytes > 0 ? { direction: 'in', type: AUDIO_DELTA, at, responseId, itemId, bytes } : { direction: 'in', type: AUDIO_DELTA, at }
    if (entry.bytes === undefined) {
      if (responseId) entry.responseId = responseId
      if (itemId) entry.itemId = itemId
      if (bytes > 0) entry.bytes = bytes
    }
    c.log.push(entry)
  }
  if (bytes === 0) return NOTHING
  const open = isResponseOpen(record)
  record.audioBytes += bytes
  record.firstAudioAt ??= at
  record.lastAudioAt = at
  if (record.interruptedAt !== null) record.audioBytesAfterInterrupt += bytes
  if (itemId) {
    c.itemAudioBytes.set(itemId, (c.itemAudioBytes.get(itemId) ?? 0) + bytes)
    c.currentAssistantItem = itemId
  }
  if (c.keepAudioMs === Infinity) responseAudio(record).append(buffer, offset, bytes, sampleRate, receivedAt)
  else if (c.keepAudioMs === 0) record.audioDroppedBytes += bytes
  else keepWindow(c, record, buffer, offset, bytes, sampleRate, receivedAt)
  // Audio after response.done is kept as evidence but never handed out after the null that ended it.
  if (record !== c.currentResponse || !open) return NOTHING
  if (audio && audio !== DECODED_SPAN) return { chunk: audio.receivedAt === undefined ? { ...audio, receivedAt } : audio }
  return { chunk: { data: buffer.subarray(offset, offset + bytes), sampleRate, receivedAt } }
}

/** `keepAudio: { lastMs }` for received audio: appends, then drops the oldest chunks the window no longer needs. */
function keepWindow(c: Conversation, record: ResponseRecord, buffer: Buffer, offset: number, bytes: number, sampleRate: number, receivedAt: number): void {
  responseAudio(record).append(buffer, offset, bytes, sampleRate, receivedAt)
  const kept = c.keptResponses
  if (kept[kept.length - 1] !== record) kept.push(record)
  c.keptResponseMs += msOf(bytes, sampleRate)
  while (kept.length > 0) {
    const oldest = kept[0]!
    const list = responseAudio(oldest)
    const head = list.headSpan()
    if (head === undefined) {
      kept.shift()
      continue
    }
    const ms = msOf(head.bytes, head.sampleRate)
    // Keep at least `lastMs`: a chunk goes only when what stays still covers the window.
    if (c.keptResponseMs - ms < c.keepAudioMs) break
    list.dropHead()
    oldest.audioDroppedBytes += head.bytes
    c.keptResponseMs -= ms
  }
}

function msOf(bytes: number, sampleRate: number): number {
  return sampleRate > 0 ? (bytes * 500) / sampleRate : 0
}

// ---- what the client did ----

/** `input_audio_buffer.append`: user audio joins the open audio turn (a new one when none is open). Returns the kept copy. */
export function userAudio(c: Conversation, data: Uint8Array): Buffer {
  const turn = openTurn(c, 'audio')
  turn.audioDroppedBytes ??= 0
  if (c.keepAudioMs === 0) {
    // Nothing is kept: the caller's bytes are used as they are (sent at once, never recorded).
    turn.audioBytes += data.length
    turn.audioDroppedBytes += data.length
    notify(c)
    return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  }
  const kept = c.audio.copy(data)
  appendAudio(turn.audio, kept)
  turn.audioBytes += kept.length
  if (c.keepAudioMs !== Infinity) keepUserWindow(c, turn, kept.length)
  notify(c)
  return kept
}

/** `keepAudio: { lastMs }` for sent audio: drops the oldest Buffers of the oldest turns the window no longer needs. */
function keepUserWindow(c: Conversation, turn: TurnRecord, bytes: number): void {
  const kept = c.keptTurns
  if (kept[kept.length - 1] !== turn) kept.push(turn)
  c.keptTurnMs += msOf(bytes, PCM_RATE)
  while (kept.length > 0) {
    const oldest = kept[0]!
    const head = oldest.audio[0]
    if (head === undefined) {
      kept.shift()
      continue
    }
    const ms = msOf(head.length, PCM_RATE)
    if (c.keptTurnMs - ms < c.keepAudioMs) break
    oldest.audio.shift()
    oldest.audioDroppedBytes = (oldest.audioDroppedBytes ?? 0) + head.length
    c.keptTurnMs -= ms
  }
}

/** `input_audio_buffer.commit`: the end of the open audio turn. */
export function userAudioCommitted(c: Conversation, at: number): TurnRecord {
  const turn = openTurn(c, 'audio')
  turn.endedAt = at
  notify(c)
  return turn
}

/** `conversation.item.create` of a user message: a text turn, ended as it is sent. */
export function userText(c: Conversation, text: string, at: number): TurnRecord {
  const turn = newTurn(c, 'text')
  turn.text = text
  turn.endedAt = at
  notify(c)
  return turn
}

/** A user audio turn begun before anything was observed (instrumentation starts at the first matcher). */
export function unseenAudioTurn(c: Conversation): TurnRecord {
  return newTurn(c, 'audio')
}

/** The client wants a response to `turn` (it becomes the response being read); sent now or held back by the caller. */
export function responseRequested(c: Conversation, turn: TurnRecord, at: number): ResponseRecord {
  const record = newResponseRecord(at)
  // A follow-up after tool calls joins the same turn: the earlier responses stay, the new one is what the caller hears.
  for (const earlier of turn.responses) earlier.awaitingFollowUp = false
  turn.responses.push(record)
  turn.response = record
  c.responses.push(record)
  // The follow-up of an earlier turn (its tool handler settled late) must not take over the reading of the latest one.
  if (turn === c.turns[c.turns.length - 1]) c.currentResponse = record
  notify(c)
  return record
}

/** `response.create` went out for `record` (with `eventId`, so a refusal can be attributed). */
export function responseCreateSent(c: Conversation, record: ResponseRecord, eventId: string | undefined, at: number): void {
  if (eventId) c.createByEventId.set(eventId, record)
  record.requestedAt = at
  c.awaitingCreated.push(record)
}

/** A held-back response that will never be asked for (the client interrupted first). */
export function responseAbandoned(c: Conversation, record: ResponseRecord, at: number): void {
  record.status = 'cancelled'
  record.doneAt = at
  notify(c)
}

/** True while a response other than `except` is open (a second `response.create` would be refused). */
export function hasOpenResponse(c: Conversation, except?: ResponseRecord): boolean {
  return c.responses.some((r) => r !== except && isResponseOpen(r))
}

// ---- tool calls (what the client did about them) ----

/** The turn whose responses hold the call `callId` (the newest such call). */
export function turnOfToolCall(c: Conversation, callId: string): TurnRecord | undefined {
  return c.turns.findLast((t) => t.responses.some((r) => r.toolCalls.some((call) => call.callId === callId)))
}

/** The newest recorded call with `callId`. */
export function toolCallById(c: Conversation, callId: string): ToolCallRecord | undefined {
  for (let i = c.responses.length - 1; i >= 0; i--) {
    const call = c.responses[i]!.toolCalls.find((t) => t.callId === callId)
    if (call) return call
  }
  return undefined
}

/** The client will answer `response`'s tool calls itself and then ask for the follow-up (`false`: it will not). */
export function followUpAwaited(c: Conversation, response: ResponseRecord, awaiting: boolean): void {
  response.awaitingFollowUp = awaiting
  notify(c)
}

/** The client started the call's handler. */
export function toolCallStarted(c: Conversation, call: ToolCallRecord, at: number): void {
  call.startedAt = at
  notify(c)
}

/** The call's handler settled (`error`: it threw, timed out, or there was none). */
export function toolCallSettled(c: Conversation, call: ToolCallRecord, at: number, error?: string): void {
  call.endedAt ??= at
  if (error !== undefined) call.error = error
  notify(c)
}

/** `conversation.item.create` of a `function_call_output` for `callId`; returns the call it answers, when recorded. */
export function toolOutputSent(c: Conversation, callId: string, output: string, at: number): ToolCallRecord | undefined {
  const call = toolCallById(c, callId)
  if (call) {
    call.output = output
    call.endedAt ??= at
  }
  notify(c)
  return call
}

export interface InterruptTarget {
  /** Responses that were open when the interrupt came. */
  active: ResponseRecord[]
  /** The assistant item whose audio was playing, and how much of it was received: what `conversation.item.truncate` keeps. */
  truncate: { itemId: string; audioEndMs: number } | null
}

/** `response.cancel`: marks every open response interrupted at `at`. */
export function interrupted(c: Conversation, at: number): InterruptTarget {
  const active = c.responses.filter(isResponseOpen)
  for (const r of active) r.interruptedAt ??= at
  // Tool calls still being answered get no follow-up: the caller cut the turn short.
  for (const r of c.responses) r.awaitingFollowUp = false
  const item = c.currentAssistantItem
  const truncate = item && active.length ? { itemId: item, audioEndMs: Math.floor((c.itemAudioBytes.get(item) ?? 0) / BYTES_PER_MS) } : null
  notify(c)
  return { active, truncate }
}

// ---- attribution ----

function openTurn(c: Conversation, input: 'audio' | 'text'): TurnRecord {
  const last = c.turns[c.turns.length - 1]
  if (last && last.input === input && last.endedAt === null) return last
  return newTurn(c, input)
}

function newTurn(c: Conversation, input: 'audio' | 'text'): TurnRecord {
  const turn = newTurnRecord(c.turns.length, input)
  c.turns.push(turn)
  return turn
}

function finaliseTranscript(c: Conversation, record: ResponseRecord, text: string): void {
  record.transcript = text
  record.transcriptFinal = true
  if (record === c.currentResponse || c.responses[c.responses.length - 1] === record) c.lastAgentTranscript = text
}

function turnForItem(c: Conversation, itemId: string | undefined): TurnRecord | undefined {
  if (itemId) {
    const byId = c.turns.find((t) => t.itemId === itemId)
    if (byId) return byId
  }
  return c.turns.findLast((t) => t.input === 'audio' && t.endedAt !== null)
}

function responseFor(c: Conversation, responseId: string | undefined, at: number): ResponseRecord {
  if (responseId) {
    const known = c.responsesById.get(responseId)
    if (known) return known
  }
  // Deltas without a known id (lenient servers, third-party adapters): attribute them to the newest response.
  const latest = c.responses[c.responses.length - 1]
  if (latest && (!responseId || latest.id === null)) {
    if (responseId) {
      latest.id = responseId
      c.responsesById.set(responseId, latest)
      c.awaitingCreated = c.awaitingCreated.filter((r) => r !== latest)
      if (latest.status === 'requested') latest.status = 'in_progress'
    }
    return latest
  }
  const orphan = orphanResponse(c, at)
  if (responseId) {
    orphan.id = responseId
    c.responsesById.set(responseId, orphan)
  }
  return orphan
}

/**
 * A response the server started without our asking. With server turns, it answers the latest user turn when that
 * turn has ended and has no response yet, and becomes the response being read; otherwise it is recorded, never read.
 */
function serverResponse(c: Conversation, at: number): ResponseRecord {
  const turn = c.turns[c.turns.length - 1]
  if (!c.serverTurns || !turn || turn.endedAt === null || turn.responses.length > 0) return orphanResponse(c, at)
  const record = newResponseRecord(turn.endedAt)
  record.requestedAt = turn.endedAt
  turn.responses.push(record)
  turn.response = record
  c.responses.push(record)
  c.currentResponse = record
  return record
}

function timelineEntry(c: Conversation, type: string, at: number, responseId: string | undefined, itemId: string | undefined): TimelineEntry {
  const entry: TimelineEntry = { direction: 'in', type: shared(c, type), at }
  if (responseId) entry.responseId = responseId
  if (itemId) entry.itemId = itemId
  return entry
}

/**
 * Audio deltas and transcript deltas of one response item arrive interleaved (a few words, then their audio), for
 * as long as the agent speaks. Each kind is kept as one run entry (`count` deltas, `bytes` of audio, `at` of the
 * first), so a long answer holds two timeline entries, not two per word: a delta joins the newest run of its kind
 * when nothing but the other kind's run, of the same item, came after it. Returns whether it joined one.
 */
function joinDeltaRun(
  c: Conversation,
  type: typeof AUDIO_DELTA | typeof TRANSCRIPT_DELTA,
  responseId: string | undefined,
  itemId: string | undefined,
  bytes: number | undefined,
): boolean {
  const entries = c.log.entries
  let run = entries[entries.length - 1]
  if (run !== undefined && !isDeltaRun(run, type, responseId, itemId, bytes)) {
    if (!isDeltaRun(run, type === AUDIO_DELTA ? TRANSCRIPT_DELTA : AUDIO_DELTA, responseId, itemId, type === AUDIO_DELTA ? undefined : 0)) return false
    run = entries[entries.length - 2]
  }
  if (run === undefined || !isDeltaRun(run, type, responseId, itemId, bytes)) return false
  run.count = (run.count ?? 1) + 1
  if (bytes !== undefined) run.bytes! += bytes
  return true
}

/** A received run of `type` deltas of this item; audio runs carry `bytes` (`bytes` defined), transcript runs none. */
function isDeltaRun(e: TimelineEntry, type: string, responseId: string | undefined, itemId: string | undefined, bytes: number | undefined): boolean {
  return e.type === type && e.direction === 'in' && e.responseId === responseId && e.itemId === itemId && (e.bytes === undefined) === (bytes === undefined)
}

/** A response the server started without our asking (e.g. server VAD): recorded, never read. */
function orphanResponse(c: Conversation, at: number): ResponseRecord {
  const record = newResponseRecord(at)
  record.status = 'in_progress'
  c.responses.push(record)
  return record
}

function shared<T extends string | undefined>(c: Conversation, text: T): T {
  if (text === undefined) return text
  if (text.length > MAX_TIMELINE_STRING) return truncateText(text, MAX_TIMELINE_STRING) as T
  const known = c.strings.get(text)
  if (known !== undefined) return known as T
  if (c.strings.size >= SHARED_STRINGS) c.strings.clear()
  c.strings.set(text, text)
  return text
}

/** A copy of a server object bounded in depth, keys and string length: stored evidence must stay serialisable. */
function boundedEvidence(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncateText(value, EVIDENCE_LIMITS.string)
  if (value === null || typeof value !== 'object') return value
  if (depth <= 0) return '[nested too deep]'
  if (Array.isArray(value)) return value.slice(0, EVIDENCE_LIMITS.keys).map((v) => boundedEvidence(v, depth - 1))
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).slice(0, EVIDENCE_LIMITS.keys)) {
    // defineProperty: a server key named "__proto__" stays a plain key.
    Object.defineProperty(out, key, {
      value: boundedEvidence((value as Record<string, unknown>)[key], depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
}
