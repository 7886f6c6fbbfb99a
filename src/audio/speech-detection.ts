import type { AudioChunk } from '../protocol/audio-chunk.js'
import { AudioFormatError, InvalidOptionError } from '../errors/index.js'
import { DEFAULT_SAMPLE_RATE, assertSampleRate, dbToPower, describeValue, int16View, isAudioChunk, pcmAndRate, powerToDb, type Pcm16Input } from './pcm16.js'

/*
 * Energy-based voice activity detection, tuned for "when did the agent start talking?".
 *
 * The audio is cut into frames (default 10 ms) and each frame's RMS level (dBFS, 0 = full-scale square wave)
 * compared with a threshold. Active frames closer together than `hangoverMs` form one segment; a segment counts as
 * speech once its active frames add up to `minSpeechMs` (a click or a pop does not). A segment's start is then
 * refined to 1 ms: a soft onset (a fricative, a fade-in) is traced back over frames down to 10 dB below the
 * threshold, for at most 100 ms and only if a quieter frame comes before it (a rising edge, not loud background),
 * and the first 1 ms sub-window at or above that level is the onset. Its end is refined to 1 ms the same way,
 * backwards, at the threshold.
 *
 * Defaults, and why:
 * - thresholdDb -45 dBFS: synthetic speech at normal level measures around -25..-20 dBFS RMS over an utterance
 *   (espeak-ng), louder syllables more; digital silence, dither and the low-level hiss of a decent recording are
 *   below -55. Raise it for noisy input, or use adaptive.
 * - adaptive (off by default): the threshold becomes max(noise floor + marginDb, thresholdDb), the floor being the level of
 *   the quietest 10% of frames (the 10th percentile). It only ever raises the threshold, for recordings with
 *   steady background noise.
 * - marginDb 10: how far above the noise floor speech must be (adaptive only).
 * - frameMs 10: short enough for onsets, long enough for a stable level.
 * - minSpeechMs 60: shorter than any syllable, longer than clicks, pops and codec glitches.
 * - hangoverMs 200: pauses between words (and stop-consonant closures) stay inside one segment.
 */

export interface SpeechDetectionOptions {
  /** Rate of raw Buffers, in Hz (default 24000). A chunk brings its own; a different value here is an error. */
  sampleRate?: number
  /** Analysis frame length in ms. Default 10. */
  frameMs?: number
  /** Absolute threshold: a frame whose RMS level is at or above this many dBFS is active. Default -45. */
  thresholdDb?: number
  /**
   * Estimate the noise floor (10th-percentile frame level) and use max(floor + marginDb, thresholdDb) as the
   * threshold. Default false. In `createSpeechDetector` the floor is estimated from the audio received so far,
   * so it suits streams that start with background noise rather than with speech.
   */
  adaptive?: boolean
  /** Adaptive mode: dB above the noise floor that counts as speech. Default 10. */
  marginDb?: number
  /** A segment needs at least this much active audio to count as speech. Default 60. */
  minSpeechMs?: number
  /** Below-threshold gaps shorter than this do not end a segment. Default 200. */
  hangoverMs?: number
}

export interface SpeechSegment {
  /** Start of speech, ms from the beginning of the audio (1 ms resolution). */
  startMs: number
  /** End of speech (exclusive), ms from the beginning of the audio. */
  endMs: number
}

export interface SpeechDetectionResult {
  segments: SpeechSegment[]
  /** Start of the first segment, or null when there is no speech. */
  firstSpeechMs: number | null
  /** Audio before the first speech: `firstSpeechMs`, or the whole duration when there is none. */
  leadingSilenceMs: number
  /** Total duration of all segments. */
  speechMs: number
  /** Duration of the audio analysed. */
  durationMs: number
  /** The threshold actually used, in dBFS. */
  thresholdDb: number
  /** Adaptive mode: the estimated noise floor in dBFS (-Infinity for digital silence); otherwise null. */
  noiseFloorDb: number | null
}

