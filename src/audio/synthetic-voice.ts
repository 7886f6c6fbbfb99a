/**
 * A deterministic "voice" for offline tests: text in, PCM16 out, and back again, exactly.
 *
 * Encoding (PCM16 little-endian, mono):
 * - a preamble symbol: a square wave of amplitude 600. Its length tells the decoder the symbol length N and its
 *   first half-period the tone period, so audio made at any `msPerChar` / `sampleRate` decodes without options;
 * - then one symbol of N samples per UTF-8 byte of the normalised text: a ~400 Hz square wave (starting at +A)
 *   whose amplitude A = 1000 + byte * 100 (at most 26,500), except that a space is N samples of exact silence.
 *
 * It is loud and tonal, so energy VADs take it for speech, and the 40 ms word gaps are far below any VAD's
 * end-of-turn silence. Decoding is strict: any sample off the pattern means "not synthetic speech" (null), so
 * noise, a sine or real speech never decode to text by accident.
 */
import { InvalidOptionError } from '../errors/index.js'

export interface SyntheticSpeechOptions {
  /** Duration of one character (one UTF-8 byte), in ms. Default 40. */
  msPerChar?: number
  /** Sample rate of the PCM16 output. Default 24000 (what the Realtime API speaks). */
  sampleRate?: number
}

const DEFAULT_MS_PER_CHAR = 40
const DEFAULT_SAMPLE_RATE = 24_000
const TONE_HZ = 400
const PREAMBLE_AMPLITUDE = 600
const BASE_AMPLITUDE = 1000
const AMPLITUDE_STEP = 100
const SPACE = 0x20

/** The text the synthetic voice actually says: whitespace runs become one space, ends trimmed. */
export function normalizeSyntheticSpeechText(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

interface Geometry {
  /** samples per symbol */
  symbol: number
  /** samples per half period of the tone */
  half: number
}

function geometry(opts: SyntheticSpeechOptions | undefined): Geometry {
  const msPerChar = opts?.msPerChar ?? DEFAULT_MS_PER_CHAR
  const sampleRate = opts?.sampleRate ?? DEFAULT_SAMPLE_RATE
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192_000) {
    throw new InvalidOptionError(`synthesizeSpeech: option 'sampleRate' must be an integer from 8000 to 192000 (got ${String(sampleRate)})`)
  }
  const half = Math.max(1, Math.round(sampleRate / (2 * TONE_HZ)))
  const symbol = typeof msPerChar === 'number' ? Math.round((msPerChar * sampleRate) / 1000) : NaN
  // One full tone period per symbol at least, or the decoder could not measure the period from the preamble.
  if (!Number.isFinite(symbol) || symbol < 2 * half) {
    const min = Math.ceil(((2 * half * 1000) / sampleRate) * 100) / 100
    throw new InvalidOptionError(`synthesizeSpeech: option 'msPerChar' must be a number >= ${min} at ${sampleRate} Hz (got ${String(msPerChar)})`)
  }
  return { symbol, half }
}

/** One symbol's PCM (little-endian); symbols repeat, so they are built once per amplitude and copied. */
function symbolPcm(g: Geometry, amplitude: number): Buffer {
  const out = Buffer.alloc(g.symbol * 2)
  for (let j = 0; j < g.symbol; j++) {
    const positive = Math.floor(j / g.half) % 2 === 0
    out.writeInt16LE(positive ? amplitude : -amplitude, j * 2)
  }
  return out
}

/**
 * Speak `text` in the synthetic voice: PCM16 LE mono at `sampleRate` (default 24 kHz), `msPerChar` ms per UTF-8
 * byte plus one preamble symbol. `transcribeSyntheticSpeech` gives back the normalised text exactly.
 */
export function synthesizeSpeech(text: string, opts?: SyntheticSpeechOptions): Buffer {
  if (typeof text !== 'string') {
    throw new InvalidOptionError(`synthesizeSpeech: 'text' must be a string (got ${typeof text})`)
  }
  const g = geometry(opts)
  const bytes = Buffer.from(normalizeSyntheticSpeechText(text), 'utf8')
  const symbolBytes = g.symbol * 2
  const out = Buffer.alloc((bytes.length + 1) * symbolBytes)
  symbolPcm(g, PREAMBLE_AMPLITUDE).copy(out, 0)
  const made = new Map<number, Buffer>()
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (byte === SPACE) continue // exact silence: already zero
    let pcm = made.get(byte)
    if (!pcm) made.set(byte, (pcm = symbolPcm(g, BASE_AMPLITUDE + byte * AMPLITUDE_STEP)))
    pcm.copy(out, (i + 1) * symbolBytes)
  }
  return out
}

