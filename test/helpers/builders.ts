/**
 * The test builders every file shares: a spoken line of the synthetic voice, and conversation records built by hand
 * (for the reports, which read records and never need a server). No test runner import: child-process fixtures
 * (test/hardening/fixtures) use them too.
 */
import {
  PCM_RATE,
  newResponseRecord,
  newTurnRecord,
  synthesizeSpeech,
  tone,
  type AudioChunk,
  type ResponseRecord,
  type TurnRecord,
} from '../../src/index.js'

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
  const r = newResponseRecord((arrivals[0] ?? 1) - 1)
  r.status = 'completed'
  for (const receivedAt of arrivals) {
    r.audio.push({ ...chunk, receivedAt })
    r.audioBytes += chunk.data.length
  }
  r.firstAudioAt = arrivals[0] ?? null
  r.lastAudioAt = arrivals[arrivals.length - 1] ?? null
  return Object.assign(r, fields)
}

/** A user turn; `audioBytes` follows from `audio`. Any field of `fields` wins. */
export function turnRecord(index: number, input: 'audio' | 'text', fields: Partial<TurnRecord> = {}): TurnRecord {
  const turn = Object.assign(newTurnRecord(index, input), fields)
  if (fields.audioBytes === undefined) turn.audioBytes = turn.audio.reduce((n, b) => n + b.length, 0)
  return turn
}
