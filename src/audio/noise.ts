/**
 * Background noise at a requested signal-to-noise ratio. The noise is scaled so that, over the whole clip,
 * mean(signal²) / mean(noise²) is exactly 10^(snrDb/10) before rounding to PCM16: the SNR asked for is the SNR
 * delivered (rounding and clipping aside).
 */
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { InvalidOptionError } from '../errors/index.js'
import { conditionInput, knownKeys, numberOption, objectOption, toPcm16Chunk } from './condition-input.js'
import { isAudioChunk, type Pcm16Input } from './pcm16.js'
import { gaussianFrom, seedOption, seededRandom } from './random.js'
import { resampleAudio } from './resample.js'

export interface NoiseOptions {
  /** Signal-to-noise ratio in dB over the whole clip (signal power / noise power). One of `snrDb` and `levelDb` is required. */
  snrDb?: number
  /** Absolute noise level in dBFS RMS instead of an SNR (e.g. for noise over silence, where an SNR means nothing). */
  levelDb?: number
  /** `'white'` (flat spectrum, default) or `'pink'` (-3 dB per octave, like room and crowd noise). Ignored with `noise`. */
  type?: 'white' | 'pink'
  /**
   * A noise recording (PCM16: bytes at 24 kHz, or an `AudioChunk` at any rate, resampled) used instead of
   * generated noise; looped when shorter than the audio, starting at a seeded offset.
   */
  noise?: Pcm16Input
  /** Seed of the generated noise (or of the recording's start offset). Default 1. */
  seed?: number
}

const WHERE = 'addNoise'
const KEYS = ['snrDb', 'levelDb', 'type', 'noise', 'seed'] as const

/** Generated noise samples (unscaled, zero mean). */
function generatedNoise(type: 'white' | 'pink', n: number, seed: number): Float64Array {
  const gauss = gaussianFrom(seededRandom(seed))
  const out = new Float64Array(n)
  if (type === 'white') {
    for (let i = 0; i < n; i++) out[i] = gauss()
    return out
  }
  // Paul Kellett's refined pink filter: -3 dB/octave within ±0.05 dB from 9 Hz to Nyquist at 44.1 kHz.
  let b0 = 0
  let b1 = 0
  let b2 = 0
  let b3 = 0
  let b4 = 0
  let b5 = 0
  let b6 = 0
  for (let i = 0; i < n; i++) {
    const white = gauss()
    b0 = 0.99886 * b0 + white * 0.0555179
    b1 = 0.99332 * b1 + white * 0.0750759
    b2 = 0.969 * b2 + white * 0.153852
    b3 = 0.8665 * b3 + white * 0.3104856
    b4 = 0.55 * b4 + white * 0.5329522
    b5 = -0.7616 * b5 - white * 0.016898
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362
    b6 = white * 0.115926
  }
  // Remove the DC the low-frequency poles accumulate over a short clip: noise is heard, not offset.
  let mean = 0
  for (let i = 0; i < n; i++) mean += out[i]!
  mean /= n || 1
  for (let i = 0; i < n; i++) out[i]! -= mean
  return out
}

/** The recording, at `sampleRate`, looped to `n` samples from a seeded start. */
function recordedNoise(noise: Pcm16Input, sampleRate: number, n: number, seed: number): Float64Array {
  if (!isAudioChunk(noise) && !(noise instanceof Uint8Array)) {
    throw new InvalidOptionError(`${WHERE}: option "noise" must be PCM16 bytes or an AudioChunk (read a WAV file with readWav first), got ${typeof noise}`)
  }
  const chunk: AudioChunk = isAudioChunk(noise) ? noise : { data: Buffer.from(noise.buffer, noise.byteOffset, noise.byteLength), sampleRate }
  const { samples } = conditionInput(chunk.sampleRate === sampleRate ? chunk : resampleAudio(chunk as AudioChunk, sampleRate), `${WHERE}: option "noise"`)
  let energy = 0
  for (let i = 0; i < samples.length; i++) energy += samples[i]! * samples[i]!
  if (samples.length === 0 || energy === 0) {
    throw new InvalidOptionError(`${WHERE}: option "noise" is silent (${samples.length} samples, all zero): it cannot be scaled to an SNR`)
  }
  const start = Math.floor(seededRandom(seed)() * samples.length)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = samples[(start + i) % samples.length]!
  return out
}

function meanSquare(values: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!
  return values.length ? sum / values.length : 0
}

/**
 * `audio` plus noise at `snrDb` (or at `levelDb` dBFS RMS): white or pink generated noise, or a recording.
 * Deterministic for a seed. Returns a new chunk at the input's rate. An SNR over digital silence throws
 * (there is no signal power to measure it against): use `levelDb` there.
 */
export function addNoise(audio: Pcm16Input, options: NoiseOptions): AudioChunk {
  objectOption(WHERE, options)
  knownKeys(WHERE, options, KEYS)
  const { samples, sampleRate } = conditionInput(audio, `${WHERE}: audio`)
  if ((options.snrDb === undefined) === (options.levelDb === undefined)) {
    throw new InvalidOptionError(`${WHERE}: give exactly one of option "snrDb" (dB over the signal) and option "levelDb" (dBFS RMS)`)
  }
  const type = options.type ?? 'white'
  if (type !== 'white' && type !== 'pink') throw new InvalidOptionError(`${WHERE}: option "type" must be 'white' or 'pink', got ${String(type)}`)
  const seed = seedOption(WHERE, options.seed)
  let targetPower: number
  if (options.snrDb !== undefined) {
    const snr = numberOption(WHERE, 'snrDb', options.snrDb, -40, 100, 'a number of dB')
    const signalPower = meanSquare(samples)
    if (signalPower === 0 && samples.length > 0) {
      throw new InvalidOptionError(`${WHERE}: option "snrDb" needs a signal, and the audio is digital silence; give "levelDb" (dBFS RMS) instead`)
    }
    targetPower = signalPower / 10 ** (snr / 10)
  } else {
    const level = numberOption(WHERE, 'levelDb', options.levelDb, -120, 0, 'a number of dBFS')
    targetPower = 32768 * 32768 * 10 ** (level / 10)
  }
  const n = samples.length
  const noise = options.noise !== undefined ? recordedNoise(options.noise as Pcm16Input, sampleRate, n, seed) : generatedNoise(type, n, seed)
  const noisePower = meanSquare(noise)
  const scale = noisePower > 0 ? Math.sqrt(targetPower / noisePower) : 0
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = samples[i]! + scale * noise[i]!
  return toPcm16Chunk(out, sampleRate)
}
