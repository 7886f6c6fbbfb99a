import type { ResponseRecord } from './records.js'
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { int16View, powerToDb } from '../audio/pcm16.js'
import { resampleAudio } from '../audio/resample.js'
import { createSpeechDetector, detectSpeech, type SpeechDetectionOptions, type SpeechSegment } from '../audio/speech-detection.js'

/*
 * Speech timing of a response: where in the agent's audio the speech starts, and when a listener would hear it.
 *
 * The realtime API streams audio faster than real time, so "when did the chunk holding the first speech arrive" says
 * little about what a caller hears. The heard time assumes the simplest client: it starts playing at the first audio
 * chunk and plays every chunk as soon as the previous one has finished or as soon as it arrives, whichever is later
 * (no jitter buffer). Chunk i then starts playing at max(receivedAt_i, end of chunk i-1), and the first speech is heard
 * at the start of its chunk plus its offset inside the chunk. When audio arrives faster than real time this is
 * first audio + leading silence; when it arrives slower, the stalls count too.
 *
 * Speech is found by the energy detector of `detectSpeech` with its defaults (-45 dBFS threshold over 10 ms frames, a
 * segment counts once it holds 60 ms of active audio, pauses under 200 ms stay inside a segment).
 */

/** Speech timing of one response. Instants are `performance.now()` values, like the response record's. */
export interface ResponseSpeechTiming {
  /** Agent audio received so far, in ms. */
  audioMs: number
  /** Start of the first speech, ms into the response audio (= leading silence); null when there is no speech. */
  firstSpeechMs: number | null
  /** Audio before the first speech: `firstSpeechMs`, or all of it when there is none. */
  leadingSilenceMs: number
  /** Total speech in the response audio, ms. */
  speechMs: number
  /** When a client playing the audio as it arrives would start hearing speech; null when there is no speech. */
  firstSpeechAt: number | null
  /** When the chunk holding the first speech arrived from the socket (undefined when the adapter gave no receivedAt). */
  firstSpeechReceivedAt: number | null
  /** Speech segments, ms into the response audio. */
  segments: SpeechSegment[]
  /** The threshold used, dBFS. */
  thresholdDb: number
  /** Level of the loudest 10 ms frame, dBFS (-Infinity for digital silence): shows how far from the threshold quiet audio was. */
  peakDb: number
  /** Set when the response was interrupted: what arrived after `interrupt()`. */
  afterInterrupt: {
    /** Audio received after the interrupt, ms. */
    audioMs: number
    /** Speech in that audio (including a word that was cut by the interrupt and went on), ms. */
    speechMs: number
    /** Ms after the interrupt at which the first chunk holding speech arrived; null when none did. */
    firstSpeechReceivedAfterMs: number | null
  } | null
}

/** Start instant of every chunk on the playback clock of a client that plays audio as it arrives. */
export function playbackStarts(chunks: readonly AudioChunk[]): number[] {
  const starts: number[] = []
  let end: number | null = null
  for (const c of chunks) {
    const arrived = c.receivedAt ?? end ?? 0
    const start: number = end === null ? arrived : Math.max(arrived, end)
    starts.push(start)
    end = start + chunkMs(c)
  }
  return starts
}

function chunkMs(c: AudioChunk): number {
  return (c.data.length / 2 / c.sampleRate) * 1000
}

/** The response audio as one 24 kHz (or first-chunk-rate) PCM16 buffer, with every chunk's start offset in ms. */
function joined(chunks: readonly AudioChunk[]): { pcm: Buffer; sampleRate: number; offsets: number[] } {
  const sampleRate = chunks[0]?.sampleRate ?? 24_000
  const parts: Buffer[] = []
  const offsets: number[] = []
  let ms = 0
  for (const c of chunks) {
    const even = c.data.length % 2 ? c.data.subarray(0, c.data.length - 1) : c.data
    const same = c.sampleRate === sampleRate ? { data: even, sampleRate } : resampleAudio({ data: even, sampleRate: c.sampleRate }, sampleRate)
    offsets.push(ms)
    parts.push(Buffer.from(same.data.buffer, same.data.byteOffset, same.data.byteLength))
    ms += (same.data.length / 2 / sampleRate) * 1000
  }
  return { pcm: Buffer.concat(parts), sampleRate, offsets }
}

/** Loudest 10 ms frame of PCM16 audio, in dBFS. */
export function peakFrameDb(pcm: Buffer, sampleRate: number): number {
  const s = int16View(pcm)
  const frame = Math.max(1, Math.round(sampleRate / 100))
  let peak = 0
  for (let off = 0; off < s.length; off += frame) {
    const end = Math.min(s.length, off + frame)
    let sum = 0
    for (let i = off; i < end; i++) sum += s[i] * s[i]
    peak = Math.max(peak, sum / (end - off))
  }
  return powerToDb(peak)
}

