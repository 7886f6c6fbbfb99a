import { AudioFormatError, InvalidOptionError } from '../errors/index.js'
import { int16ToBuffer, int16View } from './pcm16.js'

/*
 * ITU-T G.711 μ-law and A-law, ported from the Sun Microsystems reference implementation (g711.c, the code
 * behind SoX, libsndfile and most telephony stacks). Input is 16-bit linear; μ-law uses the top 14 bits and A-law
 * the top 13, as in the standard. Decoded values: μ-law ±32124 max (0x00 → -32124, 0x80 → 32124, 0xFF and 0x7F → 0),
 * A-law ±32256 max (0xD5 → 8, 0x55 → -8, 0x2A → -32256). Even bits of A-law are inverted (XOR 0x55) and all
 * μ-law bits (XOR 0xFF), as transmitted.
 */

const QUANT_MASK = 0x0f
const SEG_MASK = 0x70
const SEG_SHIFT = 4
const SIGN_BIT = 0x80
const BIAS = 0x84 // μ-law bias: 33 in 14-bit units, ×4
const CLIP = 8159 // μ-law 14-bit magnitude limit

const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff]
const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff]

function segment(value: number, table: readonly number[]): number {
  for (let i = 0; i < 8; i++) if (value <= table[i]) return i
  return 8
}

/** Clamps to 16-bit and truncates toward zero, so out-of-range scalars behave like a saturating ADC. */
function toInt16(sample: number): number {
  if (typeof sample !== 'number' || Number.isNaN(sample)) {
    throw new InvalidOptionError(`sample must be a number (16-bit linear PCM), got ${String(sample)}`)
  }
  return sample >= 32767 ? 32767 : sample <= -32768 ? -32768 : Math.trunc(sample)
}

function linearToUlaw(pcm: number): number {
  let v = pcm >> 2 // 14-bit
  let mask: number
  if (v < 0) {
    v = -v
    mask = 0x7f
  } else {
    mask = 0xff
  }
  if (v > CLIP) v = CLIP
  v += BIAS >> 2
  const seg = segment(v, SEG_UEND)
  if (seg >= 8) return 0x7f ^ mask
  return ((seg << 4) | ((v >> (seg + 1)) & 0xf)) ^ mask
}

function ulawToLinear(code: number): number {
  const u = ~code & 0xff
  let t = ((u & QUANT_MASK) << 3) + BIAS
  t <<= (u & SEG_MASK) >> SEG_SHIFT
  return u & SIGN_BIT ? BIAS - t : t - BIAS
}

function linearToAlaw(pcm: number): number {
  let v = pcm >> 3 // 13-bit
  let mask: number
  if (v >= 0) {
    mask = 0xd5
  } else {
    mask = 0x55
    v = -v - 1
  }
  const seg = segment(v, SEG_AEND)
  if (seg >= 8) return 0x7f ^ mask
  let a = seg << SEG_SHIFT
  a |= seg < 2 ? (v >> 1) & QUANT_MASK : (v >> seg) & QUANT_MASK
  return a ^ mask
}

function alawToLinear(code: number): number {
  const a = (code ^ 0x55) & 0xff
  let t = (a & QUANT_MASK) << 4
  const seg = (a & SEG_MASK) >> SEG_SHIFT
  if (seg === 0) t += 8
  else if (seg === 1) t += 0x108
  else t = (t + 0x108) << (seg - 1)
  return a & SIGN_BIT ? t : -t
}

// 256-entry decode tables: decoding a buffer is then one lookup per byte.
const ULAW_DECODE = new Int16Array(256)
const ALAW_DECODE = new Int16Array(256)
for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawToLinear(i)
  ALAW_DECODE[i] = alawToLinear(i)
}

function checkCode(code: number): number {
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    throw new InvalidOptionError(`G.711 code must be an integer byte 0..255, got ${String(code)}`)
  }
  return code
}

function encodeBuffer(pcm: Uint8Array, encode: (s: number) => number, name: string): Buffer {
  if (pcm.byteLength % 2 !== 0) {
    throw new AudioFormatError(`${name}: pcm has ${pcm.byteLength} bytes, not a whole number of 16-bit samples`)
  }
  const s = int16View(pcm)
  const out = Buffer.allocUnsafe(s.length)
  for (let i = 0; i < s.length; i++) out[i] = encode(s[i])
  return out
}

function decodeBuffer(codes: Uint8Array, table: Int16Array): Buffer {
  const out = new Int16Array(codes.length)
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]]
  return int16ToBuffer(out)
}

/** μ-law encodes one 16-bit sample (clamped to 16-bit, truncated) to a code byte, or PCM16 LE bytes to one byte per sample. */
export function muLawEncode(sample: number): number
export function muLawEncode(pcm: Uint8Array): Buffer
export function muLawEncode(input: number | Uint8Array): number | Buffer {
  if (input instanceof Uint8Array) return encodeBuffer(input, linearToUlaw, 'muLawEncode')
  return linearToUlaw(toInt16(input))
}

/** Decodes one μ-law code byte to a 16-bit sample, or μ-law bytes to PCM16 LE bytes (2 per code). */
export function muLawDecode(code: number): number
export function muLawDecode(codes: Uint8Array): Buffer
export function muLawDecode(input: number | Uint8Array): number | Buffer {
  if (input instanceof Uint8Array) return decodeBuffer(input, ULAW_DECODE)
  return ULAW_DECODE[checkCode(input)]
}

/** A-law encodes one 16-bit sample (clamped to 16-bit, truncated) to a code byte, or PCM16 LE bytes to one byte per sample. */
export function aLawEncode(sample: number): number
export function aLawEncode(pcm: Uint8Array): Buffer
export function aLawEncode(input: number | Uint8Array): number | Buffer {
  if (input instanceof Uint8Array) return encodeBuffer(input, linearToAlaw, 'aLawEncode')
  return linearToAlaw(toInt16(input))
}

/** Decodes one A-law code byte to a 16-bit sample, or A-law bytes to PCM16 LE bytes (2 per code). */
export function aLawDecode(code: number): number
export function aLawDecode(codes: Uint8Array): Buffer
export function aLawDecode(input: number | Uint8Array): number | Buffer {
  if (input instanceof Uint8Array) return decodeBuffer(input, ALAW_DECODE)
  return ALAW_DECODE[checkCode(input)]
}
