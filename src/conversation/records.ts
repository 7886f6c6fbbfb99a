import type { ResponseStatus } from '../protocol/events.js'
import type { AudioChunk } from '../protocol/audio-chunk.js'

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
  /** Every audio chunk received for this response, in order, as bytes. */
  audio: AudioChunk[]
  audioBytes: number
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
  /** User audio sent with `sendAudio`, as bytes (PCM16 at 24 kHz). */
  audio: Buffer[]
  audioBytes: number
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
    itemId: null,
    transcription: null,
    transcriptionFailed: null,
    endedAt: null,
    response: null,
    responses: [],
  }
}

export function newResponseRecord(requestedAt: number): ResponseRecord {
  return {
    id: null,
    status: 'requested',
    statusDetails: null,
    requestedAt,
    createdAt: null,
    firstTranscriptAt: null,
    firstAudioAt: null,
    doneAt: null,
    audio: [],
    audioBytes: 0,
    transcript: '',
    transcriptFinal: false,
    toolCalls: [],
    interruptedAt: null,
    audioBytesAfterInterrupt: 0,
    lastAudioAt: null,
    awaitingFollowUp: false,
  }
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
