/**
 * A tolerant recogniser for the synthetic voice, for the fake server: it hears `synthesizeSpeech` audio through
 * noise, a phone line, gain changes and lost frames, and, like a real recogniser, loses words as conditions get
 * worse. Deterministic: the same audio always gives the same text.
 *
 * How it listens: the synthetic voice carries one character per symbol (40 ms by default) in the loudness of a
 * square tone (see synthetic-voice.ts). The recogniser finds the utterance's start by the step up of the preamble,
 * measures each symbol's level by correlating its central part with the tone's fundamental (which survives band
 * limits, codecs and resampling), calibrates the level scale on the preamble and refines it against the code's
 * lattice (levels come in steps of 100), then reads each symbol as the nearest step. A symbol whose level falls
 * between steps, or whose two halves disagree (a frame from elsewhere), makes its word unreliable: the word is
 * dropped, as a recogniser drops what it did not catch. A half-symbol of silence (one lost 20 ms frame) is read
 * from the other half.
 *
 * The code's steps are 100 units apart on levels around 11 000, so the symbol levels need about 30 dB SNR to be read
 * safely: words start to drop at 25 dB and are mostly gone by 15 dB. That is stricter than a real recogniser on
 * real speech (which copes with 10 dB or less); the fake's thresholds are what tests can rely on.
 */
import { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from './g711.js'
import { int16View } from './pcm16.js'
import { highPass } from './phone-line.js'
import { resamplePcm16 } from './resample.js'
import { transcribeSyntheticSpeech } from './synthetic-voice.js'

export interface SyntheticRecognitionOptions {
  /** The synthetic voice's ms per character. Default 40. */
  msPerChar?: number
  /** Sample rate of `pcm`. Default 24000. */
  sampleRate?: number
}

/** One recognised word, with whether it was kept. */
interface Word {
  bytes: number[]
  reliable: boolean
}

const TONE_HZ = 400
const PREAMBLE = 600
const BASE = 1000
const STEP = 100
/** Farther than this from a step (in steps), a symbol's level is not trusted. */
const MAX_OFF_STEP = 0.3

/**
 * The text spoken in `pcm` (PCM16 LE mono) by the synthetic voice, as heard through whatever the audio went through;
 * words not caught are left out. Null when no word was caught (noise, tones, real speech, silence). Clean synthetic
 * audio gives exactly what `transcribeSyntheticSpeech` gives.
 */
export function recognizeSyntheticSpeech(pcm: Uint8Array, options: SyntheticRecognitionOptions = {}): string | null {
  const strict = transcribeSyntheticSpeech(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength))
  const rate = options.sampleRate ?? 24_000
  const msPerChar = options.msPerChar ?? 40
  const samples = readSamples(pcm)
  const half = Math.max(1, Math.round(rate / (2 * TONE_HZ)))
  const symbol = Math.round((msPerChar * rate) / 1000)
  // The exact reading, unless its preamble was cut short: a lost frame in the preamble makes the strict decoder
  // measure a shorter symbol and read every character twice.
  if (strict !== null && (preambleLength(samples) === symbol || symbol < 8 * half)) return strict
  if (symbol < 8 * half || samples.length < 2 * symbol) return strict
  const tolerant = listen(samples, symbol, half)
  return tolerant ?? strict
}

/** Samples in the first preamble-level run (the strict decoder's symbol length). */
function preambleLength(samples: Int16Array): number {
  let i = 0
  while (i < samples.length && samples[i] === 0) i++
  let n = 0
  while (i + n < samples.length && Math.abs(samples[i + n]!) === PREAMBLE) n++
  return n
}

function listen(samples: Int16Array, symbol: number, half: number): string | null {
  const meter = new LevelMeter(samples, half)
  const words: Word[] = []
  let from = 0
  for (;;) {
    const found = findOnset(meter, samples.length, from, symbol, half)
    if (found === null) break
    const onset = align(meter, samples.length, found, symbol, half)
    from = readUtterance(meter, samples.length, onset, symbol, half, words)
  }
  const text = words
    .filter((w) => w.reliable && w.bytes.length > 0)
    .map((w) => decodeWord(w.bytes))
    .filter((w): w is string => w !== null)
    .join(' ')
  return text === '' ? null : text
}

