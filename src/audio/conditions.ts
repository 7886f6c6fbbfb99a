/**
 * Caller conditions: how a caller's audio reaches the agent on a real call. One object combines them; they apply in
 * the order the audio meets them: background noise (the caller's room), gain and clipping (their microphone),
 * the phone line (band limit and codec), then packet loss and jitter (the network).
 */
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { knownKeys, objectOption } from './condition-input.js'
import { applyGain, type GainOptions } from './gain.js'
import { addNoise, type NoiseOptions } from './noise.js'
import { addJitter, dropPackets, type JitterOptions, type PacketLossOptions } from './packet-loss.js'
import { pcmAndRate, type Pcm16Input } from './pcm16.js'
import { phoneLine, type PhoneLineOptions } from './phone-line.js'
import { seedOption } from './random.js'

export interface CallerConditions {
  /** Background noise (`addNoise`). */
  noise?: NoiseOptions
  /** Microphone gain and clipping (`applyGain`). */
  gain?: GainOptions
  /** A narrowband phone call (`phoneLine`): `true` for 300 Hz high-pass + 8 kHz μ-law, or its options. */
  phoneLine?: boolean | PhoneLineOptions
  /** Lost frames (`dropPackets`). */
  packetLoss?: PacketLossOptions
  /** Late frames (`addJitter`). */
  jitter?: JitterOptions
  /**
   * Seed of every random condition that has no seed of its own. Default 1. Each condition gets its own stream
   * (seed, seed + 1, ...), so adding one condition does not change another's noise or losses.
   */
  seed?: number
}

const WHERE = 'applyConditions'
const KEYS = ['noise', 'gain', 'phoneLine', 'packetLoss', 'jitter', 'seed'] as const

/** Checks `conditions` (unknown keys, types) without applying them; throws `InvalidOptionError` naming the option. */
export function checkConditions(conditions: unknown): asserts conditions is CallerConditions {
  checkShape(conditions)
  // Every option of every condition, checked by applying them to a 20 ms probe: a typo fails where it is written,
  // not at the first line spoken.
  run(PROBE, conditions)
}

function checkShape(conditions: unknown): asserts conditions is CallerConditions {
  objectOption(WHERE, conditions)
  knownKeys(WHERE, conditions, KEYS)
  seedOption(WHERE, conditions.seed)
  for (const key of ['noise', 'gain', 'packetLoss', 'jitter'] as const) {
    if (conditions[key] !== undefined) objectOption(`${WHERE}: option "${key}"`, conditions[key])
  }
  const line = conditions.phoneLine
  if (line !== undefined && typeof line !== 'boolean') objectOption(`${WHERE}: option "phoneLine"`, line)
}

/** 20 ms of a 1 kHz tone at 24 kHz: some signal for an SNR to refer to. */
const PROBE: AudioChunk = (() => {
  const samples = new Int16Array(480)
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 24_000))
  return { data: Buffer.from(samples.buffer), sampleRate: 24_000 }
})()

/**
 * `audio` as it reaches the agent under `conditions` (see `CallerConditions` for the order). Deterministic: the same
 * audio, conditions and seed give the same bytes. Returns a new chunk at the input's rate (bytes: 24 kHz).
 */
export function applyConditions(audio: Pcm16Input, conditions: CallerConditions): AudioChunk {
  checkShape(conditions)
  return run(audio, conditions)
}

function run(audio: Pcm16Input, conditions: CallerConditions): AudioChunk {
  const seed = seedOption(WHERE, conditions.seed)
  const { data, sampleRate } = pcmAndRate(audio, undefined, `${WHERE}: audio`)
  let out: AudioChunk = { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), sampleRate }
  if (conditions.noise) out = addNoise(out, { seed, ...conditions.noise })
  if (conditions.gain) out = applyGain(out, conditions.gain)
  if (conditions.phoneLine) out = phoneLine(out, conditions.phoneLine === true ? {} : conditions.phoneLine)
  if (conditions.packetLoss) out = dropPackets(out, { seed: seed + 1, ...conditions.packetLoss }).audio
  if (conditions.jitter) out = addJitter(out, { seed: seed + 2, ...conditions.jitter }).audio
  return out
}