/** Duration in ms of `synthesizeSpeech(text, opts)`, without making the audio. */
export function syntheticSpeechDurationMs(text: string, opts?: SyntheticSpeechOptions): number {
  const g = geometry(opts)
  const sampleRate = opts?.sampleRate ?? DEFAULT_SAMPLE_RATE
  const symbols = Buffer.byteLength(normalizeSyntheticSpeechText(text), 'utf8') + 1
  return (symbols * g.symbol * 1000) / sampleRate
}

function readSamples(pcm: Buffer): Int16Array {
  const count = pcm.length >> 1
  const samples = new Int16Array(count)
  for (let i = 0; i < count; i++) samples[i] = pcm.readInt16LE(i * 2)
  return samples
}

/** True when samples[start .. start+length) follow the symbol pattern of the given amplitude. */
function matches(samples: Int16Array, start: number, length: number, half: number, amplitude: number): boolean {
  for (let j = 0; j < length; j++) {
    const positive = Math.floor(j / half) % 2 === 0
    if (samples[start + j] !== (positive ? amplitude : -amplitude)) return false
  }
  return true
}

/** Drop a UTF-8 sequence cut short at the end (audio that stopped mid-character), then decode strictly. */
function decodeUtf8(bytes: number[]): string | null {
  let end = bytes.length
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = bytes[end - back]!
    if ((b & 0xc0) === 0x80) continue // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    if (need > back) end -= back
    break
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes.slice(0, end)))
  } catch {
    return null
  }
}

/**
 * The text spoken in `pcm` by the synthetic voice, or null when `pcm` is not synthetic speech (noise, a tone,
 * real speech, silence only). Leading/trailing silence is ignored; several utterances joined together (with or
 * without silence between them) decode as one text with a space between them. Audio cut off mid-character
 * (a cancelled or truncated response) decodes to the complete characters before the cut.
 */
export function transcribeSyntheticSpeech(pcm: Buffer): string | null {
  const input: unknown = pcm
  if (!(input instanceof Uint8Array)) return null
  const samples = readSamples(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength))
  const n = samples.length
  const bytes: number[] = []
  let symbol = 0
  let half = 0
  let started = false
  let pendingSpace = false
  let i = 0
  while (i < n) {
    const silenceStart = i
    while (i < n && samples[i] === 0) i++
    if (i >= n) break
    const silence = i - silenceStart
    const first = samples[i]!
    const amplitude = Math.abs(first)
    if (amplitude === PREAMBLE_AMPLITUDE) {
      // A preamble starts an utterance; a later one (utterances joined, with or without a gap) is a word break.
      if (first < 0) return null
      let h = 0
      while (i + h < n && samples[i + h] === PREAMBLE_AMPLITUDE) h++
      let len = 0
      while (i + len < n && Math.abs(samples[i + len]!) === PREAMBLE_AMPLITUDE) len++
      if (len < 2 * h || !matches(samples, i, len, h, PREAMBLE_AMPLITUDE)) return null
      symbol = len
      half = h
      if (bytes.length > 0) pendingSpace = true
      started = true
      i += len
      continue
    }
    if (started && silence > 0) {
      if (silence < symbol) return null // a gap shorter than a symbol never comes out of the encoder
      pendingSpace = true
    }
    if (!started || first < 0) return null
    const offset = amplitude - BASE_AMPLITUDE
    if (offset < 0 || offset % AMPLITUDE_STEP !== 0 || offset / AMPLITUDE_STEP > 255) return null
    if (i + symbol > n) {
      // Cut off mid-symbol at the very end: keep what was complete, if the partial symbol is on the pattern.
      if (!matches(samples, i, n - i, half, amplitude)) return null
      break
    }
    if (!matches(samples, i, symbol, half, amplitude)) return null
    if (pendingSpace && bytes.length > 0) bytes.push(SPACE)
    pendingSpace = false
    bytes.push(offset / AMPLITUDE_STEP)
    i += symbol
  }
  if (!started) return null
  const text = decodeUtf8(bytes)
  return text === null ? null : normalizeSyntheticSpeechText(text)
}
