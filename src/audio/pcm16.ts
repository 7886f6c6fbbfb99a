import { endianness } from 'node:os'
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { AudioFormatError, InvalidOptionError } from '../errors/index.js'

/** The Realtime API's wire rate, used whenever a bare Buffer comes without one. */
export const DEFAULT_SAMPLE_RATE = 24_000

/** PCM16 full scale: dBFS values here are RMS relative to a full-scale square wave (a full-scale sine is -3.01 dBFS). */
const FULL_SCALE = 32768

// Int16Array views use the platform's byte order; PCM16 on the wire is little-endian.
const LITTLE_ENDIAN = endianness() === 'LE'

/** Anything that carries PCM16 LE mono samples. A bare Buffer/Uint8Array is assumed to be at the default 24 kHz unless told otherwise. */
export type Pcm16Input = AudioChunk | Buffer | Uint8Array

/** True for an `AudioChunk` (as opposed to raw bytes). */
export function isAudioChunk(value: unknown): value is AudioChunk {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    (value as AudioChunk).data instanceof Uint8Array &&
    typeof (value as AudioChunk).sampleRate === 'number'
  )
}

/** Throws `InvalidOptionError` unless `rate` is a usable sample rate (a positive integer number of Hz). */
export function assertSampleRate(rate: unknown, name = 'sampleRate'): asserts rate is number {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate <= 0 || rate > 1_000_000) {
    throw new InvalidOptionError(`${name} must be a positive integer sample rate in Hz (e.g. 24000), got ${String(rate)}`)
  }
}

/**
 * Splits an input into its bytes and sample rate. A chunk brings its own rate; `sampleRate` then must agree
 * with it (a different rate would silently change pitch and duration — resample instead).
 */
export function pcmAndRate(audio: Pcm16Input, sampleRate: number | undefined, what = 'audio'): { data: Uint8Array; sampleRate: number } {
  if (isAudioChunk(audio)) {
    assertSampleRate(audio.sampleRate, `${what}.sampleRate`)
    if (sampleRate !== undefined && sampleRate !== audio.sampleRate) {
      throw new InvalidOptionError(
        `sampleRate option (${sampleRate}) disagrees with ${what}.sampleRate (${audio.sampleRate}); resample with resamplePcm16() instead`,
      )
    }
    return { data: audio.data, sampleRate: audio.sampleRate }
  }
  if (!(audio instanceof Uint8Array)) {
    throw new InvalidOptionError(`${what} must be a Buffer, Uint8Array or AudioChunk, got ${describeValue(audio)}`)
  }
  const rate = sampleRate ?? DEFAULT_SAMPLE_RATE
  assertSampleRate(rate)
  return { data: audio, sampleRate: rate }
}

/** Throws `AudioFormatError` when `bytes` is not a whole number of 16-bit samples. */
export function assertWholeSamples(bytes: Uint8Array, what = 'audio'): void {
  if (bytes.byteLength % 2 !== 0) {
    throw new AudioFormatError(
      `${what} has ${bytes.byteLength} bytes, not a whole number of 16-bit samples (PCM16 needs 2 bytes per sample); trim it with trimToWholeSamples()`,
    )
  }
}

/**
 * Duration in milliseconds of PCM16 mono audio: a byte count, raw bytes (at `sampleRate`) or a chunk (at its own rate).
 * A trailing odd byte is not a sample and does not count.
 */
export function pcmDurationMs(bytesOrChunk: number | Pcm16Input, sampleRate: number = DEFAULT_SAMPLE_RATE): number {
  if (typeof bytesOrChunk === 'number') {
    if (!Number.isFinite(bytesOrChunk) || bytesOrChunk < 0) {
      throw new InvalidOptionError(`byte count must be a non-negative number, got ${bytesOrChunk}`)
    }
    assertSampleRate(sampleRate)
    return (Math.floor(bytesOrChunk / 2) * 1000) / sampleRate
  }
  const { data, sampleRate: rate } = pcmAndRate(bytesOrChunk, isAudioChunk(bytesOrChunk) ? undefined : sampleRate)
  return (Math.floor(data.byteLength / 2) * 1000) / rate
}

