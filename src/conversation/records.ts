import type { ResponseStatus } from '../protocol/events.js'
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { ChunkList } from './audio-store.js'

/** Where a response record keeps its audio descriptors (written by the reducer only; read through `audio`). */
export const RESPONSE_AUDIO: unique symbol = Symbol('expect-voice.response-audio')

/**
 * Which audio the records keep, both directions: `'all'` (default: failure recordings play it back), `'none'`
 * (byte counts and timings only), or the newest `lastMs` of received audio and of sent audio (long and soak tests:
 * memory stays flat). `recvAudio` hands out every chunk either way.
 */
export type KeepAudio = 'all' | 'none' | { readonly lastMs: number }

/** A function call the model made. */
export interface ToolCallRecord {
  name: string
  callId: string
  /** The raw JSON arguments string, as sent by the server. */
  arguments: string
  responseId: string | null
  itemId: string | null
  receivedAt: number
  /** The `function_call_output` sent back (a JSON string), or `null` while the call is unanswered. */
  output: string | null
  /** `performance.now()` when the adapter started the call's handler (`null`: no handler ran). */
  startedAt: number | null
  /** `performance.now()` when the handler settled, or when the output was sent by hand (`sendToolResult`). */
  endedAt: number | null
  /** Why the call failed (its handler threw or timed out, or it had none), or `null`. */
  error: string | null
}

/** Everything observed about one response, from the `response.create` that asked for it to `response.done`. */
export interface ResponseRecord {
  /** Server id, known once `response.created` arrives. */
  id: string | null
  status: ResponseStatus | 'requested'
  statusDetails: unknown
  /** `performance.now()` when `response.create` was sent: the end of the user turn. */
  requestedAt: number
  createdAt: number | null
  firstTranscriptAt: number | null
  firstAudioAt: number | null
  doneAt: number | null
  /**
   * Every audio chunk received for this response and kept (see the adapter's `keepAudio`), in order, as bytes. The
   * chunk objects are made when this is first read, and the same array is returned (and extended) afterwards.
   */
  readonly audio: AudioChunk[]
  /** Bytes of audio received for this response, kept or not. */
  audioBytes: number
  /** Bytes of audio received for this response but no longer kept (`keepAudio`); the oldest ones go first. */
  audioDroppedBytes: number
  /** Agent transcript: streamed deltas, replaced by the final text when `.done` arrives. */
  transcript: string
  transcriptFinal: boolean
  toolCalls: ToolCallRecord[]
  /** `performance.now()` when `interrupt()` was called during this response. */
  interruptedAt: number | null
  /** Audio bytes received after `interruptedAt`. */
  audioBytesAfterInterrupt: number
  /** `performance.now()` of the last audio chunk received for this response. */
  lastAudioAt: number | null
  /**
   * True while the client runs this response's tool calls and will ask for the follow-up response of the same turn
   * (the adapter's tool handlers); the turn has not been answered yet.
   */
  awaitingFollowUp: boolean
}

/** One user turn: what the user sent, what the model heard, and the response it got. */
export interface TurnRecord {
  index: number
  input: 'audio' | 'text'
  /** Text sent with `sendText`. */
  text: string | null
  /** User audio sent with `sendAudio` and kept (see the adapter's `keepAudio`), as bytes (PCM16 at 24 kHz). */
  audio: Buffer[]
  /** Bytes of user audio sent in this turn, kept or not. */
  audioBytes: number
  /** Bytes of user audio sent in this turn but no longer kept (`keepAudio`); the oldest ones go first. 0 or absent: none. */
  audioDroppedBytes?: number
  /** Item id of the committed user audio (from `input_audio_buffer.committed`). */
  itemId: string | null
  /** What the model heard (input audio transcription); `null` until it arrives. */
  transcription: string | null
  transcriptionFailed: string | null
  /** `performance.now()` of the commit / `response.create`: the end of the user turn. */
  endedAt: number | null
  /** The latest response of this turn: the answer the caller heard (after a tool call, the follow-up response). */
  response: ResponseRecord | null
  /** Every response of this turn in order: one, or the tool-calling response(s) and then the follow-up. */
  responses: ResponseRecord[]
}

export function newTurnRecord(index: number, input: 'audio' | 'text'): TurnRecord {
  return {
    index,
    input,
    text: null,
    audio: [],
    audioBytes: 0,
    audioDroppedBytes: 0,
    itemId: null,
    transcription: null,
    transcriptionFailed: null,
    endedAt: null,
    response: null,
    responses: [],
  }
}

export function newResponseRecord(requestedAt: number): ResponseRecord {
  const list = new ChunkList()
  const record = {
    id: null,
    status: 'requested',
    statusDetails: null,
    requestedAt,
    createdAt: null,
    firstTranscriptAt: null,
    firstAudioAt: null,
    doneAt: null,
    // An accessor in place: the chunk objects are made only when someone reads the audio.
    get audio(): AudioChunk[] {
      return list.chunks()
    },
    audioBytes: 0,
    audioDroppedBytes: 0,
    transcript: '',
    transcriptFinal: false,
    toolCalls: [],
    interruptedAt: null,
    audioBytesAfterInterrupt: 0,
    lastAudioAt: null,
    awaitingFollowUp: false,
  } as ResponseRecord
  Object.defineProperty(record, RESPONSE_AUDIO, { value: list })
  return record
}

/** The descriptors behind `record.audio` (a record made elsewhere gets a list of its own on first use). */
export function responseAudio(record: ResponseRecord): ChunkList {
  const own = (record as { [RESPONSE_AUDIO]?: ChunkList })[RESPONSE_AUDIO]
  if (own) return own
  const list = new ChunkList()
  Object.defineProperty(record, RESPONSE_AUDIO, { value: list })
  return list
}

export function isResponseOpen(r: ResponseRecord): boolean {
  return r.status === 'requested' || r.status === 'in_progress'
}

/** True while the turn is being answered: one of its responses is open, or a tool call's follow-up is still to come. */
export function isTurnOpen(turn: TurnRecord): boolean {
  return turn.responses.some((r) => isResponseOpen(r) || r.awaitingFollowUp)
}

/** Every tool call of the turn, over all its responses, in order. */
export function turnToolCalls(turn: TurnRecord): ToolCallRecord[] {
  return turn.responses.flatMap((r) => r.toolCalls)
}