function readSamples(pcm: Uint8Array): Int16Array {
  const n = pcm.byteLength >> 1
  const out = new Int16Array(n)
  const view = new DataView(pcm.buffer, pcm.byteOffset, n * 2)
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true)
  return out
}

/** Level of the tone (as the square wave's amplitude) over a span, by correlation with its fundamental. */
class LevelMeter {
  private readonly cos: Float64Array
  private readonly sin: Float64Array
  /** Fundamental amplitude of a unit square wave of this period, measured the same way. */
  private readonly unit: number
  constructor(
    private readonly samples: Int16Array,
    private readonly half: number,
  ) {
    const period = 2 * half
    this.cos = new Float64Array(period)
    this.sin = new Float64Array(period)
    for (let i = 0; i < period; i++) {
      this.cos[i] = Math.cos((Math.PI * i) / half)
      this.sin[i] = Math.sin((Math.PI * i) / half)
    }
    let re = 0
    let im = 0
    for (let i = 0; i < period; i++) {
      const square = i < half ? 1 : -1
      re += square * this.cos[i]!
      im += square * this.sin[i]!
    }
    this.unit = (2 * Math.hypot(re, im)) / period
  }

  /** Square-wave amplitude over [start, end), phase-blind; samples outside the audio count as silence. */
  level(start: number, end: number): number {
    const length = Math.floor(end) - Math.floor(start)
    const s = Math.max(0, Math.floor(start))
    const e = Math.min(this.samples.length, Math.floor(end))
    if (e <= s || length <= 0) return 0
    const period = 2 * this.half
    let re = 0
    let im = 0
    for (let i = s; i < e; i++) {
      const k = i % period
      re += this.samples[i]! * this.cos[k]!
      im += this.samples[i]! * this.sin[k]!
    }
    return (2 * Math.hypot(re, im)) / length / this.unit
  }
}

/** The start of the next utterance at or after `from`: where the level steps up to a preamble out of quiet. */
function findOnset(meter: LevelMeter, n: number, from: number, symbol: number, half: number): number | null {
  const period = 2 * half
  // Coarse: the first run of four periods at half the preamble's level or more.
  let run = 0
  let coarse = -1
  for (let b = Math.ceil(from / period); (b + 1) * period <= n; b++) {
    if (meter.level(b * period, (b + 1) * period) >= PREAMBLE / 2) {
      if (++run === 4) {
        coarse = (b - 3) * period
        break
      }
    } else run = 0
  }
  if (coarse < 0 || coarse + symbol > n) return null
  // Fine: the step up is where the level after a point most exceeds the level before it.
  const window = symbol / 2
  let best = coarse
  let bestStep = -Infinity
  for (let t = Math.max(from, coarse - 2 * period); t <= coarse + 2 * period; t++) {
    const step = meter.level(t, t + window) - meter.level(t - window, t)
    if (step > bestStep) {
      bestStep = step
      best = t
    }
  }
  return best
}

/**
 * The symbol grid. A lost first frame of the preamble puts the step up half a symbol late; every later symbol would
 * then be read across two characters. Of the grid found and the grids half a symbol either side, keep the one whose
 * symbols are most even (their two halves at the same level).
 */
function align(meter: LevelMeter, n: number, onset: number, symbol: number, half: number): number {
  let best = onset
  let bestCost = Infinity
  for (const shift of [0, -symbol / 2, symbol / 2]) {
    const start = Math.round(onset + shift)
    if (start < 0) continue
    let cost = 0
    for (let k = 1, at = start + symbol; k <= 24 && at + symbol <= n; k++, at += symbol) {
      const margin = 4 * half
      const first = meter.level(at + margin, at + symbol / 2)
      const second = meter.level(at + symbol / 2, at + symbol - margin)
      if (first > 300 && second > 300) cost += Math.abs(first - second) / Math.max(first, second)
    }
    // Ties keep the grid of the step up.
    if (cost < bestCost - 1e-9) {
      bestCost = cost
      best = start
    }
  }
  return best
}