/** Speech timing of a response's audio (all of it received so far). Pure; about 3 ms of CPU per minute of audio. */
export function responseSpeechTiming(response: Pick<ResponseRecord, 'audio' | 'interruptedAt'>, options: SpeechDetectionOptions = {}): ResponseSpeechTiming {
  const chunks = response.audio.filter((c) => c.data.length >= 2)
  const { sampleRate: _ignored, ...detectorOptions } = options
  void _ignored
  const { pcm, sampleRate, offsets } = joined(chunks)
  const result = detectSpeech({ data: pcm, sampleRate }, detectorOptions)
  const audioMs = result.durationMs
  let firstSpeechAt: number | null = null
  let firstSpeechReceivedAt: number | null = null
  if (result.firstSpeechMs !== null && chunks.length) {
    const k = chunkIndexAt(offsets, result.firstSpeechMs)
    const starts = playbackStarts(chunks)
    firstSpeechAt = starts[k]! + (result.firstSpeechMs - offsets[k]!)
    firstSpeechReceivedAt = chunks[k]!.receivedAt ?? null
  }
  let afterInterrupt: ResponseSpeechTiming['afterInterrupt'] = null
  if (response.interruptedAt !== null) {
    const at = response.interruptedAt
    const first = chunks.findIndex((c) => (c.receivedAt ?? -Infinity) > at)
    const fromMs = first === -1 ? audioMs : offsets[first]!
    const speechAfter = result.segments.reduce((sum, s) => sum + Math.max(0, s.endMs - Math.max(s.startMs, fromMs)), 0)
    let firstSpeechReceivedAfterMs: number | null = null
    if (first !== -1) {
      for (let i = first; i < chunks.length; i++) {
        const start = offsets[i]!
        const end = i + 1 < chunks.length ? offsets[i + 1]! : audioMs
        if (result.segments.some((s) => s.startMs < end && s.endMs > start)) {
          firstSpeechReceivedAfterMs = chunks[i]!.receivedAt! - at
          break
        }
      }
    }
    afterInterrupt = { audioMs: audioMs - fromMs, speechMs: speechAfter, firstSpeechReceivedAfterMs }
  }
  return {
    audioMs,
    firstSpeechMs: result.firstSpeechMs,
    leadingSilenceMs: result.leadingSilenceMs,
    speechMs: result.speechMs,
    firstSpeechAt,
    firstSpeechReceivedAt,
    segments: result.segments,
    thresholdDb: result.thresholdDb,
    peakDb: peakFrameDb(pcm, sampleRate),
    afterInterrupt,
  }
}

function chunkIndexAt(offsets: readonly number[], ms: number): number {
  let k = 0
  while (k + 1 < offsets.length && offsets[k + 1]! <= ms) k++
  return k
}

/**
 * Follows a response as its chunks arrive and says once speech has been confirmed in it (a streaming detector fed
 * only the new chunks, so waiting for speech costs one pass over the audio).
 */
export function speechWatcher(options: SpeechDetectionOptions = {}): (response: Pick<ResponseRecord, 'audio' | 'audioDroppedBytes'>) => boolean {
  const { sampleRate: _ignored, ...detectorOptions } = options
  void _ignored
  let detector = createSpeechDetector(detectorOptions)
  /** Index in `response.audio` of the next chunk to feed. */
  let fed = 0
  /** `audioDroppedBytes` when `fed` was last moved to account for chunks let go from the head (`keepAudio`). */
  let dropped = 0
  /** Sizes of the fed chunks that may still be kept, oldest first (from `fedHead`). */
  let fedSizes: number[] = []
  let fedHead = 0
  let rate: number | null = null
  let seen: Pick<ResponseRecord, 'audio'> | null = null
  return (response) => {
    if (seen !== response) {
      seen = response
      detector = createSpeechDetector(detectorOptions)
      fed = dropped = fedHead = 0
      fedSizes = []
      rate = null
    }
    // With a retention bound the oldest chunks leave `audio`: move back by the fed chunks that left, so no new chunk
    // is skipped. Chunks that left before they were fed are lost to the detector (it goes on from the oldest kept).
    let gone = (response.audioDroppedBytes ?? 0) - dropped
    dropped += gone
    while (gone > 0 && fedHead < fedSizes.length) {
      gone -= fedSizes[fedHead++]!
      fed--
    }
    if (gone > 0) fed = 0
    if (fedHead > 1024 && fedHead * 2 > fedSizes.length) {
      fedSizes = fedSizes.slice(fedHead)
      fedHead = 0
    }
    for (; fed < response.audio.length; fed++) {
      const c = response.audio[fed]!
      fedSizes.push(c.data.length)
      if (c.data.length < 2) continue
      rate ??= c.sampleRate
      const even = c.data.length % 2 ? c.data.subarray(0, c.data.length - 1) : c.data
      const chunk = c.sampleRate === rate ? { data: even, sampleRate: rate } : resampleAudio({ data: even, sampleRate: c.sampleRate }, rate)
      if (detector.push(chunk) !== null) {
        fed++
        return true
      }
    }
    return detector.onset !== null
  }
}

/** "-45 dBFS" style level. */
export function formatDb(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} dBFS` : 'digital silence'
}