/** Number of whole samples in `ms` milliseconds at `rate` (rounded to the nearest sample). */
export function msToSamples(ms: number, rate: number): number {
  return Math.round((ms * rate) / 1000)
}

/** Drops a trailing odd byte (a half sample, e.g. from a split network frame). Returns a view, not a copy. */
export function trimToWholeSamples(buf: Buffer): Buffer
export function trimToWholeSamples(buf: Uint8Array): Uint8Array
export function trimToWholeSamples(buf: Uint8Array): Uint8Array {
  return buf.byteLength % 2 === 0 ? buf : buf.subarray(0, buf.byteLength - 1)
}

/**
 * The samples of PCM16 LE bytes as an `Int16Array`. Shares memory with `buf` when it is 2-byte aligned (writes show
 * through); copies when it is not, because a typed array cannot start at an odd offset (Buffers from `Buffer.concat`
 * or the pool often do). A trailing odd byte is ignored.
 */
export function int16View(buf: Uint8Array): Int16Array {
  const n = buf.byteLength >> 1
  if (LITTLE_ENDIAN && buf.byteOffset % 2 === 0) return new Int16Array(buf.buffer, buf.byteOffset, n)
  const out = new Int16Array(n)
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(buf.subarray(0, n * 2))
  } else {
    const dv = new DataView(buf.buffer, buf.byteOffset, n * 2)
    for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true)
  }
  return out
}

/** PCM16 LE bytes for `samples` (no copy on little-endian machines). */
export function int16ToBuffer(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)
  const out = Buffer.allocUnsafe(samples.length * 2)
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], i * 2)
  return out
}

/** Samples scaled to [-1, 1) as floats (x / 32768). */
export function pcm16ToFloat32(pcm: Uint8Array | Int16Array): Float32Array {
  const s = pcm instanceof Int16Array ? pcm : int16View(pcm)
  const out = new Float32Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s[i] / FULL_SCALE
  return out
}

/** Float samples (nominally [-1, 1]) to PCM16 LE bytes: scaled by 32768, rounded to nearest, clipped. No dither, so deterministic. */
export function float32ToPcm16(samples: Float32Array | Float64Array): Buffer {
  const out = new Int16Array(samples.length)
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i] * FULL_SCALE)
    out[i] = v > 32767 ? 32767 : Math.max(v, -32768)
  }
  return int16ToBuffer(out)
}

/**
 * Concatenates chunks (or raw PCM16 buffers) into one chunk. All must share one sample rate (raw buffers count as
 * `sampleRate`, default: the first chunk's rate, else 24 kHz) and hold whole samples, since an odd-length chunk in
 * the middle would shift every later sample by a byte. `receivedAt` is the first chunk's.
 */
export function concatAudio(chunks: ReadonlyArray<Pcm16Input>, opts: { sampleRate?: number } = {}): AudioChunk {
  if (!Array.isArray(chunks)) throw new InvalidOptionError(`chunks must be an array, got ${describeValue(chunks)}`)
  const first = chunks.find(isAudioChunk)
  const rate = opts.sampleRate ?? first?.sampleRate ?? DEFAULT_SAMPLE_RATE
  assertSampleRate(rate)
  const parts: Uint8Array[] = []
  chunks.forEach((c, i) => {
    if (isAudioChunk(c)) {
      if (c.sampleRate !== rate) {
        throw new AudioFormatError(
          `chunk ${i} has sampleRate ${c.sampleRate}, expected ${rate}${opts.sampleRate === undefined ? ' (the rate of the first chunk)' : ''}; resample it first`,
        )
      }
      assertWholeSamples(c.data, `chunk ${i}`)
      parts.push(c.data)
    } else if (c instanceof Uint8Array) {
      assertWholeSamples(c, `chunk ${i}`)
      parts.push(c)
    } else {
      throw new InvalidOptionError(`chunk ${i} must be a Buffer, Uint8Array or AudioChunk, got ${describeValue(c)}`)
    }
  })
  const out: AudioChunk = { data: Buffer.concat(parts), sampleRate: rate }
  if (first?.receivedAt !== undefined) out.receivedAt = first.receivedAt
  return out
}

/**
 * Most bytes `silence` and `tone` generate: 1 GiB, about 6 hours at 24 kHz. Larger requests are mistakes (seconds
 * passed as ms twice over) and would fail deep inside Node with a RangeError, or exhaust memory.
 */