interface SymbolReading {
  /** Level of the symbol (square amplitude), or 0 for a silent symbol. */
  level: number
  /** Read from one half only (the other was lost or replaced). */
  patched?: boolean
  /** Both halves loud but at different levels: part of it came from elsewhere (concealment, a glitch). */
  torn: boolean
}

function readSymbol(meter: LevelMeter, start: number, symbol: number, half: number, silent: number, previous: number): SymbolReading {
  // The central part: filters and resamplers ring for a few ms at every level change.
  const margin = Math.min(4 * half, Math.floor(symbol / 8))
  const a = start + margin
  const b = start + symbol - margin
  const mid = start + symbol / 2
  const first = meter.level(a, mid)
  const second = meter.level(mid, b)
  if (first < silent && second < silent) return { level: 0, torn: false }
  // One half silent: a lost frame. Read the other half.
  if (first < silent) return { level: second, torn: false, patched: true }
  if (second < silent) return { level: first, torn: false, patched: true }
  const whole = meter.level(a, b)
  const apart = Math.abs(first - second) > 4 * STEP * (whole / 12_000 + 0.2)
  if (!apart) return { level: whole, torn: false }
  // A repeated frame of the previous symbol (packet-loss concealment) in one half: read the other.
  const near = (x: number) => previous > 0 && Math.abs(x - previous) < 2 * STEP
  if (near(first) && !near(second)) return { level: second, torn: false, patched: true }
  if (near(second) && !near(first)) return { level: first, torn: false, patched: true }
  return { level: whole, torn: true }
}

/** Reads symbols from `onset` until a long silence; appends the words. Returns where to look for the next utterance. */
function readUtterance(meter: LevelMeter, n: number, onset: number, symbol: number, half: number, words: Word[]): number {
  // The preamble's level, from its louder half when the other is (nearly) silent: a lost frame.
  const margin = Math.min(4 * half, Math.floor(symbol / 8))
  const firstHalf = meter.level(onset + margin, onset + symbol / 2)
  const secondHalf = meter.level(onset + symbol / 2, onset + symbol - margin)
  const preamble =
    Math.min(firstHalf, secondHalf) < 0.25 * Math.max(firstHalf, secondHalf)
      ? Math.max(firstHalf, secondHalf)
      : meter.level(onset + margin, onset + symbol - margin)
  if (preamble <= 0) return onset + symbol
  const readings: SymbolReading[] = []
  let silentRun = 0
  let at = onset + symbol
  let previous = 0
  const silent = preamble / 2
  // A few samples short at the very end: the onset was placed a hair late.
  for (; at + symbol - 4 * half <= n; at += symbol) {
    const reading = readSymbol(meter, at, symbol, half, silent, previous)
    readings.push(reading)
    previous = reading.level
    if (reading.level === 0) {
      if (++silentRun >= 3) break
    } else silentRun = 0
  }
  // A trailing partial symbol (audio cut off) is not read: like the strict decoder, keep what was complete.
  while (readings.length && readings[readings.length - 1]!.level === 0) readings.pop()
  const levels = readings.filter((r) => r.level > 0 && !r.torn).map((r) => r.level)
  const channel = bestChannel(preamble, levels)
  let word: Word = { bytes: [], reliable: true }
  let patched = 0
  const flush = () => {
    if (word.bytes.length || !word.reliable) words.push(word)
    word = { bytes: [], reliable: true }
    patched = 0
  }
  for (const reading of readings) {
    if (reading.level === 0) {
      flush()
      continue
    }
    // A level at the preamble's: a second utterance joined to this one, read as a word break.
    if (channel.isPreamble(reading.level)) {
      flush()
      continue
    }
    const { byte, off } = channel.read(reading.level)
    // Half a symbol is enough for one character of a word; a word missing more than that was not caught.
    if (reading.patched && ++patched > 1) word.reliable = false
    if (reading.torn || off > MAX_OFF_STEP || byte < 0x20 || byte > 255 || byte === 0x7f) word.reliable = false
    word.bytes.push(Math.min(255, Math.max(0, byte)))
  }
  flush()
  return at + symbol
}

