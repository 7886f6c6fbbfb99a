/**
 * A telephone line: the caller's audio band-limited to the narrowband telephone channel and carried as 8 kHz G.711.
 *
 * Steps, in the order a call takes them: a 2nd-order Butterworth high-pass at `lowHz` (the handset and line's
 * low cut, 300 Hz by default), resampling to 8 kHz (the resampler's anti-aliasing filter is flat to 3.3 kHz and at
 * least 80 dB down from 4 kHz: the upper band edge), the codec's encode/decode round trip, then resampling back to the
 * input's rate. Nothing above 4 kHz survives, as on a real narrowband call.
 */
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { InvalidOptionError } from '../errors/index.js'
import { conditionInput, knownKeys, numberOption, objectOption, toPcm16Chunk } from './condition-input.js'
import { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from './g711.js'
import { int16ToBuffer, int16View, type Pcm16Input } from './pcm16.js'
import { resamplePcm16 } from './resample.js'

export interface PhoneLineOptions {
  /** `'mulaw'` (G.711 μ-law, North America and Japan; default), `'alaw'` (G.711 A-law, elsewhere) or `'none'` (band limit only). */
  codec?: 'mulaw' | 'alaw' | 'none'
  /** High-pass corner in Hz (2nd-order Butterworth). Default 300; 0 turns it off. */
  lowHz?: number
}

/** The narrowband telephone rate. */
export const PHONE_LINE_RATE = 8000

const WHERE = 'phoneLine'

/** 2nd-order Butterworth high-pass (RBJ biquad), in place. */
export function highPass(samples: Float64Array, sampleRate: number, cornerHz: number): void {
  const w0 = (2 * Math.PI * cornerHz) / sampleRate
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2)
  const cos = Math.cos(w0)
  const a0 = 1 + alpha
  const b0 = (1 + cos) / 2 / a0
  const b1 = -(1 + cos) / a0
  const b2 = b0
  const a1 = (-2 * cos) / a0
  const a2 = (1 - alpha) / a0
  let x1 = 0
  let x2 = 0
  let y1 = 0
  let y2 = 0
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!
    const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
    x2 = x1
    x1 = x
    y2 = y1
    y1 = y
    samples[i] = y
  }
}

/** `audio` as heard at the far end of a narrowband phone call. Returns a new chunk at the input's rate. */
export function phoneLine(audio: Pcm16Input, options: PhoneLineOptions = {}): AudioChunk {
  objectOption(WHERE, options)
  knownKeys(WHERE, options, ['codec', 'lowHz'])
  const codec = options.codec ?? 'mulaw'
  if (codec !== 'mulaw' && codec !== 'alaw' && codec !== 'none') {
    throw new InvalidOptionError(`${WHERE}: option "codec" must be 'mulaw', 'alaw' or 'none', got ${String(codec)}`)
  }
  const lowHz = options.lowHz === undefined ? 300 : numberOption(WHERE, 'lowHz', options.lowHz, 0, 1000, 'a frequency in Hz')
  const { samples, sampleRate } = conditionInput(audio, `${WHERE}: audio`)
  const filtered = Float64Array.from(samples)
  if (lowHz > 0) highPass(filtered, sampleRate, lowHz)
  const input = toPcm16Chunk(filtered, sampleRate).data
  const narrow = sampleRate === PHONE_LINE_RATE ? input : resamplePcm16(input, sampleRate, PHONE_LINE_RATE)
  const carried = codec === 'mulaw' ? muLawDecode(muLawEncode(narrow)) : codec === 'alaw' ? aLawDecode(aLawEncode(narrow)) : narrow
  const back = sampleRate === PHONE_LINE_RATE ? Buffer.from(carried) : resamplePcm16(carried, PHONE_LINE_RATE, sampleRate)
  // resamplePcm16 rounds the length; keep the input's exact length so conditions compose sample for sample.
  const out = new Int16Array(samples.length)
  out.set(int16View(back).subarray(0, samples.length))
  return { data: int16ToBuffer(out), sampleRate }
}
