import { describe, expect, it } from 'vitest'
import { resampleAudio, resampleFloat32, resamplePcm16, resampledLength } from '../../src/audio/index.js'
import { AudioFormatError, InvalidOptionError } from '../../src/errors/index.js'
import { fromPcm16, rmsDbOf, sine, toPcm16, zeroCrossingFrequency } from './helpers.js'

const AMP = 0.5 * 32767

describe('resamplePcm16', () => {
  const cases: Array<[number, number, number[]]> = [
    [8000, 24000, [300, 1000, 3000]],
    [16000, 24000, [300, 1000, 6000]],
    [22050, 24000, [440, 5000, 9000]],
    [44100, 24000, [440, 1000, 9500]],
    [48000, 24000, [440, 1000, 9500]],
    [24000, 8000, [300, 1000, 3000]],
    [24000, 16000, [440, 1000, 6000]],
  ]
  for (const [from, to, freqs] of cases) {
    for (const f of freqs) {
      it(`${from} → ${to} Hz keeps a ${f} Hz tone's frequency (1%), level (0.1 dB) and duration (1 sample)`, () => {
        const n = Math.round(from * 1.2345) // not a whole number of periods or ms
        const out = fromPcm16(resamplePcm16(toPcm16(sine(f, from, n, AMP)), from, to))
        expect(out.length).toBe(Math.round((n * to) / from))
        expect(Math.abs(out.length / to - n / from)).toBeLessThanOrEqual(1 / to)
        // Away from the edges, where the filter sees the zero padding.
        const margin = Math.round(0.05 * to)
        const measured = zeroCrossingFrequency(out, to, margin, out.length - margin)
        expect(Math.abs(measured - f) / f).toBeLessThan(0.01)
        expect(rmsDbOf(out, margin, out.length - margin)).toBeCloseTo(rmsDbOf(sine(f, to, to, AMP)), 1)
      })
    }
  }

  // Without an anti-aliasing filter these fold back into the band at full level.
  const aliases: Array<[number, number, number]> = [
    [48000, 24000, 15000], // would alias to 9 kHz
    [44100, 24000, 13000], // → 11 kHz
    [24000, 8000, 5000], // → 3 kHz
    [24000, 16000, 9000], // → 7 kHz
  ]
  for (const [from, to, f] of aliases) {
    it(`${from} → ${to} Hz removes a ${f} Hz tone above the new Nyquist (< -70 dBFS left)`, () => {
      const n = from
      const out = fromPcm16(resamplePcm16(toPcm16(sine(f, from, n, AMP)), from, to))
      const margin = Math.round(0.05 * to)
      expect(rmsDbOf(out, margin, out.length - margin)).toBeLessThan(-70)
    })
  }

  it('does not delay the signal: an impulse stays at the same time', () => {
    for (const [from, to] of [
      [8000, 24000],
      [44100, 24000],
      [48000, 24000],
      [24000, 16000],
    ]) {
      const n = from / 2
      const at = Math.round(from * 0.1234)
      const x = new Float64Array(n)
      x[at] = 30000
      const out = fromPcm16(resamplePcm16(toPcm16(x), from, to))
      const peak = out.indexOf(Math.max(...out))
      expect(Math.abs(peak - (at * to) / from)).toBeLessThanOrEqual(1)
    }
  })

  it('keeps DC exactly and is deterministic', () => {
    const dc = toPcm16(new Array(4410).fill(1000))
    const out = fromPcm16(resamplePcm16(dc, 44100, 24000))
    expect(out.slice(200, -200).every((v) => v === 1000)).toBe(true)
    expect(resamplePcm16(dc, 44100, 24000).equals(resamplePcm16(dc, 44100, 24000))).toBe(true)
  })

  it('copies when the rates match and handles empty input', () => {
    const pcm = toPcm16([1, 2, 3])
    const out = resamplePcm16(pcm, 24000, 24000)
    expect(out.equals(pcm)).toBe(true)
    expect(out.buffer).not.toBe(pcm.buffer)
    expect(resamplePcm16(Buffer.alloc(0), 48000, 24000).length).toBe(0)
  })

  it('handles rate pairs with a large reduced ratio (phase table rounding)', () => {
    const from = 24000
    const to = 23999 // 23999 phases: uses the rounded 1024-phase table
    const out = fromPcm16(resamplePcm16(toPcm16(sine(1000, from, from, AMP)), from, to))
    expect(out.length).toBe(23999)
    expect(Math.abs(zeroCrossingFrequency(out, to, 1000, 23000) - 1000)).toBeLessThan(1)
    expect(rmsDbOf(out, 1000, 23000)).toBeCloseTo(rmsDbOf(sine(1000, to, to, AMP)), 1)
  })

  it('reads unaligned buffers', () => {
    const pcm = toPcm16(sine(1000, 16000, 1600, AMP))
    const backing = Buffer.alloc(pcm.length + 1)
    pcm.copy(backing, 1)
    expect(resamplePcm16(backing.subarray(1), 16000, 24000).equals(resamplePcm16(pcm, 16000, 24000))).toBe(true)
  })

  it('clips instead of wrapping around', () => {
    const square = Array.from({ length: 4800 }, (_, i) => (Math.floor(i / 24) % 2 ? 32767 : -32768))
    const out = fromPcm16(resamplePcm16(toPcm16(square), 48000, 24000))
    expect(Math.max(...out)).toBe(32767) // Gibbs overshoot clipped
    expect(Math.min(...out)).toBe(-32768)
  })

  it('rejects odd byte counts and bad rates, naming them', () => {
    expect(() => resamplePcm16(Buffer.alloc(3), 16000, 24000)).toThrow(AudioFormatError)
    expect(() => resamplePcm16(Buffer.alloc(3), 16000, 24000)).toThrow(/3 bytes, not a whole number of 16-bit samples/)
    expect(() => resamplePcm16(Buffer.alloc(4), 0, 24000)).toThrow(/fromRate must be a positive integer.*got 0/)
    expect(() => resamplePcm16(Buffer.alloc(4), 16000, 22050.5)).toThrow(InvalidOptionError)
  })

  it('10 s of 48 kHz audio takes well under a second (regression guard; typical ~50 ms)', () => {
    const pcm = toPcm16(sine(440, 48000, 480_000, AMP))
    resamplePcm16(pcm.subarray(0, 9600), 48000, 24000) // warm up the kernel cache and JIT
    const t0 = process.cpuUsage()
    resamplePcm16(pcm, 48000, 24000)
    const used = process.cpuUsage(t0)
    expect((used.user + used.system) / 1000).toBeLessThan(1000)
  })
})

describe('resampleFloat32 / resampleAudio / resampledLength', () => {
  it('resamples floats without clipping', () => {
    const out = resampleFloat32(new Float32Array(800).fill(2), 8000, 24000)
    expect(out.length).toBe(2400)
    expect(out[1200]).toBeCloseTo(2, 5)
  })

  it('resamples a chunk and keeps receivedAt', () => {
    const out = resampleAudio({ data: toPcm16(new Array(160).fill(0)), sampleRate: 8000, receivedAt: 42 }, 24000)
    expect(out).toMatchObject({ sampleRate: 24000, receivedAt: 42 })
    expect(out.data.length).toBe(960)
  })

  it('computes the output length', () => {
    expect(resampledLength(44100, 44100, 24000)).toBe(24000)
    expect(resampledLength(1, 48000, 24000)).toBe(1) // round(0.5)
    expect(resampledLength(3, 44100, 24000)).toBe(2)
  })
})