/** Finds speech segments in PCM16 mono audio. Pure and synchronous; about 3 ms of CPU per minute of audio. */
export function detectSpeech(pcm: Pcm16Input, opts: SpeechDetectionOptions = {}): SpeechDetectionResult {
  const { data, sampleRate } = pcmAndRate(pcm, opts.sampleRate)
  const cfg = resolveOptions(opts, sampleRate)
  const samples = int16View(data)
  const frames = new FrameStore(cfg, Math.ceil(samples.length / cfg.frameLen))
  for (let off = 0; off < samples.length; off += cfg.frameLen) {
    frames.add(samples, off, Math.min(cfg.frameLen, samples.length - off))
  }
  const levels = frames.threshold()
  const scanner = new SegmentScanner(frames, levels, cfg)
  for (let i = 0; i < frames.count; i++) scanner.feed(i)
  scanner.finish()
  const ms = (s: number) => (s * 1000) / sampleRate
  const segments = scanner.segments.map((s) => ({ startMs: ms(s.start), endMs: ms(s.end) }))
  const durationMs = ms(samples.length)
  const firstSpeechMs = segments.length > 0 ? segments[0].startMs : null
  return {
    segments,
    firstSpeechMs,
    leadingSilenceMs: firstSpeechMs ?? durationMs,
    speechMs: segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0),
    durationMs,
    thresholdDb: powerToDb(levels.thresholdPower),
    noiseFloorDb: levels.noiseFloorDb,
  }
}

/** Where the first speech of a stream starts. */
export interface SpeechOnset {
  /** Ms from the start of the stream (by sample count, not wall clock). */
  ms: number
  /** 0-based index of the pushed chunk that holds the onset sample. */
  chunkIndex: number
  /** That chunk's `receivedAt`, when it had one: the wall-clock instant the first speech arrived. */
  receivedAt: number | undefined
}

export interface SpeechDetector {
  /**
   * Feeds the next chunk. Returns the onset (ms from stream start) once speech is confirmed — on the push that
   * confirms it and on every push after — else null. Confirmation needs `minSpeechMs` of active audio, so it comes
   * that much after the onset itself.
   */
  push(chunk: AudioChunk | Uint8Array): number | null
  /** Ends the stream: analyses a final partial frame and returns the onset, as `detectSpeech` on the whole would. */
  end(): number | null
  /** The onset once confirmed, with the chunk it is in. */
  readonly onset: SpeechOnset | null
  /** Ms of audio pushed so far. */
  readonly processedMs: number
}

/**
 * A streaming detector for the first speech in audio that arrives in chunks (e.g. from `recvAudio`). With a fixed
 * threshold it finds the same onset as `detectSpeech` over the concatenated audio. Work stops once speech is found.
 */
