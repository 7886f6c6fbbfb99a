import type { AudioChunk } from '../protocol/audio-chunk.js'
import { AudioFormatError, InvalidOptionError } from '../errors/index.js'
import { assertSampleRate, float32ToPcm16, int16ToBuffer, int16View, isAudioChunk } from './pcm16.js'

/*
 * Band-limited resampling with a polyphase windowed-sinc FIR (Kaiser window).
 *
 * Output sample k sits at input position k * from / to exactly (no delay, no drift), so the output has
 * round(n * to / from) samples and a sound at input time t is at output time t. The low-pass cutoff is placed
 * so that the stopband (>= STOPBAND_DB down) starts at the lower of the two Nyquist frequencies: nothing above the
 * output's Nyquist can alias back in, and the passband is flat to about 84% of it (10 kHz at 24 kHz, 3.3 kHz at 8 kHz).
 */

/** Filter half-length, in samples of the lower of the two rates. Longer = sharper transition, more CPU. */
const HALF_ZEROS = 32
/** Stopband attenuation the Kaiser window is designed for. */
const STOPBAND_DB = 80
/** Rate pairs whose reduced ratio needs more phases than this share a table of this many phases (phase rounded). */
const MAX_PHASES = 1024
/**
 * Largest ratio toRate / fromRate accepted. Real audio is upsampled by at most 6× (8 kHz to 48 kHz); a rate
 * such as 1 Hz (a corrupt WAV header) would make every input byte thousands of output bytes.
 */
export const MAX_UPSAMPLING = 64

interface Kernel {
  /** Number of phases (fractional positions) in the table. */
  phases: number
  /** Taps per phase; taps cover input offsets -(taps/2 - 1) .. taps/2 around floor(position). */
  taps: number
  table: Float32Array
}

const kernels = new Map<string, Kernel>()

/**
 * Resamples PCM16 LE mono audio from `fromRate` to `toRate` (Hz) with an anti-aliasing polyphase FIR.
 * Returns new bytes (a copy even when the rates match). Output length is round(samples × to / from).
 *
 * @throws AudioFormatError when `pcm` is not a whole number of samples
 * @throws InvalidOptionError when a rate is not a positive integer
 */
export function resamplePcm16(pcm: Uint8Array, fromRate: number, toRate: number): Buffer {
  if (!(pcm instanceof Uint8Array)) throw new InvalidOptionError('pcm must be a Buffer or Uint8Array of PCM16 LE samples')
  assertSampleRate(fromRate, 'fromRate')
  assertSampleRate(toRate, 'toRate')
  if (pcm.byteLength % 2 !== 0) {
    throw new AudioFormatError(`pcm has ${pcm.byteLength} bytes, not a whole number of 16-bit samples; trim it with trimToWholeSamples()`)
  }
  const samples = int16View(pcm)
  if (fromRate === toRate) return int16ToBuffer(Int16Array.from(samples))
  return float32ToPcm16(resampleSamples(samples, fromRate, toRate, 1 / 32768))
}

/** `resamplePcm16` for float samples (any scale, e.g. -1..1); the result is unclipped floats at `toRate`. */
export function resampleFloat32(samples: ArrayLike<number>, fromRate: number, toRate: number): Float32Array {
  assertSampleRate(fromRate, 'fromRate')
  assertSampleRate(toRate, 'toRate')
  if (fromRate === toRate) return Float32Array.from(samples)
  return resampleSamples(samples, fromRate, toRate, 1)
}

/** Resamples a chunk to `toRate`, keeping its `receivedAt`. */
export function resampleAudio(audio: AudioChunk, toRate: number): AudioChunk {
  if (!isAudioChunk(audio)) throw new InvalidOptionError('audio must be an AudioChunk ({ data, sampleRate })')
  const out: AudioChunk = { data: resamplePcm16(audio.data, audio.sampleRate, toRate), sampleRate: toRate }
  if (audio.receivedAt !== undefined) out.receivedAt = audio.receivedAt
  return out
}

