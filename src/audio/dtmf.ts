/**
 * DTMF (dual-tone multi-frequency, ITU-T Q.23): the tones of a telephone keypad, and a Goertzel detector for them.
 *
 * Each key is the sum of one low-group tone (row: 697, 770, 852, 941 Hz) and one high-group tone (column: 1209,
 * 1336, 1477, 1633 Hz). Q.24 asks receivers to accept tones of 40 ms or more; the generator's default is
 * 100 ms of tone and 100 ms of silence per key, as autodialers send them.
 */
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { InvalidOptionError } from '../errors/index.js'
import { conditionInput, knownKeys, numberOption, objectOption } from './condition-input.js'
import { assertSampleRate, DEFAULT_SAMPLE_RATE, int16ToBuffer, type Pcm16Input } from './pcm16.js'

/** Row (low group) frequencies, Hz. */
export const DTMF_LOW_HZ = [697, 770, 852, 941] as const
/** Column (high group) frequencies, Hz. */
export const DTMF_HIGH_HZ = [1209, 1336, 1477, 1633] as const
const LAYOUT = ['123A', '456B', '789C', '*0#D']
/** The sixteen keys: 0-9, *, #, A-D. */
export const DTMF_KEYS = '0123456789*#ABCD'

/** The two frequencies of `key` ([low, high], Hz). */
export function dtmfFrequencies(key: string): [number, number] {
  const upper = key.toUpperCase()
  for (let row = 0; row < 4; row++) {
    const col = LAYOUT[row]!.indexOf(upper)
    if (col >= 0 && upper.length === 1) return [DTMF_LOW_HZ[row]!, DTMF_HIGH_HZ[col]!]
  }
  throw new InvalidOptionError(`not a DTMF key: ${JSON.stringify(key)} (keys are 0-9, *, #, A-D)`)
}

export interface DtmfToneOptions {
  /** Tone length per key, ms. Default 100. */
  toneMs?: number
  /** Silence after each key, ms. Default 100. */
  gapMs?: number
  /** Length of a `,` in the key string (a dialler's pause), ms. Default 500. */
  pauseMs?: number
  /** Peak amplitude of each of the two tones, fraction of full scale. Default 0.25 (the pair peaks at 0.5). */
  amplitude?: number
  /** Default 24000. */
  sampleRate?: number
}

/**
 * The tones for `keys`: keypad characters (0-9, *, #, A-D, any case); whitespace separates keys and is ignored,
 * `,` is a pause. `dtmfTones('1 2 3 #')` is four keys.
 */
export function dtmfTones(keys: string, options: DtmfToneOptions = {}): AudioChunk {
  const where = 'dtmfTones'
  if (typeof keys !== 'string') throw new InvalidOptionError(`${where}: keys must be a string such as '1 2 3 #', got ${typeof keys}`)
  objectOption(where, options)
  knownKeys(where, options, ['toneMs', 'gapMs', 'pauseMs', 'amplitude', 'sampleRate'])
  const toneMs = options.toneMs === undefined ? 100 : numberOption(where, 'toneMs', options.toneMs, 1, 10_000, 'a number of ms')
  const gapMs = options.gapMs === undefined ? 100 : numberOption(where, 'gapMs', options.gapMs, 0, 10_000, 'a number of ms')
  const pauseMs = options.pauseMs === undefined ? 500 : numberOption(where, 'pauseMs', options.pauseMs, 0, 60_000, 'a number of ms')
  const amplitude = options.amplitude === undefined ? 0.25 : numberOption(where, 'amplitude', options.amplitude, 0, 0.5, 'a fraction of full scale')
  const rate = options.sampleRate ?? DEFAULT_SAMPLE_RATE
  assertSampleRate(rate, `${where}: option "sampleRate"`)
  const sequence = [...keys.replace(/\s+/g, '')]
  if (sequence.length === 0) throw new InvalidOptionError(`${where}: keys ${JSON.stringify(keys)} hold no key`)
  const pairs = sequence.map((key) => (key === ',' ? null : dtmfFrequencies(key)))
  const toneSamples = Math.round((toneMs * rate) / 1000)
  const gapSamples = Math.round((gapMs * rate) / 1000)
  const pauseSamples = Math.round((pauseMs * rate) / 1000)
  const total = pairs.reduce((sum, pair) => sum + (pair ? toneSamples + gapSamples : pauseSamples), 0)
  const out = new Int16Array(total)
  const peak = amplitude * 32767
  let at = 0
  for (const pair of pairs) {
    if (!pair) {
      at += pauseSamples
      continue
    }
    const [low, high] = pair
    const wl = (2 * Math.PI * low) / rate
    const wh = (2 * Math.PI * high) / rate
    for (let i = 0; i < toneSamples; i++) out[at + i] = Math.round(peak * (Math.sin(wl * i) + Math.sin(wh * i)))
    at += toneSamples + gapSamples
  }
  return { data: int16ToBuffer(out), sampleRate: rate }
}

