/**
 * Network impairments of a voice call, on 20 ms frames (one RTP packet of G.711 or Opus each, by default):
 * - packet loss: frames dropped at a given rate, independently or in bursts (a two-state Gilbert-Elliott model
 *   whose stationary loss rate is `rate` and mean burst length `burst` frames);
 * - jitter: each frame's network delay drawn from 0..`maxMs`; a receiver's jitter buffer holds `bufferMs`, and a
 *   frame later than that misses its playout slot and is lost like a dropped one.
 * A lost frame becomes silence, or with `conceal` a repeat of the last frame received, 6 dB quieter for every
 * further frame of the gap and silent from the fourth: the usual packet-loss concealment of VoIP receivers.
 */
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { InvalidOptionError } from '../errors/index.js'
import { conditionInput, knownKeys, numberOption, objectOption } from './condition-input.js'
import { int16ToBuffer, type Pcm16Input } from './pcm16.js'
import { seedOption, seededRandom } from './random.js'

export interface PacketLossOptions {
  /** Fraction of frames lost, 0..1 (0.05 = 5 %). */
  rate: number
  /** Mean length of a loss burst, in frames (≥ 1). Default 1: frames are lost independently. */
  burst?: number
  /** Frame (packet) length in ms. Default 20. */
  frameMs?: number
  /** Fill lost frames from the last frame received (fading) instead of silence. Default false. */
  conceal?: boolean
  /** Default 1. */
  seed?: number
}

export interface JitterOptions {
  /** Largest network delay of a frame, ms; each frame's delay is uniform in 0..maxMs. */
  maxMs: number
  /** Jitter buffer depth, ms: frames delayed more than this are lost. Default 40. */
  bufferMs?: number
  /** Frame (packet) length in ms. Default 20. */
  frameMs?: number
  /** Fill late frames from the last frame received (fading) instead of silence. Default false. */
  conceal?: boolean
  /** Default 1. */
  seed?: number
}

/** Which frames of a clip were lost, and the audio with them lost. */
export interface LossResult {
  audio: AudioChunk
  /** Indexes of the lost frames (in order). */
  lostFrames: number[]
  /** Frames in the clip (the last one may be partial). */
  frames: number
}

function frameSamples(where: string, frameMs: unknown, sampleRate: number): number {
  const ms = frameMs === undefined ? 20 : numberOption(where, 'frameMs', frameMs, 1, 1000, 'a number of ms')
  return Math.max(1, Math.round((ms * sampleRate) / 1000))
}

function conceal(where: string, value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new InvalidOptionError(`${where}: option "conceal" must be a boolean, got ${String(value)}`)
  return value
}

/** Writes the clip with `lost[f]` frames lost (silence or concealment). */
function render(samples: Int16Array, size: number, lost: boolean[], concealed: boolean, sampleRate: number): AudioChunk {
  const out = new Int16Array(samples)
  let gap = 0
  let lastGood = -1
  for (let f = 0; f < lost.length; f++) {
    const start = f * size
    const end = Math.min(samples.length, start + size)
    if (!lost[f]) {
      gap = 0
      lastGood = f
      continue
    }
    gap++
    if (!concealed || lastGood < 0 || gap > 3) {
      out.fill(0, start, end)
      continue
    }
    const factor = 0.5 ** (gap - 1)
    const source = lastGood * size
    for (let i = start; i < end; i++) out[i] = Math.round(samples[source + (i - start)]! * factor)
  }
  return { data: int16ToBuffer(out), sampleRate }
}

/** Drops frames of `audio` at `rate` (seeded). `lostFrames` tells which. Returns a new chunk at the input's rate. */
export function dropPackets(audio: Pcm16Input, options: PacketLossOptions): LossResult {
  const where = 'dropPackets'
  objectOption(where, options)
  knownKeys(where, options, ['rate', 'burst', 'frameMs', 'conceal', 'seed'])
  const rate = numberOption(where, 'rate', options.rate, 0, 1, 'a fraction')
  const burst = options.burst === undefined ? 1 : numberOption(where, 'burst', options.burst, 1, 1000, 'a number of frames')
  const concealed = conceal(where, options.conceal)
  const random = seededRandom(seedOption(where, options.seed))
  const { samples, sampleRate } = conditionInput(audio, `${where}: audio`)
  const size = frameSamples(where, options.frameMs, sampleRate)
  const frames = Math.ceil(samples.length / size)
  // Gilbert-Elliott: leave a burst with probability 1/burst; enter one so that the stationary loss rate is `rate`.
  const lost: boolean[] = []
  if (burst === 1) {
    for (let f = 0; f < frames; f++) lost.push(random() < rate)
  } else {
    const leave = 1 / burst
    // The chain can lose at most burst / (burst + 1) of the frames (it enters a burst at once after every one).
    if (rate > burst / (burst + 1)) {
      throw new InvalidOptionError(
        `${where}: option "rate" ${rate} cannot be reached with bursts of ${burst} frames (at most ${(burst / (burst + 1)).toFixed(3)})`,
      )
    }
    const enter = (rate * leave) / (1 - rate)
    let bad = random() < rate
    for (let f = 0; f < frames; f++) {
      if (f > 0) bad = bad ? random() >= leave : random() < enter
      lost.push(bad)
    }
  }
  return { audio: render(samples, size, lost, concealed, sampleRate), lostFrames: indexes(lost), frames }
}

/** Delays frames of `audio` by 0..maxMs (seeded); those later than the jitter buffer are lost. */
export function addJitter(audio: Pcm16Input, options: JitterOptions): LossResult {
  const where = 'addJitter'
  objectOption(where, options)
  knownKeys(where, options, ['maxMs', 'bufferMs', 'frameMs', 'conceal', 'seed'])
  const maxMs = numberOption(where, 'maxMs', options.maxMs, 0, 10_000, 'a number of ms')
  const bufferMs = options.bufferMs === undefined ? 40 : numberOption(where, 'bufferMs', options.bufferMs, 0, 10_000, 'a number of ms')
  const concealed = conceal(where, options.conceal)
  const random = seededRandom(seedOption(where, options.seed))
  const { samples, sampleRate } = conditionInput(audio, `${where}: audio`)
  const size = frameSamples(where, options.frameMs, sampleRate)
  const frames = Math.ceil(samples.length / size)
  const lost: boolean[] = []
  for (let f = 0; f < frames; f++) lost.push(random() * maxMs > bufferMs)
  return { audio: render(samples, size, lost, concealed, sampleRate), lostFrames: indexes(lost), frames }
}

function indexes(lost: boolean[]): number[] {
  const out: number[] = []
  for (let f = 0; f < lost.length; f++) if (lost[f]) out.push(f)
  return out
}
