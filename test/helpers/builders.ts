/**
 * The test builders every file shares: a spoken line of the synthetic voice, and conversation records built by hand
 * (for the reports, which read records and never need a server). No test runner import: child-process fixtures
 * (test/hardening/fixtures, test/replay/fixtures) use them too. Records are built against the public
 * `ResponseRecord` / `TurnRecord` types, so a change to their shape shows here, in one place.
 */
import { PCM_RATE, synthesizeSpeech, type AudioChunk, type ResponseRecord, type TurnRecord } from '../../src/index.js'
import { tone } from '../../src/audio.js'

/** `text` spoken by the synthetic voice (the fake server transcribes it back), as one PCM16 24 kHz chunk. */
export const speech = (text: string): AudioChunk => ({ data: synthesizeSpeech(text), sampleRate: PCM_RATE })

/** 100 ms of a 400 Hz tone: the default agent audio of `responseRecord`. */
export const AGENT_TONE: AudioChunk = tone(400, 100, { amplitude: 0.5 })

export interface ResponseRecordSpec extends Partial<ResponseRecord> {
  /** The audio of each chunk (default `AGENT_TONE`). */
  chunk?: AudioChunk
}

/**
 * A completed response whose chunks (`chunk`, default 100 ms of tone) arrived at the given instants, requested 1 ms
 * before the first; `audioBytes`, `firstAudioAt` and `lastAudioAt` follow from them. Any field of `spec` wins.
 */
export function responseRecord(arrivals: number[], spec: ResponseRecordSpec = {}): ResponseRecord {
  const { chunk = AGENT_TONE, ...fields } = spec
  return {
    id: null,
    status: 'completed',
    statusDetails: null,
    requestedAt: (arrivals[0] ?? 1) - 1,
    createdAt: null,
    firstTranscriptAt: null,
    firstAudioAt: arrivals[0] ?? null,
    doneAt: null,
    audio: arrivals.map((receivedAt) => ({ ...chunk, receivedAt })),
    audioBytes: arrivals.length * chunk.data.length,
    audioDroppedBytes: 0,
    transcript: '',
    transcriptFinal: false,
    toolCalls: [],
    interruptedAt: null,
    audioBytesAfterInterrupt: 0,
    lastAudioAt: arrivals[arrivals.length - 1] ?? null,
    awaitingFollowUp: false,
    ...fields,
  }
}

/** A user turn; `audioBytes` follows from `audio`. Any field of `fields` wins. */
export function turnRecord(index: number, input: 'audio' | 'text', fields: Partial<TurnRecord> = {}): TurnRecord {
  const audio = fields.audio ?? []
  return {
    index,
    input,
    text: null,
    audio,
    audioBytes: audio.reduce((n, b) => n + b.length, 0),
    audioDroppedBytes: 0,
    itemId: null,
    transcription: null,
    transcriptionFailed: null,
    endedAt: null,
    response: null,
    responses: fields.response ? [fields.response] : [],
    ...fields,
  }
}