export function createSpeechDetector(opts: SpeechDetectionOptions = {}): SpeechDetector {
  if (opts.sampleRate !== undefined) assertSampleRate(opts.sampleRate)
  let cfg: Config | undefined
  let frames: FrameStore | undefined
  let scanner: SegmentScanner | undefined
  let rate: number | undefined
  let onset: SpeechOnset | null = null
  let ended = false
  let pushed = 0
  let totalBytes = 0
  let pending = new Int16Array(0) // samples of the incomplete frame
  let carry: number | null = null // odd byte left over from the previous chunk
  const chunkStarts: Array<{ sample: number; receivedAt: number | undefined }> = []

  const locate = (sample: number): SpeechOnset => {
    let idx = 0
    while (idx + 1 < chunkStarts.length && chunkStarts[idx + 1].sample <= sample) idx++
    return { ms: (sample * 1000) / (rate as number), chunkIndex: idx, receivedAt: chunkStarts[idx]?.receivedAt }
  }

  const rescan = (final: boolean) => {
    const f = frames as FrameStore
    const levels = f.threshold()
    if (!scanner || scanner.thresholdPower !== levels.thresholdPower || scanner.boundaryPower !== levels.boundaryPower) {
      // Adaptive floor moved: replay every frame with the new threshold (only until speech is found).
      scanner = new SegmentScanner(f, levels, cfg as Config)
    }
    for (let i = scanner.fed; i < f.count; i++) scanner.feed(i)
    if (final) scanner.finish()
    if (scanner.onsetSample !== null) {
      onset = locate(scanner.onsetSample)
      frames = undefined // done: drop the history
      scanner = undefined
    }
  }

  return {
    push(chunk) {
      if (ended) throw new InvalidOptionError('push() after end(): create a new detector for a new stream')
      const index = pushed++
      let bytes: Uint8Array
      let chunkRate: number
      let receivedAt: number | undefined
      if (isAudioChunk(chunk)) {
        bytes = chunk.data
        chunkRate = chunk.sampleRate
        receivedAt = chunk.receivedAt
      } else if (chunk instanceof Uint8Array) {
        bytes = chunk
        chunkRate = rate ?? opts.sampleRate ?? DEFAULT_SAMPLE_RATE
      } else {
        throw new InvalidOptionError(`chunk ${index} must be an AudioChunk or Buffer, got ${describeValue(chunk)}`)
      }
      if (rate === undefined) {
        assertSampleRate(chunkRate, `chunk ${index} sampleRate`)
        if (opts.sampleRate !== undefined && opts.sampleRate !== chunkRate) {
          throw new InvalidOptionError(`sampleRate option (${opts.sampleRate}) disagrees with chunk ${index} sampleRate (${chunkRate})`)
        }
        rate = chunkRate
        cfg = resolveOptions(opts, rate)
        frames = new FrameStore(cfg, 64)
      } else if (chunkRate !== rate) {
        throw new AudioFormatError(`chunk ${index} has sampleRate ${chunkRate}, expected ${rate} (the rate of the stream so far)`)
      }
      // Index of this chunk's first whole sample (a sample split across chunks counts for the earlier one).
      const startSample = Math.ceil(totalBytes / 2)
      totalBytes += bytes.byteLength
      if (onset) return onset.ms // done: just count
      chunkStarts.push({ sample: startSample, receivedAt })
      // Re-join a sample split across chunks.
      if (carry !== null && bytes.byteLength > 0) {
        const joined = new Uint8Array(bytes.byteLength + 1)
        joined[0] = carry
        joined.set(bytes, 1)
        bytes = joined
        carry = null
      }
      if (bytes.byteLength % 2 === 1) {
        carry = bytes[bytes.byteLength - 1]
        bytes = bytes.subarray(0, bytes.byteLength - 1)
      }
      const s = int16View(bytes)
      const c = cfg as Config
      const f = frames as FrameStore
      let off = 0
      if (pending.length > 0) {
        const need = c.frameLen - pending.length
        const merged = new Int16Array(Math.min(c.frameLen, pending.length + s.length))
        merged.set(pending)
        merged.set(s.subarray(0, need), pending.length)
        off = Math.min(need, s.length)
        if (merged.length === c.frameLen) {
          f.add(merged, 0, c.frameLen)
          pending = new Int16Array(0)
        } else {
          pending = merged
        }
      }
      for (; off + c.frameLen <= s.length; off += c.frameLen) f.add(s, off, c.frameLen)
      if (off < s.length) pending = s.slice(off)
      rescan(false)
      return onset ? (onset as SpeechOnset).ms : null
    },
    end() {
      if (!ended) {
        ended = true
        if (!onset && frames && cfg) {
          if (pending.length > 0) frames.add(pending, 0, pending.length)
          pending = new Int16Array(0)
          rescan(true)
        }
      }
      return onset ? (onset as SpeechOnset).ms : null
    },
    get onset() {
      return onset
    },
    get processedMs() {
      return rate === undefined ? 0 : (Math.floor(totalBytes / 2) * 1000) / rate
    },
  }
}

interface Config {
  frameLen: number
  /** Sub-window boundaries within a frame, as sample offsets (length subs + 1). */
  subBounds: Int32Array
  thresholdDb: number
  adaptive: boolean
  marginDb: number
  minSpeechSamples: number
  hangoverSamples: number
  lookbackSamples: number
}

function resolveOptions(opts: SpeechDetectionOptions, rate: number): Config {
  const num = (name: keyof SpeechDetectionOptions, def: number, ok: (v: number) => boolean, expected: string) => {
    const v = opts[name] ?? def
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new InvalidOptionError(`${name} must be ${expected}, got ${String(opts[name])}`)
    }
    return v
  }
  const frameMs = num('frameMs', 10, (v) => v > 0 && v <= 1000, 'a frame length in ms between 0 and 1000')
  const thresholdDb = num('thresholdDb', -45, (v) => v <= 0, 'a level in dBFS (<= 0)')
  const marginDb = num('marginDb', 10, (v) => v >= 0, 'a non-negative number of dB')
  const minSpeechMs = num('minSpeechMs', 60, (v) => v >= 0, 'a non-negative number of ms')
  const hangoverMs = num('hangoverMs', 200, (v) => v >= 0, 'a non-negative number of ms')
  if (opts.adaptive !== undefined && typeof opts.adaptive !== 'boolean') {
    throw new InvalidOptionError(`adaptive must be true or false, got ${String(opts.adaptive)}`)
  }
  const frameLen = Math.max(1, Math.round((frameMs * rate) / 1000))
  // 1 ms sub-windows (at least 1 sample each) for refining onsets and ends.
  const subs = Math.max(1, Math.min(frameLen, Math.round(frameMs)))
  const subBounds = new Int32Array(subs + 1)
  for (let j = 0; j <= subs; j++) subBounds[j] = Math.floor((j * frameLen) / subs)
  return {
    frameLen,
    subBounds,
    thresholdDb,
    adaptive: opts.adaptive ?? false,
    marginDb,
    minSpeechSamples: Math.round((minSpeechMs * rate) / 1000),
    hangoverSamples: Math.round((hangoverMs * rate) / 1000),
    lookbackSamples: Math.round((LOOKBACK_MS * rate) / 1000),
  }
}

