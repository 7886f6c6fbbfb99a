// The caller conditions, tested for what each claims, with measurements written here (not the library's helpers).
import { describe, expect, it } from 'vitest'
import { addJitter, addNoise, applyConditions, applyGain, checkConditions, dropPackets, phoneLine } from '../../src/audio/index.js'
import { muLawDecode, muLawEncode } from '../../src/audio/g711.js'
import { InvalidOptionError } from '../../src/errors/index.js'
import { fromPcm16, gaussianNoise, sine, toPcm16 } from './helpers.js'

const RATE = 24_000
const chunk = (samples: ArrayLike<number>, sampleRate = RATE) => ({ data: toPcm16(samples), sampleRate })
const meanSquare = (s: ArrayLike<number>) => {
  let sum = 0
  for (let i = 0; i < s.length; i++) sum += s[i]! * s[i]!
  return sum / s.length
}
/** SNR of `out` against the clean `input`: the noise is what was added. */
function measuredSnrDb(input: number[], out: number[]): number {
  const noise = out.map((x, i) => x - input[i]!)
  return 10 * Math.log10(meanSquare(input) / meanSquare(noise))
}

/** Power spectrum (|X|² per bin) of a power-of-two-long frame, by a radix-2 FFT written for the test, Hann window. */
function powerSpectrum(samples: ArrayLike<number>): Float64Array {
  const n = samples.length
  const re = new Float64Array(n)
  const im = new Float64Array(n)
  for (let i = 0; i < n; i++) re[i] = samples[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n))
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      ;[re[i], re[j]] = [re[j]!, re[i]!]
      ;[im[i], im[j]] = [im[j]!, im[i]!]
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(angle * k)
        const wi = Math.sin(angle * k)
        const a = i + k
        const b = a + len / 2
        const tr = re[b]! * wr - im[b]! * wi
        const ti = re[b]! * wi + im[b]! * wr
        re[b] = re[a]! - tr
        im[b] = im[a]! - ti
        re[a] = re[a]! + tr
        im[a] = im[a]! + ti
      }
    }
  }
  const out = new Float64Array(n / 2)
  for (let k = 0; k < n / 2; k++) out[k] = re[k]! * re[k]! + im[k]! * im[k]!
  return out
}

/** Mean power per Hz between `lowHz` and `highHz`, averaged over 4096-sample frames, in dB. */
function bandDb(samples: ArrayLike<number>, rate: number, lowHz: number, highHz: number): number {
  const n = 4096
  let sum = 0
  let count = 0
  for (let start = 0; start + n <= samples.length; start += n) {
    const spectrum = powerSpectrum(Array.prototype.slice.call(samples, start, start + n) as number[])
    for (let k = Math.ceil((lowHz * n) / rate); k <= Math.floor((highHz * n) / rate); k++) {
      sum += spectrum[k]!
      count++
    }
  }
  return 10 * Math.log10(sum / count)
}

const speechLike = Array.from(sine(440, RATE, RATE, 8000), (x, i) => x + 3000 * Math.sin((2 * Math.PI * 1230 * i) / RATE))