/** How symbol levels map to bytes: straight (level = scale × amplitude), or through a phone line's codec. */
interface Channel {
  /** Mean squared distance from the nearest code level, in steps (clipped per symbol): lower fits better. */
  cost: number
  read(level: number): { byte: number; off: number }
  isPreamble(level: number): boolean
}

function offCost(offs: number[]): number {
  if (offs.length === 0) return 0
  return offs.reduce((sum, off) => sum + Math.min(off * off, 0.09), 0) / offs.length
}

function linearChannel(preamble: number, levels: number[]): Channel {
  const scale = calibrate(preamble / PREAMBLE, levels)
  const read = (level: number) => {
    const steps = (level / scale - BASE) / STEP
    const byte = Math.round(steps)
    return { byte, off: Math.abs(steps - byte) }
  }
  return {
    cost: offCost(levels.map((l) => read(l).off)),
    read,
    isPreamble: (level) => Math.abs(level / scale - PREAMBLE) < STEP,
  }
}

/**
 * G.711 is a logarithmic quantiser, and the voice's tone is periodic at a divisor of 8 kHz: every period meets the
 * same quantisation error, which shifts a symbol's level by up to ±2 % (two code steps), differently for each level.
 * A recogniser that knows the channel predicts those levels: the line's waveform at 8 kHz for a unit symbol
 * (high-passed, band-limited), scaled to each code amplitude and quantised, measured like the audio.
 */
function codecChannel(codec: 'mulaw' | 'alaw', preamble: number, levels: number[]): Channel {
  const shape = lineShape()
  const n = shape.length
  const cos = shape.map((_, i) => Math.cos((2 * Math.PI * i) / n))
  const sin = shape.map((_, i) => Math.sin((2 * Math.PI * i) / n))
  const roundTrip = codec === 'mulaw' ? (x: number) => muLawDecode(muLawEncode(x)) : (x: number) => aLawDecode(aLawEncode(x))
  // In the level meter's units: a square wave of amplitude A measures A before the line.
  const unit = squareUnit()
  const predict = (amplitude: number): number => {
    let re = 0
    let im = 0
    for (let i = 0; i < n; i++) {
      const coded = roundTrip(Math.max(-32768, Math.min(32767, Math.round(shape[i]! * amplitude))))
      re += coded * cos[i]!
      im += coded * sin[i]!
    }
    return (2 * Math.hypot(re, im)) / n / unit
  }
  const table = (gain: number) => {
    const out = new Float64Array(256)
    for (let b = 0x20; b < 256; b++) out[b] = predict(gain * (BASE + STEP * b))
    return out
  }
  const readWith = (codeLevels: Float64Array, level: number) => {
    let nearest = 0x20
    for (let b = 0x21; b < 256; b++) if (Math.abs(codeLevels[b]! - level) < Math.abs(codeLevels[nearest]! - level)) nearest = b
    // The codec maps neighbouring levels onto (nearly) the same one: among the bytes it cannot tell apart, take
    // the likeliest character, as a recogniser's language model would.
    const tolerance = Math.abs(codeLevels[nearest]! - level) + 0.25 * STEP * (codeLevels[nearest]! / (BASE + STEP * nearest))
    let byte = nearest
    for (let b = 0x20; b < 256; b++) {
      if (Math.abs(codeLevels[b]! - level) <= tolerance && likelihood(b) > likelihood(byte)) byte = b
    }
    const step = (codeLevels[nearest]! / (BASE + STEP * nearest)) * STEP
    return { byte, off: Math.abs(level - codeLevels[byte]!) / Math.max(1e-9, step) }
  }
  // The caller's level before the line, from the preamble (the codec is fine-grained at the preamble's low level).
  const start = preamble / predict(PREAMBLE)
  const prior = Math.abs(start - 1) < 0.05 ? 1 : start
  let best = { gain: start, cost: Infinity, levels: table(start) }
  for (let g = start * 0.97; g <= start * 1.03; g += start * 0.002) {
    const codeLevels = table(g)
    const cost = offCost(levels.map((l) => readWith(codeLevels, l).off)) + 0.02 * ((g - prior) / (0.01 * prior)) ** 2
    if (cost < best.cost) best = { gain: g, cost, levels: codeLevels }
  }
  const preambleLevel = predict(best.gain * PREAMBLE)
  return {
    cost: offCost(levels.map((l) => readWith(best.levels, l).off)),
    read: (level) => readWith(best.levels, level),
    isPreamble: (level) => Math.abs(level - preambleLevel) < STEP * best.gain * 0.87,
  }
}

