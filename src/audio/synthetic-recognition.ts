/**
 * A tolerant recogniser for the synthetic voice, for the fake server: it hears `synthesizeSpeech` audio through
 * noise, gain changes, phone lines and lost frames, and, like a real recogniser, loses words as conditions get worse.
 * Deterministic: the same audio always gives the same text.
 *
 * How it listens: the synthetic voice carries one character per symbol (40 ms by default) in the loudness of a
 * square tone (see synthetic-voice.ts). The recogniser finds each utterance by the step up of its preamble, measures
 * each symbol's level by correlating its central part with the tone's fundamental (which survives band limits,
 * codecs and resampling), and fits a channel to the utterance: the caller's gain, straight or through a G.711 codec
 * (whose quantisation moves each level by up to two code steps, averaged by noise at the codec's input: background
 * noise, measured in the spaces; noise added after the line, line noise, is there too but averages nothing, so all,
 * half or none of it is tried). A codec is considered only for band-limited audio (the square's edges gone). The
 * preamble is fitted as a symbol of known byte. Among the gains that fit, the one whose reading looks most like
 * English text wins (a character prior). Each symbol then reads as the nearest code level. A symbol between two
 * levels keeps its word only if one of the spellings is a word of the vocabulary; far from both, or with its two
 * halves disagreeing (a frame from elsewhere), its word is dropped, as a recogniser drops what it did not catch. A half-symbol of silence (one lost 20 ms frame) is read from the other half, once per word. Where
 * the codec merged neighbouring characters, a small vocabulary picks the spelling that is a word.
 *
 * The code's steps are 100 units apart on levels around 11 000, so the levels need about 35 dB SNR to be read
 * safely: words start to drop at 30 dB and are mostly gone by 20 dB. That is stricter than a real recogniser on real
 * speech (which copes with 10 dB or less); these thresholds are the fake's, and what offline tests can rely on. The
 * phone-line models assume 24 kHz audio whose line started at the utterance (as `user.say` conditions each line).
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
  /** For each byte, the bytes the channel cannot tell apart from it (itself included). */
  alternatives: number[][]
  /** For each byte, how far (in steps) its level was from each alternative's code level. */
  offs: number[][]
  reliable: boolean
  /** A level fell between two code levels: the word is kept only when one of its spellings is a word. */
  uncertain?: boolean
}