describe('addNoise', () => {
  it.each([0, 10, 20, 35])('white noise at %d dB SNR measures within 0.5 dB of it', (snrDb) => {
    const out = fromPcm16(addNoise(chunk(speechLike), { snrDb }).data)
    expect(Math.abs(measuredSnrDb(speechLike, out) - snrDb)).toBeLessThan(0.5)
  })

  it('pink noise: the SNR asked for, and -3 dB per octave (equal power per octave, unlike white)', () => {
    const n = RATE * 4
    const input = Array.from(sine(440, RATE, n, 8000))
    const pink = fromPcm16(addNoise(chunk(input), { snrDb: 10, type: 'pink', seed: 3 }).data)
    expect(Math.abs(measuredSnrDb(input, pink) - 10)).toBeLessThan(0.5)
    const pinkNoise = pink.map((x, i) => x - input[i]!)
    const white = fromPcm16(addNoise(chunk(input), { snrDb: 10, seed: 3 }).data).map((x, i) => x - input[i]!)
    // Per-Hz power three octaves apart (750-1500 Hz vs 6-12 kHz): 9 dB lower for pink, level for white.
    const pinkSlope = bandDb(pinkNoise, RATE, 750, 1500) - bandDb(pinkNoise, RATE, 6000, 11_900)
    const whiteSlope = bandDb(white, RATE, 750, 1500) - bandDb(white, RATE, 6000, 11_900)
    expect(pinkSlope).toBeGreaterThan(7.5)
    expect(pinkSlope).toBeLessThan(10.5)
    expect(Math.abs(whiteSlope)).toBeLessThan(1)
  })

  it('a supplied noise recording (shorter than the audio: looped, any rate: resampled) at the SNR asked for', () => {
    const babble = chunk(
      gaussianNoise(16_000 * 0.3, -20, 9).map((x, i) => x * (1 + Math.sin(i / 500))),
      16_000,
    )
    const out = fromPcm16(addNoise(chunk(speechLike), { snrDb: 5, noise: babble }).data)
    expect(Math.abs(measuredSnrDb(speechLike, out) - 5)).toBeLessThan(0.5)
  })

  it('levelDb sets the noise level itself, even over silence', () => {
    const out = fromPcm16(addNoise(chunk(new Float64Array(RATE)), { levelDb: -40 }).data)
    expect(Math.abs(10 * Math.log10(meanSquare(out) / 32768 ** 2) + 40)).toBeLessThan(0.2)
  })

  it('is deterministic for a seed, and seeds differ', () => {
    const a = addNoise(chunk(speechLike), { snrDb: 10, seed: 7 }).data
    expect(addNoise(chunk(speechLike), { snrDb: 10, seed: 7 }).data.equals(a)).toBe(true)
    expect(addNoise(chunk(speechLike), { snrDb: 10, seed: 8 }).data.equals(a)).toBe(false)
  })

  it('rejects bad options, naming them', () => {
    const audio = chunk(speechLike)
    expect(() => addNoise(chunk(new Float64Array(100)), { snrDb: 10 })).toThrow(/option "snrDb" needs a signal.*levelDb/)
    expect(() => addNoise(audio, {})).toThrow(/exactly one of option "snrDb".*"levelDb"/)
    expect(() => addNoise(audio, { snrDb: 'loud' as never })).toThrow(/option "snrDb" must be a number/)
    expect(() => addNoise(audio, { snrDb: 10, type: 'brown' as never })).toThrow(/option "type"/)
    expect(() => addNoise(audio, { snrDb: 10, colour: 'pink' } as never)).toThrow(/unknown option "colour"/)
    expect(() => addNoise(audio, { snrDb: 10, noise: chunk(new Float64Array(10)) })).toThrow(/option "noise" is silent/)
    expect(() => addNoise(audio, { snrDb: 10 })).not.toThrow()
    expect(() => addNoise(audio, { snrDb: 10, noise: 'cafe.wav' as never })).toThrow(InvalidOptionError)
  })
})

describe('phoneLine', () => {
  it('band-limits to the telephone channel: energy above 4 kHz at least 50 dB down, the voice band kept', () => {
    const noise = gaussianNoise(RATE * 2, -20, 4)
    const out = fromPcm16(phoneLine(chunk(noise)).data)
    const voiceBand = bandDb(out, RATE, 500, 3000)
    expect(bandDb(noise, RATE, 500, 3000) - voiceBand).toBeLessThan(1)
    expect(voiceBand - bandDb(out, RATE, 4200, 11_900)).toBeGreaterThan(50)
    // The input had as much above 4 kHz as below it.
    expect(Math.abs(bandDb(noise, RATE, 4200, 11_900) - bandDb(noise, RATE, 500, 3000))).toBeLessThan(1)
  })

  it('passes 1 kHz, cuts 100 Hz (the 300 Hz high-pass) and removes 6 kHz', () => {
    const level = (freq: number) => {
      const input = sine(freq, RATE, RATE, 10_000)
      const out = fromPcm16(phoneLine(chunk(input)).data).slice(RATE / 4)
      return 10 * Math.log10(meanSquare(out) / meanSquare(Array.from(input).slice(RATE / 4)))
    }
    expect(Math.abs(level(1000))).toBeLessThan(0.5)
    expect(level(100)).toBeLessThan(-15)
    expect(level(6000)).toBeLessThan(-60)
  })

  it('carries the audio as G.711: at 8 kHz the round trip is exactly μ-law encode then decode', () => {
    const input = chunk(Array.from(sine(700, 8000, 8000, 12_000)), 8000)
    const out = phoneLine(input, { lowHz: 0 })
    expect(out.data.equals(muLawDecode(muLawEncode(input.data)))).toBe(true)
    const aLaw = phoneLine(input, { lowHz: 0, codec: 'alaw' })
    expect(aLaw.data.equals(out.data)).toBe(false)
    expect(phoneLine(input, { lowHz: 0, codec: 'none' }).data.equals(input.data)).toBe(true)
  })

  it('keeps the length and rate; rejects bad options', () => {
    const out = phoneLine(chunk(speechLike.slice(0, 1001)))
    expect(out.data.length).toBe(2002)
    expect(out.sampleRate).toBe(RATE)
    expect(() => phoneLine(chunk(speechLike), { codec: 'gsm' as never })).toThrow(/option "codec"/)
    expect(() => phoneLine(chunk(speechLike), { lowHz: 5000 })).toThrow(/option "lowHz"/)
  })
})