/** Fundamental amplitude of a unit square wave of the voice's period (60 samples at 24 kHz), as the meter sees it. */
function squareUnit(): number {
  let re = 0
  let im = 0
  for (let i = 0; i < 60; i++) {
    const square = i < 30 ? 1 : -1
    re += square * Math.cos((2 * Math.PI * i) / 60)
    im += square * Math.sin((2 * Math.PI * i) / 60)
  }
  return (2 * Math.hypot(re, im)) / 60
}

/** The channel whose code levels the symbols fit best. */
function bestChannel(preamble: number, levels: number[]): Channel {
  let best = linearChannel(preamble, levels)
  // Clean straight audio fits to within rounding: no need to try the phone lines.
  if (best.cost < 0.002) return best
  for (const codec of ['mulaw', 'alaw'] as const) {
    const candidate = codecChannel(codec, preamble, levels)
    if (candidate.cost < best.cost) best = candidate
  }
  return best
}

let shape: number[] | null = null

/**
 * One period (20 samples at 8 kHz) of a unit synthetic-voice symbol after the phone line's high-pass and its
 * resampling to 8 kHz, in steady state. Symbols start on the 8 kHz grid (every symbol is a whole number of 24 kHz
 * periods from the start of the line's audio).
 */
function lineShape(): number[] {
  if (shape) return shape
  const periods = 40
  const period = 60
  const square = new Float64Array(periods * period)
  for (let i = 0; i < square.length; i++) square[i] = Math.floor(i / 30) % 2 === 0 ? 10_000 : -10_000
  highPass(square, 24_000, 300)
  const pcm = Int16Array.from(square, (x) => Math.round(x))
  const narrow = int16View(resamplePcm16(Buffer.from(pcm.buffer), 24_000, 8000))
  // A period from the middle: past the filters' start-up, before the end.
  const from = ((periods / 2) * period) / 3
  shape = Array.from(narrow.subarray(from, from + 20), (x) => x / 10_000)
  return shape
}

/**
 * The level scale: the preamble's estimate, refined to the scale under which the symbol levels sit closest to
 * whole steps (a robust lattice fit within ±8 % of the preamble's estimate).
 */
function calibrate(fromPreamble: number, levels: number[]): number {
  if (levels.length === 0) return fromPreamble
  // Neighbouring scales fit the lattice almost as well (every level one step up or down). The voice's own level
  // (scale 1) is the likeliest when the preamble allows it; else the preamble's estimate.
  const prior = Math.abs(fromPreamble - 1) < 0.08 ? 1 : fromPreamble
  let best = fromPreamble
  let bestCost = Infinity
  for (let g = fromPreamble * 0.92; g <= fromPreamble * 1.08; g += fromPreamble * 0.0005) {
    let cost = 0
    for (const level of levels) {
      const steps = (level / g - BASE) / STEP
      const off = steps - Math.round(steps)
      cost += Math.min(off * off, 0.09)
    }
    cost += 2 * ((g - prior) / (0.01 * prior)) ** 2
    if (cost < bestCost) {
      bestCost = cost
      best = g
    }
  }
  return best
}

const LETTER_ORDER = 'etaoinshrdlcumwfgypbvkjxqz'

/** A rough prior on characters: lowercase letters by English frequency, then digits and capitals, then the rest. */
function likelihood(byte: number): number {
  const char = String.fromCharCode(byte)
  const letter = LETTER_ORDER.indexOf(char)
  if (letter >= 0) return 100 - letter
  if (/[0-9]/.test(char)) return 60
  const capital = LETTER_ORDER.indexOf(char.toLowerCase())
  if (capital >= 0) return 50 - capital
  if (/[ .,'?!-]/.test(char)) return 20
  return byte < 0x80 ? 10 : 5
}

function decodeWord(bytes: number[]): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes))
  } catch {
    return null
  }
}