const TONE_HZ = 400
const PREAMBLE = 600
const BASE = 1000
const STEP = 100
/** Farther than this from a step (in steps), a symbol's level is not trusted. */
const MAX_OFF_STEP = 0.3
/** Farther than this from both neighbouring code levels, a symbol is not read at all. */
const MAX_UNCERTAIN_STEP = 0.8

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
  const threshold = onsetThreshold(meter, samples.length, half)
  for (;;) {
    const found = findOnset(meter, samples.length, from, symbol, half, threshold)
    if (found === null) break
    const onset = align(meter, samples.length, found, symbol, half)
    from = readUtterance(meter, samples.length, onset, symbol, half, words)
  }
  const text = words
    .filter((w) => w.reliable && w.bytes.length > 0)
    .map((w) => {
      const known = knownWord(w)
      return known ? decodeWord(known) : w.uncertain ? null : decodeWord(w.bytes)
    })
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

  /** RMS of the samples in [start, end). */
  rms(start: number, end: number): number {
    const s = Math.max(0, Math.floor(start))
    const e = Math.min(this.samples.length, Math.floor(end))
    let sum = 0
    for (let i = s; i < e; i++) sum += this.samples[i]! * this.samples[i]!
    return e > s ? Math.sqrt(sum / (e - s)) : 0
  }

  /** Sums over [start, end) of the squared sample-to-sample differences and of the squared samples. */
  edgePower(start: number, end: number): [number, number] {
    const s = Math.max(1, Math.floor(start))
    const e = Math.min(this.samples.length, Math.floor(end))
    let edges = 0
    let power = 0
    for (let i = s; i < e; i++) {
      const d = this.samples[i]! - this.samples[i - 1]!
      edges += d * d
      power += this.samples[i]! * this.samples[i]!
    }
    return [edges, power]
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

/**
 * The level that starts an utterance: half the preamble's, judged from the loudest periods (the voice's characters
 * are 15 to 45 times the preamble's level), and well above the noise floor (the quietest periods).
 */
function onsetThreshold(meter: LevelMeter, n: number, half: number): number {
  const period = 2 * half
  const levels: number[] = []
  for (let b = 0; (b + 1) * period <= n; b++) levels.push(meter.level(b * period, (b + 1) * period))
  levels.sort((a, b) => a - b)
  const loud = levels[Math.floor(levels.length * 0.9)] ?? 0
  const floor = levels[Math.floor(levels.length * 0.05)] ?? 0
  // Capped below the preamble's level (about loud / 20): a line without pauses has the preamble as its quietest part.
  return Math.max(1, Math.min(Math.max(loud / 40, 3 * floor), loud / 25))
}

/** The start of the next utterance at or after `from`: where the level steps up to a preamble out of quiet. */
function findOnset(meter: LevelMeter, n: number, from: number, symbol: number, half: number, threshold: number): number | null {
  const period = 2 * half
  // Coarse: the first run of four periods at half the preamble's level or more.
  let run = 0
  let coarse = -1
  for (let b = Math.ceil(from / period); (b + 1) * period <= n; b++) {
    if (meter.level(b * period, (b + 1) * period) >= threshold) {
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
      const first = meter.level(at + margin, at + symbol / 2 - 2 * half)
      const second = meter.level(at + symbol / 2 + 2 * half, at + symbol - margin)
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
  // The halves keep a period clear of the middle: a line delays the voice by a few samples, and a lost frame's edge
  // sits on the middle of the symbol as sent, not as heard.
  const first = meter.level(a, mid - 2 * half)
  const second = meter.level(mid + 2 * half, b)
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
  const firstHalf = meter.level(onset + margin, onset + symbol / 2 - 2 * half)
  const secondHalf = meter.level(onset + symbol / 2 + 2 * half, onset + symbol - margin)
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
  // The noise on the line, from the silent symbols (the spaces between words).
  let noisePower = 0
  let silentSymbols = 0
  readings.forEach((r, k) => {
    if (r.level !== 0) return
    const start = onset + (k + 1) * symbol
    noisePower += meter.rms(start + margin, start + symbol - margin) ** 2
    silentSymbols++
  })
  const noise = silentSymbols ? Math.sqrt(noisePower / silentSymbols) : -1
  const channel = bestChannel(preamble, levels, noise, isBandLimited(meter, readings, onset, symbol, margin))
  let word: Word = { bytes: [], alternatives: [], offs: [], reliable: true }
  let patched = 0
  const flush = () => {
    if (word.bytes.length || !word.reliable) words.push(word)
    word = { bytes: [], alternatives: [], offs: [], reliable: true }
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
    const { byte, off, alternatives, offs, neighbour, neighbourOff } = channel.read(reading.level)
    // Half a symbol is enough for one character of a word; a word missing more than that was not caught.
    if (reading.patched && ++patched > 1) word.reliable = false
    if (reading.torn || byte < 0x20 || byte > 255 || byte === 0x7f) word.reliable = false
    // Between two code levels: either character may have been said. Noise puts a level there now and then at any
    // SNR a level can still be read at; the vocabulary then decides, as a recogniser's does.
    if (off > MAX_OFF_STEP) {
      if (off > MAX_UNCERTAIN_STEP || neighbourOff > MAX_UNCERTAIN_STEP) word.reliable = false
      word.uncertain = true
      alternatives.push(neighbour)
      offs.push(neighbourOff)
    }
    word.bytes.push(Math.min(255, Math.max(0, byte)))
    word.alternatives.push(alternatives)
    word.offs.push(offs)
  }
  flush()
  return at + symbol
}

/**
 * Whether the voiced symbols lost the square's edges: a phone line keeps nothing above 4 kHz. The power of the
 * sample-to-sample difference against the signal's: about 0.13 for the square wave (its edges), about 0.02 after a
 * narrowband line; white noise adds twice its own power, so mild noise after a line does not hide the band limit.
 */
function isBandLimited(meter: LevelMeter, readings: SymbolReading[], onset: number, symbol: number, margin: number): boolean {
  let edges = 0
  let power = 0
  readings.forEach((r, k) => {
    if (r.level === 0 || r.torn) return
    const start = onset + (k + 1) * symbol
    const [d, p] = meter.edgePower(start + margin, start + symbol - margin)
    edges += d
    power += p
  })
  return power > 0 && edges / power < 0.07
}

/** How symbol levels map to bytes, as fitted to one utterance. */
interface Channel {
  read(level: number): Reading
  isPreamble(level: number): boolean
}

/**
 * A channel model: the level a symbol of each byte would measure at caller gain `gain` (before the line).
 * `straight`: level = gain × amplitude. `mulaw` / `alaw`: through a phone line's codec (see `codecLevel`).
 */
type Model = 'straight' | 'mulaw' | 'alaw'

function levelTable(model: Model, gain: number, noise = 0): Float64Array {
  const out = new Float64Array(257)
  for (let b = 0; b < 256; b++) out[b] = modelLevel(model, gain * (BASE + STEP * b), noise)
  out[256] = modelLevel(model, gain * PREAMBLE, noise)
  return out
}

function modelLevel(model: Model, amplitude: number, noise = 0): number {
  return model === 'straight' ? amplitude : codecLevel(model, amplitude, noise)
}

interface Reading {
  byte: number
  /** Off the code level, in steps. */
  off: number
  /** The bytes whose code levels are as near (the channel merged them), `byte` first. */
  alternatives: number[]
  /** How far the level is from each alternative's code level, in steps. */
  offs: number[]
  /** The byte of the next code level on the other side of the level, and how far that is, in steps. */
  neighbour: number
  neighbourOff: number
}

/** The byte whose predicted level is nearest (among near-ties, the likeliest character), and how far off, in steps. */
function readWith(table: Float64Array, level: number): Reading {
  // The tables are close to straight lines (a codec bends them by a step or two): start from the straight reading.
  const slope = table[0x6f]! / (BASE + STEP * 0x6f)
  const guess = Math.round((level / slope - BASE) / STEP)
  const from = Math.max(0x20, Math.min(255, guess - 4))
  const to = Math.max(0x20, Math.min(255, guess + 4))
  let nearest = from
  for (let b = from + 1; b <= to; b++) if (Math.abs(table[b]! - level) < Math.abs(table[nearest]! - level)) nearest = b
  const step = slope * STEP
  // A codec maps neighbouring levels onto (nearly) the same one: among the bytes it cannot tell apart, take the
  // likeliest character, as a recogniser's language model would.
  const tolerance = Math.abs(table[nearest]! - level) + 0.15 * step
  let byte = nearest
  const alternatives: number[] = []
  for (let b = from; b <= to; b++) {
    if (Math.abs(table[b]! - level) > tolerance) continue
    alternatives.push(b)
    if (logPrior(b) > logPrior(byte)) byte = b
  }
  alternatives.sort((x, y) => (x === byte ? -1 : y === byte ? 1 : 0))
  const offs = alternatives.map((b) => Math.abs(level - table[b]!) / step)
  const neighbour = Math.max(0, Math.min(255, level > table[byte]! ? byte + 1 : byte - 1))
  return { byte, off: offs[0]!, alternatives, offs, neighbour, neighbourOff: Math.abs(level - table[neighbour]!) / step }
}

/**
 * The channel and caller gain that explain the utterance best. The preamble gives the gain roughly; every symbol
 * level then has to sit on a code level. Gains a step apart fit almost as well (every character read one up or
 * down), so among the gains that fit, the text read must also look like text: the score adds how unlikely its
 * characters are, and a pull towards the voice's own level (gain 1).
 */
function bestChannel(preamble: number, levels: number[], measuredNoise: number, bandLimited: boolean): Channel {
  // No spaces to measure the noise in (-1): the codec's fit then tries every dither level.
  const noise = Math.max(0, measuredNoise)
  let best: { score: number; table: Float64Array } | null = null
  // The preamble is a symbol whose byte is known: a gain must put it on its level too, or a few symbols of a short
  // line could sit on code levels of a gain far from the caller's (every character read many steps off).
  const preambleCost = (table: Float64Array) => {
    const step = (table[0x6f]! / (BASE + STEP * 0x6f)) * STEP
    return ((preamble - table[256]!) / step) ** 2 / 0.02
  }
  const consider = (model: Model, gain: number, dither = noise) => {
    const table = levelTable(model, gain, dither)
    const start = preamble / modelLevel(model, PREAMBLE, dither)
    // A log-likelihood per symbol: its level off the code level (σ = 0.1 step), and how likely its character is.
    let score = 0
    for (const level of levels) {
      const { byte, off } = readWith(table, level)
      score += Math.min(off * off, 0.09) / 0.02 - logPrior(byte)
    }
    score = (score + preambleCost(table)) / (levels.length + 1)
    // The voice's own level is the likeliest gain when the preamble allows it.
    if (Math.abs(start - 1) < 0.05) score += ((gain - 1) / 0.02) ** 2
    if (!best || score < best.score) best = { score, table }
  }
  const fitCost = (table: Float64Array) => {
    let cost = 0
    for (const level of levels) cost += Math.min(readWith(table, level).off ** 2, 0.09)
    return (cost + 0.02 * preambleCost(table)) / (levels.length + 1)
  }
  // Straight: the preamble's gain can be off by several per cent in noise; search ±15 % for the gains that fit.
  const start = preamble / PREAMBLE
  const costs: { gain: number; cost: number }[] = []
  for (let g = start * 0.85; g <= start * 1.15; g += start * 0.0005) costs.push({ gain: g, cost: fitCost(levelTable('straight', g)) })
  const minima = costs.filter((c, i) => (i === 0 || c.cost <= costs[i - 1]!.cost) && (i === costs.length - 1 || c.cost <= costs[i + 1]!.cost))
  minima.sort((x, y) => x.cost - y.cost)
  for (const fit of minima.slice(0, 6)) consider('straight', fit.gain)
  // Audio with the square's edges (no band limit) came through no phone line: no codec to model. Band-limited audio
  // may still be straight (a line without a codec), so there both are fitted and the better explanation wins: a few
  // symbols of a short line can sit on straight levels by chance, at a gain far from the caller's.
  if (!bandLimited) return channelOf(best!.table)
  // Through a codec the preamble's level is read finely (the codec is fine-grained at low levels): ±3 % around it.
  // How much of the noise was at the codec's input is not known from the spaces: noise added after the line (line
  // noise) is there too, and leaves the codec's error undithered. Each candidate is fitted; the text decides.
  for (const model of ['mulaw', 'alaw'] as const) {
    for (const dither of ditherCandidates(measuredNoise)) {
      const around = preamble / modelLevel(model, PREAMBLE, dither)
      for (let g = around * 0.97; g <= around * 1.03; g += around * 0.001) consider(model, g, dither)
      // The voice's own level exactly, between the grid's points: through a codec a gain 0.01 % off can move a
      // symbol onto its neighbour's level, where two characters' levels nearly merge.
      if (Math.abs(around - 1) < 0.03) consider(model, 1, dither)
    }
  }
  return channelOf(best!.table)
}

function channelOf(table: Float64Array): Channel {
  const preambleLevel = table[256]!
  const step = (table[0x6f]! / (BASE + STEP * 0x6f)) * STEP
  return { read: (level) => readWith(table, level), isPreamble: (level) => Math.abs(level - preambleLevel) < 0.87 * step }
}

/**
 * G.711 is a logarithmic quantiser, and the voice's tone is periodic at a divisor of 8 kHz: every period meets the
 * same quantisation error, which moves a symbol's level by up to ±2 % (two code steps), differently for each level.
 * The level a symbol of `amplitude` measures after the line: one period of the line's waveform at 8 kHz (see
 * `lineShape`), scaled, quantised, and measured as the level meter does.
 */
function codecLevel(codec: 'mulaw' | 'alaw', amplitude: number, noise = 0): number {
  const shape = lineShape()
  const n = shape.length
  const expected = noise >= MIN_DITHER ? ditheredCodec(codec, noise) : null
  let re = 0
  let im = 0
  for (let i = 0; i < n; i++) {
    const value = shape[i]! * amplitude
    let coded: number
    if (expected) {
      const x = (Math.max(-32768, Math.min(32767, value)) + 32768) / DITHER_GRID
      const k = Math.min(expected.length - 2, Math.floor(x))
      coded = expected[k]! + (expected[k + 1]! - expected[k]!) * (x - k)
    } else {
      const linear = Math.max(-32768, Math.min(32767, Math.round(value)))
      coded = codec === 'mulaw' ? muLawDecode(muLawEncode(linear)) : aLawDecode(aLawEncode(linear))
    }
    re += coded * COS20[i]!
    im += coded * SIN20[i]!
  }
  return (2 * Math.hypot(re, im)) / n / SQUARE_UNIT
}

/** Noise levels (RMS at the codec's input) to try: none, half or all of the noise measured in the spaces (a ladder, without spaces). */
function ditherCandidates(measured: number): number[] {
  // All of the noise in the spaces at the codec's input (background noise), none of it (line noise), or half.
  if (measured >= 0) return measured < MIN_DITHER ? [0] : [0, measured / 2, measured]
  return [0, 8, 16, 32, 64, 128, 256]
}

/** Noise (RMS, PCM16 units) from which the codec's error is treated as averaged by it (a dithered quantiser). */
const MIN_DITHER = 4
const DITHER_GRID = 16
const dithered = new Map<string, Float64Array>()

/**
 * With noise on the line before the codec, its quantisation error is no longer the same every period: what a symbol
 * measures is the codec's output averaged over the noise. The expected output for every input on a grid, for noise
 * of RMS `noise` (rounded to 5 %, cached).
 */
function ditheredCodec(codec: 'mulaw' | 'alaw', noise: number): Float64Array {
  const sigma = Math.exp(Math.round(Math.log(noise) / 0.05) * 0.05)
  const key = `${codec}:${sigma.toFixed(2)}`
  const known = dithered.get(key)
  if (known) return known
  const points = 17
  const offsets: number[] = []
  const weights: number[] = []
  for (let j = 0; j < points; j++) {
    const z = -3 + (6 * j) / (points - 1)
    offsets.push(z * sigma)
    weights.push(Math.exp((-z * z) / 2))
  }
  const total = weights.reduce((a, b) => a + b, 0)
  const roundTrip = codec === 'mulaw' ? (x: number) => muLawDecode(muLawEncode(x)) : (x: number) => aLawDecode(aLawEncode(x))
  const out = new Float64Array(65_536 / DITHER_GRID + 1)
  for (let k = 0; k < out.length; k++) {
    const v = k * DITHER_GRID - 32768
    let sum = 0
    for (let j = 0; j < points; j++) sum += weights[j]! * roundTrip(Math.max(-32768, Math.min(32767, Math.round(v + offsets[j]!))))
    out[k] = sum / total
  }
  if (dithered.size >= 64) dithered.clear()
  dithered.set(key, out)
  return out
}

const COS20 = Array.from({ length: 20 }, (_, i) => Math.cos((2 * Math.PI * i) / 20))
const SIN20 = Array.from({ length: 20 }, (_, i) => Math.sin((2 * Math.PI * i) / 20))

/** Fundamental amplitude of a unit square wave of the voice's period (60 samples at 24 kHz), as the meter sees it. */
const SQUARE_UNIT = (() => {
  let re = 0
  let im = 0
  for (let i = 0; i < 60; i++) {
    const square = i < 30 ? 1 : -1
    re += square * Math.cos((2 * Math.PI * i) / 60)
    im += square * Math.sin((2 * Math.PI * i) / 60)
  }
  return (2 * Math.hypot(re, im)) / 60
})()

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

/** English character frequencies (per cent), for the prior: lowercase letters, then the rest. */
const LETTER_PERCENT: Record<string, number> = {
  e: 12.7,
  t: 9.1,
  a: 8.2,
  o: 7.5,
  i: 7.0,
  n: 6.7,
  s: 6.3,
  h: 6.1,
  r: 6.0,
  d: 4.3,
  l: 4.0,
  c: 2.8,
  u: 2.8,
  m: 2.4,
  w: 2.4,
  f: 2.2,
  g: 2.0,
  y: 2.0,
  p: 1.9,
  b: 1.5,
  v: 1.0,
  k: 0.8,
  j: 0.15,
  x: 0.15,
  q: 0.1,
  z: 0.07,
}

/** Log prior of a character: how likely it is in a caller's line (letters by English frequency). */
function logPrior(byte: number): number {
  const char = String.fromCharCode(byte)
  const lower = LETTER_PERCENT[char]
  if (lower !== undefined) return Math.log(lower)
  const upper = LETTER_PERCENT[char.toLowerCase()]
  if (upper !== undefined) return Math.log(upper / 8)
  if (/[0-9]/.test(char)) return Math.log(0.6)
  if (/[.,'?!-]/.test(char)) return Math.log(0.4)
  return Math.log(byte < 0x80 ? 0.02 : 0.01)
}

/**
 * When the channel merged some of a word's characters, the spelling that is an English word, if one is: the
 * recogniser's vocabulary. Null when none is (or nothing was merged): the likeliest characters stand.
 */
function knownWord(word: Word): number[] | null {
  if (word.alternatives.every((a) => a.length <= 1)) return null
  let spellings: number[][] = [[]]
  for (const choices of word.alternatives) {
    spellings = spellings.flatMap((prefix) => choices.map((b) => [...prefix, b]))
    if (spellings.length > 256) return null
  }
  const found = spellings.filter((bytes) =>
    VOCABULARY.has(
      String.fromCharCode(...bytes)
        .toLowerCase()
        .replace(/[.,?!]+$/, ''),
    ),
  )
  if (found.length === 0) return null
  // Among words, the nearer levels count with the characters' frequency (σ = 0.1 step), as in the channel's fit.
  const likelihood = (bytes: number[]) => bytes.reduce((sum, b, k) => sum + logPrior(b) - (word.offs[k]![word.alternatives[k]!.indexOf(b)] ?? 0) ** 2 / 0.02, 0)
  return found.reduce((a, b) => (likelihood(b) > likelihood(a) ? b : a))
}

/** Common English words and the words of numbers, times and bookings: what a caller's lines are mostly made of. */
const VOCABULARY = new Set(
  (
    'a about above after again against all also am an and any are around as ask at away back be because been before ' +
    'being below between book booked booking both but by call called calling can cancel card change check could day ' +
    'days did do does doing done down during each early eight eighteen eighty eleven else email evening every ' +
    'fifteen fifty first five for fourteen forty four friday from get give go going good got had has have having he ' +
    'hello help her here hers hi him his hold home hour hours how hundred i if in into is it its just know last late ' +
    'later like little look lunch make may me menu minute minutes monday more morning most much must my name need ' +
    'next nine nineteen ninety no noon not now number of off ok okay on once one only open or order other our out ' +
    'over party people per person phone please pm pick place point put reservation reserve right room said saturday ' +
    'say see seven seventeen seventy she should six sixteen sixty so some speak start still stop sunday table take ' +
    'tell ten than thank thanks that the their them then there these they thing think thirteen thirty this those ' +
    'three through thursday time to today tomorrow tonight too tuesday twelve twenty two up us very wait want was ' +
    'we wednesday week well were what when where which while who why will with would yes yesterday yet you your ' +
    'account address agent answer april august billing cash december delivery dinner dollars euros february ' +
    'january july june march november october payment refund september service support ticket'
  ).split(' '),
)

function decodeWord(bytes: number[]): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes))
  } catch {
    return null
  }
}