export const MAX_GENERATED_BYTES = 2 ** 30

/** Number of samples of a generated signal, checked against `MAX_GENERATED_BYTES`. */
function generatedSamples(what: string, ms: number, rate: number): number {
  const n = msToSamples(ms, rate)
  if (n * 2 > MAX_GENERATED_BYTES) {
    throw new InvalidOptionError(
      `${what}: ${ms} ms at ${rate} Hz is ${n * 2} bytes of PCM16, over the limit ${MAX_GENERATED_BYTES} bytes (about ${Math.floor(MAX_GENERATED_BYTES / 2 / rate / 60)} min at this rate)`,
    )
  }
  return n
}

/** `ms` of digital silence (zeros) as a chunk at `rate`. At most `MAX_GENERATED_BYTES`. */
export function silence(ms: number, rate: number = DEFAULT_SAMPLE_RATE): AudioChunk {
  assertDuration(ms)
  assertSampleRate(rate, 'rate')
  return { data: Buffer.alloc(generatedSamples('silence', ms, rate) * 2), sampleRate: rate }
}

export interface ToneOptions {
  /** Sample rate in Hz. Default 24000. */
  rate?: number
  /** Peak amplitude as a fraction of full scale, 0..1. Default 0.5 (-9 dBFS RMS). */
  amplitude?: number
  /** Starting phase in radians. Default 0 (starts at a zero crossing, so there is no click). */
  phase?: number
}

/** A sine tone of `freqHz` lasting `ms`, as a chunk. Deterministic: same arguments, same bytes. At most `MAX_GENERATED_BYTES`. */
export function tone(freqHz: number, ms: number, opts: ToneOptions = {}): AudioChunk {
  const { rate = DEFAULT_SAMPLE_RATE, amplitude = 0.5, phase = 0 } = opts
  assertSampleRate(rate, 'rate')
  assertDuration(ms)
  if (!Number.isFinite(freqHz) || freqHz < 0 || freqHz > rate / 2) {
    throw new InvalidOptionError(`freqHz must be between 0 and the Nyquist frequency (${rate / 2} Hz at ${rate} Hz), got ${freqHz}`)
  }
  if (!Number.isFinite(amplitude) || amplitude < 0 || amplitude > 1) {
    throw new InvalidOptionError(`amplitude must be a fraction of full scale between 0 and 1, got ${amplitude}`)
  }
  if (!Number.isFinite(phase)) throw new InvalidOptionError(`phase must be a finite number of radians, got ${phase}`)
  const n = generatedSamples('tone', ms, rate)
  const out = new Int16Array(n)
  const w = (2 * Math.PI * freqHz) / rate
  const peak = amplitude * 32767
  for (let i = 0; i < n; i++) out[i] = Math.round(peak * Math.sin(w * i + phase))
  return { data: int16ToBuffer(out), sampleRate: rate }
}

/**
 * RMS level in dBFS (0 dBFS = a full-scale square wave; a full-scale sine is -3.01). Digital silence and empty input
 * give `-Infinity`.
 */
export function rmsDb(audio: Pcm16Input | Int16Array): number {
  const s = audio instanceof Int16Array ? audio : int16View(isAudioChunk(audio) ? audio.data : audio)
  if (s.length === 0) return -Infinity
  let sum = 0
  for (let i = 0; i < s.length; i++) sum += s[i] * s[i]
  return powerToDb(sum / s.length)
}

/** Mean square (in PCM16 units squared) to dBFS. */
export function powerToDb(meanSquare: number): number {
  return meanSquare > 0 ? 10 * Math.log10(meanSquare / (FULL_SCALE * FULL_SCALE)) : -Infinity
}

/** dBFS to mean square in PCM16 units squared (inverse of `powerToDb`). */
export function dbToPower(db: number): number {
  return FULL_SCALE * FULL_SCALE * 10 ** (db / 10)
}

function assertDuration(ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidOptionError(`ms must be a non-negative finite duration in milliseconds, got ${String(ms)}`)
  }
}

/** Short description of a wrong-typed value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`
  return `${typeof value} ${String(value)}`
}
