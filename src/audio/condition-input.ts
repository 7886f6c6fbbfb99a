/** Shared plumbing of the caller conditions: input checking and the float <-> PCM16 round trip. */
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { InvalidOptionError } from '../errors/index.js'
import { assertWholeSamples, int16ToBuffer, int16View, pcmAndRate, type Pcm16Input } from './pcm16.js'

/** The samples of `audio` (PCM16 LE, a chunk's own rate or `DEFAULT_SAMPLE_RATE` for bytes) and its rate. */
export function conditionInput(audio: Pcm16Input, what: string): { samples: Int16Array; sampleRate: number } {
  const { data, sampleRate } = pcmAndRate(audio, undefined, what)
  assertWholeSamples(data, what)
  return { samples: int16View(data), sampleRate }
}

/** Rounds and saturates to PCM16, like an ADC: values past full scale clip. */
export function toPcm16Chunk(samples: ArrayLike<number>, sampleRate: number): AudioChunk {
  const out = new Int16Array(samples.length)
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]!)
    out[i] = v > 32767 ? 32767 : Math.max(v, -32768)
  }
  return { data: int16ToBuffer(out), sampleRate }
}

/** Throws `InvalidOptionError` naming `name` unless `value` is a finite number in [min, max]. */
export function numberOption(where: string, name: string, value: unknown, min: number, max: number, what = 'a number'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(`${where}: option "${name}" must be ${what} from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

/** Throws `InvalidOptionError` for keys of `options` outside `known` (a typo must not silently do nothing). */
export function knownKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new InvalidOptionError(`${where}: unknown option "${key}" (known: ${known.join(', ')})`)
  }
}

/** Throws unless `options` is a plain object. */
export function objectOption(where: string, options: unknown): asserts options is Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(`${where}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`)
  }
}