/** A loud tone: no 20 ms frame of it is all zeros, so a frame of zeros was lost. */
const TONE_8K = Array.from(sine(1000, 8000, 8000 * 200, 10_000))
const zeroFrames = (pcm: Buffer, frame: number) => {
  const s = fromPcm16(pcm)
  const lost: number[] = []
  for (let f = 0; f * frame < s.length; f++) if (s.slice(f * frame, (f + 1) * frame).every((x) => x === 0)) lost.push(f)
  return lost
}

describe('dropPackets and addJitter', () => {
  it('loses frames at the rate asked for over a seeded run (10 000 frames, within 1 point), the frames it reports', () => {
    const result = dropPackets(chunk(TONE_8K, 8000), { rate: 0.1, seed: 5 })
    const lost = zeroFrames(result.audio.data, 160)
    expect(result.frames).toBe(10_000)
    expect(lost).toEqual(result.lostFrames)
    expect(Math.abs(lost.length / 10_000 - 0.1)).toBeLessThan(0.01)
    expect(dropPackets(chunk(TONE_8K, 8000), { rate: 0.1, seed: 5 }).audio.data.equals(result.audio.data)).toBe(true)
    expect(dropPackets(chunk(TONE_8K, 8000), { rate: 0.1, seed: 6 }).lostFrames).not.toEqual(result.lostFrames)
  })

  it('in bursts: the same loss rate, with gaps of the mean burst length', () => {
    const { lostFrames } = dropPackets(chunk(TONE_8K, 8000), { rate: 0.2, burst: 4, seed: 2 })
    expect(Math.abs(lostFrames.length / 10_000 - 0.2)).toBeLessThan(0.03)
    const bursts = lostFrames.filter((f, i) => lostFrames[i - 1] !== f - 1).length
    expect(lostFrames.length / bursts).toBeGreaterThan(3.4)
    expect(lostFrames.length / bursts).toBeLessThan(4.6)
  })

  it('conceals a gap: the last frame repeated, 6 dB quieter per further frame, silent from the fourth', () => {
    const input = chunk(TONE_8K.slice(0, 8000), 8000)
    const plain = dropPackets(input, { rate: 0.3, burst: 5, seed: 1 })
    const concealed = fromPcm16(dropPackets(input, { rate: 0.3, burst: 5, seed: 1, conceal: true }).audio.data)
    const original = fromPcm16(input.data)
    const lost = new Set(plain.lostFrames)
    const gap = plain.lostFrames.find((f) => f > 0 && !lost.has(f - 1) && lost.has(f + 1) && lost.has(f + 2) && lost.has(f + 3))!
    expect(gap).toBeDefined()
    const frame = (s: number[], f: number) => s.slice(f * 160, (f + 1) * 160)
    expect(frame(concealed, gap)).toEqual(frame(original, gap - 1))
    expect(frame(concealed, gap + 1)).toEqual(frame(original, gap - 1).map((x) => Math.round(x * 0.5)))
    expect(frame(concealed, gap + 3).every((x) => x === 0)).toBe(true)
  })

  it('jitter: frames delayed past the jitter buffer are lost (uniform delay 0-100 ms, 60 ms buffer: 40 %)', () => {
    const result = addJitter(chunk(TONE_8K.slice(0, 8000 * 100), 8000), { maxMs: 100, bufferMs: 60, seed: 3 })
    expect(zeroFrames(result.audio.data, 160)).toEqual(result.lostFrames)
    expect(Math.abs(result.lostFrames.length / result.frames - 0.4)).toBeLessThan(0.03)
    expect(addJitter(chunk(TONE_8K.slice(0, 8000), 8000), { maxMs: 40, bufferMs: 40 }).lostFrames).toEqual([])
  })

  it('rejects bad options, naming them', () => {
    const input = chunk(TONE_8K.slice(0, 800), 8000)
    expect(() => dropPackets(input, { rate: 1.5 })).toThrow(/option "rate"/)
    expect(() => dropPackets(input, { rate: 0.9, burst: 2 })).toThrow(/option "rate" 0.9 cannot be reached with bursts of 2/)
    expect(() => dropPackets(input, { rate: 0.1, conceal: 'yes' as never })).toThrow(/option "conceal"/)
    expect(() => addJitter(input, { maxMs: -5 })).toThrow(/option "maxMs"/)
    expect(() => addJitter(input, { maxMs: 50, buffer: 20 } as never)).toThrow(/unknown option "buffer"/)
  })
})