// Frame-level histogram for the adaptive noise floor: 0.5 dB bins from -120 to 0 dBFS. Bin 0 holds everything
// quieter, which in 16-bit audio means digital silence.
const HIST_MIN_DB = -120
const HIST_BINS = 241
const FLOOR_PERCENTILE = 0.1
/** Onset boundary level, below the detection threshold: soft onsets are traced back down to it. */
const BOUNDARY_DB = 10
/** ... but (adaptive) at least this far above the noise floor. */
const BOUNDARY_FLOOR_DB = 3
/** How far back an onset may be traced. */
const LOOKBACK_MS = 100

interface Levels {
  thresholdPower: number
  boundaryPower: number
  noiseFloorDb: number | null
}

/** Per-frame and per-sub-window mean squares, appended frame by frame. */
class FrameStore {
  count = 0
  /** Sample index where each frame starts (frames are contiguous). */
  private starts: Float64Array
  private lens: Int32Array
  energy: Float64Array
  private sub: Float64Array
  private readonly subs: number
  private readonly hist = new Uint32Array(HIST_BINS)

  constructor(
    private readonly cfg: Config,
    capacity: number,
  ) {
    this.subs = cfg.subBounds.length - 1
    const cap = Math.max(1, capacity)
    this.starts = new Float64Array(cap)
    this.lens = new Int32Array(cap)
    this.energy = new Float64Array(cap)
    this.sub = new Float64Array(cap * this.subs)
  }

  add(samples: Int16Array, off: number, len: number): void {
    if (this.count === this.energy.length) this.grow()
    const i = this.count++
    const b = this.cfg.subBounds
    let total = 0
    for (let j = 0; j < this.subs; j++) {
      const from = Math.min(b[j], len)
      const to = Math.min(b[j + 1], len)
      let sum = 0
      for (let k = off + from; k < off + to; k++) sum += samples[k] * samples[k]
      this.sub[i * this.subs + j] = to > from ? sum / (to - from) : 0
      total += sum
    }
    this.starts[i] = i === 0 ? 0 : this.starts[i - 1] + this.lens[i - 1]
    this.lens[i] = len
    const e = len > 0 ? total / len : 0
    this.energy[i] = e
    const db = powerToDb(e)
    const bin = db <= HIST_MIN_DB ? 0 : Math.min(HIST_BINS - 1, Math.ceil((db - HIST_MIN_DB) * 2))
    this.hist[bin]++
  }

  start(i: number): number {
    return this.starts[i]
  }

  end(i: number): number {
    return this.starts[i] + this.lens[i]
  }

  /** The thresholds in power units, and the noise floor when adaptive. */
  threshold(): Levels {
    const absolute = dbToPower(this.cfg.thresholdDb)
    const boundary = dbToPower(this.cfg.thresholdDb - BOUNDARY_DB)
    if (!this.cfg.adaptive || this.count === 0) {
      return { thresholdPower: absolute, boundaryPower: boundary, noiseFloorDb: this.cfg.adaptive ? -Infinity : null }
    }
    const rank = Math.max(1, Math.ceil(this.count * FLOOR_PERCENTILE))
    let seen = 0
    let bin = 0
    for (; bin < HIST_BINS; bin++) {
      seen += this.hist[bin]
      if (seen >= rank) break
    }
    const floorDb = bin === 0 ? -Infinity : HIST_MIN_DB + bin / 2
    const thresholdDb = Math.max(this.cfg.thresholdDb, floorDb + this.cfg.marginDb)
    const boundaryDb = Math.max(thresholdDb - BOUNDARY_DB, floorDb + BOUNDARY_FLOOR_DB)
    return { thresholdPower: dbToPower(thresholdDb), boundaryPower: dbToPower(boundaryDb), noiseFloorDb: floorDb }
  }

