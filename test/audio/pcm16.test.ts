import { describe, expect, it } from 'vitest'
import { concatAudio, float32ToPcm16, int16View, pcm16ToFloat32, pcmDurationMs, rmsDb, silence, tone, trimToWholeSamples } from '../../src/audio/index.js'
import { AudioFormatError, InvalidOptionError } from '../../src/errors/index.js'
import { fromPcm16, toPcm16, zeroCrossingFrequency } from './helpers.js'

describe('pcmDurationMs', () => {
  it('counts whole 16-bit samples at the given rate (default 24 kHz)', () => {
    expect(pcmDurationMs(48_000)).toBe(1000)
    expect(pcmDurationMs(48_001)).toBe(1000) // a trailing half sample is not audio
    expect(pcmDurationMs(Buffer.alloc(320), 16_000)).toBe(10)
    expect(pcmDurationMs(Buffer.alloc(960))).toBe(20)
  })

  it("uses a chunk's own sample rate", () => {
    expect(pcmDurationMs({ data: Buffer.alloc(160), sampleRate: 8000 })).toBe(10)
  })

  it('rejects a negative byte count and a bad rate', () => {
    expect(() => pcmDurationMs(-2)).toThrow(InvalidOptionError)
    expect(() => pcmDurationMs(100, 0)).toThrow(/sampleRate must be a positive integer.*got 0/)
  })
})

describe('trimToWholeSamples / int16View', () => {
  it('drops a trailing odd byte without copying', () => {
    const b = Buffer.from([1, 2, 3, 4, 5])
    const t = trimToWholeSamples(b)
    expect(t.length).toBe(4)
    expect(t.buffer).toBe(b.buffer)
    expect(trimToWholeSamples(Buffer.from([1, 2]))).toHaveLength(2)
  })

  it('reads little-endian samples from aligned and unaligned buffers alike', () => {
    const samples = [0, 1, -1, 32767, -32768, 12345, -12345]
    const pcm = toPcm16(samples)
    expect(Array.from(int16View(pcm))).toEqual(samples)
    // Same bytes at an odd offset inside a bigger allocation: a typed array cannot start there.
    const backing = Buffer.alloc(pcm.length + 1)
    pcm.copy(backing, 1)
    const odd = backing.subarray(1)
    expect(odd.byteOffset % 2).toBe(1)
    expect(Array.from(int16View(odd))).toEqual(samples)
  })

  it('shares memory with an aligned buffer', () => {
    const b = Buffer.alloc(4)
    int16View(b)[1] = -2
    expect(b.readInt16LE(2)).toBe(-2)
  })
})

describe('concatAudio', () => {
  it('joins chunks and buffers, keeping the rate and the first receivedAt', () => {
    const a = { data: toPcm16([1, 2]), sampleRate: 16_000, receivedAt: 5 }
    const b = toPcm16([3])
    const c = { data: toPcm16([4, 5]), sampleRate: 16_000, receivedAt: 9 }
    const out = concatAudio([a, b, c])
    expect(out.sampleRate).toBe(16_000)
    expect(out.receivedAt).toBe(5)
    expect(fromPcm16(out.data)).toEqual([1, 2, 3, 4, 5])
  })

  it('names the chunk whose rate differs', () => {
    const a = { data: Buffer.alloc(4), sampleRate: 24_000 }
    const b = { data: Buffer.alloc(4), sampleRate: 16_000 }
    expect(() => concatAudio([a, a, b])).toThrow(AudioFormatError)
    expect(() => concatAudio([a, a, b])).toThrow(/chunk 2 has sampleRate 16000, expected 24000/)
  })

  it('refuses an odd-length chunk that would shift every later sample', () => {
    expect(() => concatAudio([Buffer.alloc(4), Buffer.alloc(3)])).toThrow(/chunk 1 has 3 bytes, not a whole number of 16-bit samples/)
  })

  it('gives an empty 24 kHz chunk for no input', () => {
    expect(concatAudio([])).toEqual({ data: Buffer.alloc(0), sampleRate: 24_000 })
  })
})

describe('silence / tone / rmsDb', () => {
  it('silence is zeros of the right length', () => {
    const s = silence(250, 16_000)
    expect(s.sampleRate).toBe(16_000)
    expect(s.data.length).toBe(8000)
    expect(s.data.every((x) => x === 0)).toBe(true)
    expect(rmsDb(s)).toBe(-Infinity)
  })

  it('tone has the requested frequency, length and level', () => {
    const t = tone(1000, 500, { rate: 24_000, amplitude: 0.5 })
    const s = fromPcm16(t.data)
    expect(s.length).toBe(12_000)
    expect(zeroCrossingFrequency(s, 24_000)).toBeCloseTo(1000, 0)
    expect(Math.max(...s)).toBeLessThanOrEqual(Math.round(0.5 * 32767))
    // A sine of peak A has RMS A/√2: 20·log10(0.5/√2) = -9.03 dBFS.
    expect(rmsDb(t)).toBeCloseTo(-9.03, 1)
    expect(t.data.equals(tone(1000, 500, { rate: 24_000, amplitude: 0.5 }).data)).toBe(true)
  })

  it('rejects out-of-range tone options with the value', () => {
    expect(() => tone(13_000, 10)).toThrow(/freqHz must be between 0 and the Nyquist frequency \(12000 Hz/)
    expect(() => tone(440, 10, { amplitude: 2 })).toThrow(/amplitude .* got 2/)
    expect(() => silence(-1)).toThrow(InvalidOptionError)
  })

  it('rmsDb: full-scale square is 0 dBFS, half scale is -6.02', () => {
    expect(rmsDb(toPcm16([-32768, -32768]))).toBeCloseTo(0, 5)
    expect(rmsDb(new Int16Array([16384, -16384]))).toBeCloseTo(-6.02, 2)
    expect(rmsDb(Buffer.alloc(0))).toBe(-Infinity)
  })
})

describe('float conversions', () => {
  it('round-trips PCM16 exactly and clips out-of-range floats', () => {
    const samples = [0, 1, -1, 32767, -32768, 1000]
    expect(fromPcm16(float32ToPcm16(pcm16ToFloat32(toPcm16(samples))))).toEqual(samples)
    expect(fromPcm16(float32ToPcm16(new Float32Array([1.5, -1.5, 0.5])))).toEqual([32767, -32768, 16384])
  })
})