describe('applyGain', () => {
  it('changes the level by the gain in dB and hard-clips at clipAt of full scale', () => {
    const input = Array.from(sine(440, RATE, RATE, 8000))
    const level = (s: number[]) => 10 * Math.log10(meanSquare(s))
    expect(level(fromPcm16(applyGain(chunk(input), { db: 6 }).data)) - level(input)).toBeCloseTo(6, 1)
    expect(level(fromPcm16(applyGain(chunk(input), { db: -12 }).data)) - level(input)).toBeCloseTo(-12, 1)
    const clipped = fromPcm16(applyGain(chunk(input), { db: 12, clipAt: 0.5 }).data)
    const limit = Math.round(0.5 * 32767)
    expect(Math.max(...clipped)).toBe(limit)
    expect(Math.min(...clipped)).toBe(-limit)
    // 8000 × 4 peaks at 32 000: most of every cycle is cut flat.
    expect(clipped.filter((x) => Math.abs(x) === limit).length / clipped.length).toBeGreaterThan(0.5)
    expect(() => applyGain(chunk(input), { db: 100 })).toThrow(/option "db"/)
    expect(() => applyGain(chunk(input), { clipAt: 0 })).toThrow(/option "clipAt"/)
  })
})

describe('applyConditions', () => {
  it('applies them in the order a call meets them, deterministic for a seed', () => {
    const input = chunk(speechLike)
    const conditions = { noise: { snrDb: 20 }, gain: { db: -3 }, phoneLine: true, packetLoss: { rate: 0.05 }, seed: 4 }
    const out = applyConditions(input, conditions)
    const byHand = dropPackets(phoneLine(applyGain(addNoise(input, { snrDb: 20, seed: 4 }), { db: -3 })), { rate: 0.05, seed: 5 }).audio
    expect(out.data.equals(byHand.data)).toBe(true)
    expect(applyConditions(input, conditions).data.equals(out.data)).toBe(true)
    expect(applyConditions(input, { ...conditions, seed: 5 }).data.equals(out.data)).toBe(false)
  })

  it('checkConditions names the option at fault, also inside a condition', () => {
    expect(() => checkConditions({ phone: true })).toThrow(/unknown option "phone"/)
    expect(() => checkConditions({ noise: { snrDb: 'x' } })).toThrow(/option "snrDb"/)
    expect(() => checkConditions({ packetLoss: { rate: 2 } })).toThrow(/option "rate"/)
    expect(() => checkConditions({ noise: 3 })).toThrow(/option "noise"/)
    expect(() => checkConditions({ seed: Number.NaN })).toThrow(/option "seed"/)
    expect(() => checkConditions({ phoneLine: true, noise: { snrDb: 30 } })).not.toThrow()
  })
})