  /** Start sample of the first sub-window at or above `power` in frames [from, to], or -1. */
  firstSubAbove(from: number, to: number, power: number): number {
    for (let i = Math.max(0, from); i <= to && i < this.count; i++) {
      for (let j = 0; j < this.subs; j++) {
        if (this.sub[i * this.subs + j] >= power) return this.starts[i] + Math.min(this.cfg.subBounds[j], this.lens[i])
      }
    }
    return -1
  }

  /** End sample of the last sub-window at or above `power` in frames [from, to], or -1. */
  lastSubAbove(from: number, to: number, power: number): number {
    for (let i = Math.min(to, this.count - 1); i >= from && i >= 0; i--) {
      for (let j = this.subs - 1; j >= 0; j--) {
        if (this.sub[i * this.subs + j] >= power) return this.starts[i] + Math.min(this.cfg.subBounds[j + 1], this.lens[i])
      }
    }
    return -1
  }

  private grow(): void {
    const cap = this.energy.length * 2
    const re = <T extends Float64Array | Int32Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n)
      b.set(a)
      return b
    }
    this.starts = re(this.starts, cap)
    this.lens = re(this.lens, cap)
    this.energy = re(this.energy, cap)
    this.sub = re(this.sub, cap * this.subs)
  }
}

/** The segment state machine over frames, fed in order; restartable from frame 0 for a new threshold. */
class SegmentScanner {
  segments: Array<{ start: number; end: number }> = []
  /** Refined start sample of the first confirmed segment. */
  onsetSample: number | null = null
  /** Frames fed so far. */
  fed = 0
  private open = false
  private firstActive = 0
  private lastActive = 0
  private activeSamples = 0
  private confirmedStart: number | null = null

  readonly thresholdPower: number
  readonly boundaryPower: number

  constructor(
    private readonly frames: FrameStore,
    levels: Levels,
    private readonly cfg: Config,
  ) {
    this.thresholdPower = levels.thresholdPower
    this.boundaryPower = levels.boundaryPower
  }

  feed(i: number): void {
    this.fed = i + 1
    const f = this.frames
    const active = f.energy[i] >= this.thresholdPower
    if (active) {
      // Still open means every frame since lastActive was inactive for less than hangoverMs: same segment.
      if (this.open) {
        this.lastActive = i
      } else {
        this.open = true
        this.firstActive = i
        this.lastActive = i
        this.activeSamples = 0
        this.confirmedStart = null
      }
      this.activeSamples += f.end(i) - f.start(i)
      if (this.confirmedStart === null && this.activeSamples >= this.cfg.minSpeechSamples) {
        const prevEnd = this.segments.length > 0 ? this.segments[this.segments.length - 1].end : 0
        this.confirmedStart = Math.max(this.refineStart(prevEnd), prevEnd)
        if (this.onsetSample === null) this.onsetSample = this.confirmedStart
      }
    } else if (this.open && f.end(i) - f.end(this.lastActive) >= this.cfg.hangoverSamples) {
      this.close(i)
    }
  }

  /**
   * Where the segment that starts at frame `firstActive` really starts. Soft onsets (a fricative, a fade-in) are
   * often below the threshold for a few frames: walk back over frames at or above the boundary level (threshold
   * - BOUNDARY_DB), at most LOOKBACK_MS, and accept that only if a quieter frame (or the start of the audio) is
   * found before it, i.e. a real rising edge and not a stretch of loud background. Then take the first 1 ms
   * sub-window at or above the boundary level in the frame before and the first frame.
   */
  private refineStart(prevEnd: number): number {
    const f = this.frames
    let first = this.firstActive
    let k = first - 1
    while (k >= 0 && f.start(first) - f.start(k) <= this.cfg.lookbackSamples && f.energy[k] >= this.boundaryPower && f.start(k) >= prevEnd) k--
    const edge = k < 0 || f.energy[k] < this.boundaryPower
    if (edge) first = k + 1
    const start = f.firstSubAbove(first - 1, first, edge ? this.boundaryPower : this.thresholdPower)
    return start < 0 ? f.start(first) : start
  }

  /** Closes the open segment at the end of the audio. */
  finish(): void {
    this.close(this.frames.count)
  }

  private close(nextFrame: number): void {
    if (!this.open) return
    this.open = false
    if (this.confirmedStart === null) return // too little speech: a click, not a segment
    const f = this.frames
    let end = f.lastSubAbove(this.lastActive, Math.min(this.lastActive + 1, nextFrame), this.thresholdPower)
    if (end < 0) end = f.end(this.lastActive)
    this.segments.push({ start: this.confirmedStart, end: Math.max(end, this.confirmedStart) })
  }
}