/** Number of output samples for `n` input samples: round(n × to / from), exact in integer arithmetic range. */
export function resampledLength(n: number, fromRate: number, toRate: number): number {
  return Math.round((n * toRate) / fromRate)
}

function resampleSamples(input: ArrayLike<number>, fromRate: number, toRate: number, scale: number): Float32Array {
  if (toRate > fromRate * MAX_UPSAMPLING) {
    throw new InvalidOptionError(`cannot resample from ${fromRate} Hz to ${toRate} Hz: more than ${MAX_UPSAMPLING}× upsampling (limit ${MAX_UPSAMPLING}×)`)
  }
  const g = gcd(fromRate, toRate)
  const L = toRate / g // output steps per M input steps
  const M = fromRate / g
  const kernel = getKernel(fromRate, toRate, L)
  const { phases, taps, table } = kernel
  const half = taps / 2
  const n = input.length
  const outLen = resampledLength(n, fromRate, toRate)
  const out = new Float32Array(outLen)
  if (n === 0) return out

  // Zero-padded copy so the inner loop needs no bounds checks; index i maps to xp[i + half - 1].
  const xp = new Float32Array(n + taps)
  for (let i = 0; i < n; i++) xp[i + half - 1] = input[i] * scale

  const exact = phases === L
  const stepInt = Math.floor(M / L)
  const stepRem = M % L
  let i0 = 0 // floor(k * M / L)
  let r = 0 // (k * M) mod L
  for (let k = 0; k < outLen; k++) {
    let base = i0
    let p = r
    if (!exact) {
      p = Math.round((r * phases) / L)
      if (p === phases) {
        p = 0
        base++
      }
    }
    const off = p * taps
    let acc = 0
    for (let j = 0; j < taps; j++) acc += xp[base + j] * table[off + j]
    out[k] = acc
    i0 += stepInt
    r += stepRem
    if (r >= L) {
      r -= L
      i0++
    }
  }
  return out
}

function getKernel(fromRate: number, toRate: number, L: number): Kernel {
  const key = `${fromRate}:${toRate}`
  let k = kernels.get(key)
  if (!k) {
    k = designKernel(fromRate, toRate, L)
    if (kernels.size > 32) kernels.clear() // a few rate pairs in practice; bound memory anyway
    kernels.set(key, k)
  }
  return k
}

function designKernel(fromRate: number, toRate: number, L: number): Kernel {
  const s = Math.min(1, toRate / fromRate) // bandwidth relative to the input's Nyquist
  // Kaiser design (Oppenheim & Schafer): order N = (A - 7.95) / (2.285 Δω). Solve for the transition width the
  // given length allows, in units of the lower rate, and put the cutoff half a transition below its Nyquist.
  const order = 2 * HALF_ZEROS
  const transition = (STOPBAND_DB - 7.95) / (2.285 * order) / Math.PI // fraction of the lower Nyquist
  const cutoff = 0.5 * s * (1 - transition / 2) // cycles per input sample
  const beta = 0.1102 * (STOPBAND_DB - 8.7)
  const halfWidth = HALF_ZEROS / s // in input samples
  const half = Math.ceil(halfWidth) + 1
  const taps = 2 * half
  const phases = Math.min(L, MAX_PHASES)
  const table = new Float32Array(phases * taps)
  const i0Beta = besselI0(beta)
  for (let p = 0; p < phases; p++) {
    const frac = p / phases
    let sum = 0
    const off = p * taps
    for (let j = 0; j < taps; j++) {
      const t = j - (half - 1) - frac // input offset from the output position
      let v = 0
      const x = t / halfWidth
      if (x > -1 && x < 1) {
        const arg = 2 * cutoff * t
        const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg)
        v = 2 * cutoff * sinc * (besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta)
      }
      table[off + j] = v
      sum += v
    }
    // Unit DC gain for every phase, so a constant stays constant (no phase-dependent ripple).
    for (let j = 0; j < taps; j++) table[off + j] /= sum
  }
  return { phases, taps, table }
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas used here). */
function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const q = (x * x) / 4
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-17) break
  }
  return sum
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}
