import { describe, expect, it } from 'vitest'
import { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from '../../src/audio/index.js'
import { AudioFormatError, InvalidOptionError } from '../../src/errors/index.js'
import { fromPcm16, toPcm16 } from './helpers.js'

// Reference decode tables built from the G.711 definitions, not from the implementation:
// μ-law: code transmitted inverted; sign, 3-bit exponent e, 4-bit mantissa m; magnitude in 14-bit units
//   ((2m + 33) · 2^e − 33), scaled ×4 to 16 bits.
// A-law: even bits inverted (XOR 0x55); e = 0: (2m + 1), else (2m + 33) · 2^(e−1), in 13-bit units ×8;
//   sign bit set means positive.
function muLawReference(code: number): number {
  const u = ~code & 0xff
  const e = (u >> 4) & 7
  const m = u & 15
  const mag = 4 * ((2 * m + 33) * 2 ** e - 33)
  return u & 0x80 ? 0 - mag : mag // 0 - 0 is +0, like the integer tables
}

function aLawReference(code: number): number {
  const a = code ^ 0x55
  const e = (a >> 4) & 7
  const m = a & 15
  const mag = 8 * (e === 0 ? 2 * m + 1 : (2 * m + 33) * 2 ** (e - 1))
  return a & 0x80 ? mag : 0 - mag
}

/**
 * Half the width of each level's quantisation interval. Levels sit mid-interval, so at a segment boundary the
 * interval of the first level of the coarser segment is half its own (larger) step wide on each side: use the
 * larger of the two gaps to the neighbouring levels.
 */
function halfSteps(table: number[]): Map<number, number> {
  const levels = [...new Set(table)].sort((a, b) => a - b)
  const out = new Map<number, number>()
  levels.forEach((l, i) => {
    const left = i > 0 ? l - levels[i - 1] : 0
    const right = i < levels.length - 1 ? levels[i + 1] - l : 0
    out.set(l, Math.max(left, right) / 2)
  })
  return out
}

const codes = Array.from({ length: 256 }, (_, i) => i)

describe('G.711 μ-law', () => {
  it('decodes all 256 codes as the reference table', () => {
    expect(codes.map((c) => muLawDecode(c))).toEqual(codes.map(muLawReference))
  })

  it('matches the classic table values', () => {
    expect(muLawDecode(0x00)).toBe(-32124)
    expect(muLawDecode(0x80)).toBe(32124)
    expect(muLawDecode(0xff)).toBe(0)
    expect(muLawDecode(0x7f)).toBe(0)
    expect(muLawDecode(0x7e)).toBe(-8)
    expect(muLawDecode(0xfe)).toBe(8)
    expect(muLawDecode(0x0f)).toBe(-16764) // first level of the top segment
    expect(muLawDecode(0x70)).toBe(-120) // last level of the bottom segment
  })

  it('encodes the reference points (Sun g711.c) and saturates at full scale', () => {
    expect(muLawEncode(0)).toBe(0xff)
    expect(muLawEncode(32767)).toBe(0x80)
    expect(muLawEncode(-32768)).toBe(0x00)
    expect(muLawEncode(32124)).toBe(0x80)
    expect(muLawEncode(-8)).toBe(0x7e)
    expect(muLawEncode(1e9)).toBe(0x80)
    expect(muLawEncode(-1e9)).toBe(0x00)
  })

  it('encode(decode(code)) gives the code back (except negative zero, 0x7F → 0xFF)', () => {
    for (const c of codes) expect(muLawEncode(muLawDecode(c))).toBe(c === 0x7f ? 0xff : c)
  })

  it('quantises every 16-bit value monotonically, within half a quantisation step (+1 LSB of 14 bits)', () => {
    const step = halfSteps(codes.map(muLawReference))
    let prev = -Infinity
    for (let x = -32768; x <= 32767; x++) {
      const y = muLawDecode(muLawEncode(x))
      if (y < prev) expect.fail(`not monotonic at x=${x}: ${y} < ${prev}`)
      prev = y
      if (Math.abs(x) > 32124) {
        if (Math.abs(y) !== 32124) expect.fail(`x=${x} should saturate, got ${y}`)
        continue
      }
      if (Math.abs(y - x) > (step.get(y) as number) + 4) expect.fail(`x=${x} decoded to ${y}, half step ${step.get(y)}`)
    }
  })

  it('encodes and decodes buffers', () => {
    const samples = [0, 100, -100, 1000, -1000, 32767, -32768]
    const enc = muLawEncode(toPcm16(samples))
    expect(Array.from(enc)).toEqual(samples.map((s) => muLawEncode(s)))
    expect(fromPcm16(muLawDecode(enc))).toEqual(Array.from(enc, (c) => muLawReference(c)))
    expect(() => muLawEncode(Buffer.alloc(3))).toThrow(AudioFormatError)
    expect(() => muLawDecode(256)).toThrow(InvalidOptionError)
  })
})

describe('G.711 A-law', () => {
  it('decodes all 256 codes as the reference table', () => {
    expect(codes.map((c) => aLawDecode(c))).toEqual(codes.map(aLawReference))
  })

  it('matches the classic table values', () => {
    expect(aLawDecode(0xd5)).toBe(8)
    expect(aLawDecode(0x55)).toBe(-8)
    expect(aLawDecode(0x2a)).toBe(-32256)
    expect(aLawDecode(0xaa)).toBe(32256)
    expect(aLawDecode(0x00)).toBe(-5504)
    expect(aLawDecode(0x80)).toBe(5504)
  })

  it('encodes the reference points (Sun g711.c) and saturates at full scale', () => {
    expect(aLawEncode(0)).toBe(0xd5)
    expect(aLawEncode(-1)).toBe(0x55)
    expect(aLawEncode(32767)).toBe(0xaa)
    expect(aLawEncode(-32768)).toBe(0x2a)
  })

  it('encode(decode(code)) gives every code back', () => {
    for (const c of codes) expect(aLawEncode(aLawDecode(c))).toBe(c)
  })

  it('quantises every 16-bit value monotonically, within half a quantisation step (+1 LSB of 13 bits)', () => {
    const step = halfSteps(codes.map(aLawReference))
    let prev = -Infinity
    for (let x = -32768; x <= 32767; x++) {
      const y = aLawDecode(aLawEncode(x))
      if (y < prev) expect.fail(`not monotonic at x=${x}: ${y} < ${prev}`)
      prev = y
      if (Math.abs(x) > 32256) {
        if (Math.abs(y) !== 32256) expect.fail(`x=${x} should saturate, got ${y}`)
        continue
      }
      if (Math.abs(y - x) > (step.get(y) as number) + 8) expect.fail(`x=${x} decoded to ${y}, half step ${step.get(y)}`)
    }
  })

  it('encodes and decodes buffers', () => {
    const samples = [0, 100, -100, 1000, -1000, 32767, -32768]
    const enc = aLawEncode(toPcm16(samples))
    expect(Array.from(enc)).toEqual(samples.map((s) => aLawEncode(s)))
    expect(fromPcm16(aLawDecode(enc))).toEqual(Array.from(enc, (c) => aLawReference(c)))
  })
})