export interface DtmfDetectOptions {
  /** Shortest tone reported, ms. Default 40 (Q.24). */
  minToneMs?: number
  /** Quietest tone reported, dBFS RMS of each of the pair. Default -45. */
  minLevelDb?: number
}

/** One key found in the audio. */
export interface DtmfTone {
  key: string
  /** Start and end in the audio, ms (to the analysis hop, 10 ms). */
  startMs: number
  endMs: number
}

export interface DtmfDetection {
  /** The keys in order, e.g. `'123#'`. */
  keys: string
  tones: DtmfTone[]
}

/** Goertzel power of `freq` over samples[start, start + n), as mean square of that component (A²/2 for a sine of peak A). */
function goertzelPower(samples: Int16Array, start: number, n: number, freq: number, rate: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < n; i++) {
    const s = samples[start + i]! + coeff * s1 - s2
    s2 = s1
    s1 = s
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2
  return (2 * power) / (n * n)
}

/**
 * The DTMF keys in `audio` (PCM16; bytes at 24 kHz or an `AudioChunk`). Goertzel filters on the eight frequencies
 * over 25 ms windows every 10 ms; a window holds a key when one row and one column tone each stand 8 dB above the
 * rest of their group, within 8 dB of each other (twist), and together carry most of the window's power.
 * A key lasting `minToneMs` is reported once; a pause (or another key) separates repeats.
 */
export function detectDtmf(audio: Pcm16Input, options: DtmfDetectOptions = {}): DtmfDetection {
  const where = 'detectDtmf'
  objectOption(where, options)
  knownKeys(where, options, ['minToneMs', 'minLevelDb'])
  const minToneMs = options.minToneMs === undefined ? 40 : numberOption(where, 'minToneMs', options.minToneMs, 10, 10_000, 'a number of ms')
  const minLevelDb = options.minLevelDb === undefined ? -45 : numberOption(where, 'minLevelDb', options.minLevelDb, -120, 0, 'a number of dBFS')
  const { samples, sampleRate } = conditionInput(audio, `${where}: audio`)
  const window = Math.round(sampleRate * 0.025)
  const hop = Math.round(sampleRate * 0.01)
  const minPower = 32768 * 32768 * 10 ** (minLevelDb / 10)
  const tones: DtmfTone[] = []
  let current: { key: string; start: number; end: number } | null = null
  const close = () => {
    if (current && ((current.end - current.start) * 1000) / sampleRate >= minToneMs) {
      tones.push({ key: current.key, startMs: Math.round((current.start * 1000) / sampleRate), endMs: Math.round((current.end * 1000) / sampleRate) })
    }
    current = null
  }
  for (let start = 0; start + window <= samples.length; start += hop) {
    const key = windowKey(samples, start, window, sampleRate, minPower)
    if (key !== null && current !== null && (current as { key: string }).key === key) {
      ;(current as { end: number }).end = start + window
      continue
    }
    close()
    if (key !== null) current = { key, start, end: start + window }
  }
  close()
  return { keys: tones.map((t) => t.key).join(''), tones }
}

function windowKey(samples: Int16Array, start: number, n: number, rate: number, minPower: number): string | null {
  let total = 0
  for (let i = 0; i < n; i++) total += samples[start + i]! * samples[start + i]!
  total /= n
  if (total < minPower) return null
  const low = DTMF_LOW_HZ.map((f) => (f < rate / 2 ? goertzelPower(samples, start, n, f, rate) : 0))
  const high = DTMF_HIGH_HZ.map((f) => (f < rate / 2 ? goertzelPower(samples, start, n, f, rate) : 0))
  const pick = (powers: number[]): number | null => {
    let best = 0
    for (let i = 1; i < 4; i++) if (powers[i]! > powers[best]!) best = i
    const others = Math.max(...powers.filter((_, i) => i !== best))
    return powers[best]! >= minPower && powers[best]! >= 10 ** 0.8 * others ? best : null
  }
  const row = pick(low)
  const col = pick(high)
  if (row === null || col === null) return null
  const pl = low[row]!
  const ph = high[col]!
  if (Math.abs(10 * Math.log10(pl / ph)) > 8) return null
  // Speech and noise spread their power; a key's two tones hold most of it.
  if (pl + ph < 0.5 * total) return null
  return LAYOUT[row]![col]!
}
