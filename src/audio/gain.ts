/** Level changes and clipping: a caller too far from (or too close to) the microphone, an overdriven input. */
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { conditionInput, knownKeys, numberOption, objectOption, toPcm16Chunk } from './condition-input.js'
import type { Pcm16Input } from './pcm16.js'

export interface GainOptions {
  /** Gain in dB (negative: quieter). Default 0. */
  db?: number
  /**
   * Hard-clip at this fraction of full scale (0 < clipAt <= 1), after the gain: every sample beyond ±clipAt × 32767
   * is set to it, like an overdriven preamp. Default 1 (only PCM16's own limit).
   */
  clipAt?: number
}

const WHERE = 'applyGain'

/** `audio` scaled by `db` dB and hard-clipped at `clipAt` of full scale. Returns a new chunk at the input's rate. */
export function applyGain(audio: Pcm16Input, options: GainOptions): AudioChunk {
  objectOption(WHERE, options)
  knownKeys(WHERE, options, ['db', 'clipAt'])
  const { samples, sampleRate } = conditionInput(audio, `${WHERE}: audio`)
  const db = options.db === undefined ? 0 : numberOption(WHERE, 'db', options.db, -96, 48, 'a number of dB')
  const clipAt = options.clipAt === undefined ? 1 : numberOption(WHERE, 'clipAt', options.clipAt, Number.MIN_VALUE, 1, 'a fraction of full scale')
  const factor = 10 ** (db / 20)
  // A whole sample value, so both polarities clip at the same magnitude after rounding.
  const limit = Math.round(clipAt * 32767)
  const out = new Float64Array(samples.length)
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]! * factor
    out[i] = v > limit ? limit : Math.max(v, -limit)
  }
  return toPcm16Chunk(out, sampleRate)
}
