// DTMF: the generator checked by a Goertzel filter bank written here, independently of the library's detector.
import { describe, expect, it } from 'vitest'
import { addNoise, applyConditions, detectDtmf, DTMF_KEYS, dtmfTones } from '../../src/audio/index.js'
import { synthesizeSpeech } from '../../src/audio/synthetic-voice.js'
import { fromPcm16, sine, toPcm16 } from './helpers.js'

const ROWS = [697, 770, 852, 941]
const COLUMNS = [1209, 1336, 1477, 1633]
const PAD = ['123A', '456B', '789C', '*0#D']

/** Power of `freq` in samples[from, to), by the Goertzel recurrence. */
function goertzel(samples: number[], from: number, to: number, freq: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / rate)
  let s1 = 0
  let s2 = 0
  for (let i = from; i < to; i++) {
    const s0 = samples[i]! + k * s1 - s2
    s2 = s1
    s1 = s0
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2
}

/** The key whose row and column tones are the strongest of their groups in samples[from, to). */
function keyAt(samples: number[], from: number, to: number, rate: number): { key: string; margin: number } {
  const strongest = (freqs: number[]) => {
    const powers = freqs.map((f) => goertzel(samples, from, to, f, rate))
    const best = powers.indexOf(Math.max(...powers))
    const second = Math.max(...powers.filter((_, i) => i !== best))
    return { index: best, margin: 10 * Math.log10(powers[best]! / second) }
  }
  const row = strongest(ROWS)
  const col = strongest(COLUMNS)
  return { key: PAD[row.index]![col.index]!, margin: Math.min(row.margin, col.margin) }
}

describe('dtmfTones', () => {
  it("sends standard dual tones: '1 2 3 #' is four keys, 100 ms of tone and 100 ms of silence each", () => {
    const audio = dtmfTones('1 2 3 #')
    expect(audio.sampleRate).toBe(24_000)
    const s = fromPcm16(audio.data)
    expect(s.length).toBe(4 * 4800)
    const keys = [0, 1, 2, 3].map((k) => keyAt(s, k * 4800, k * 4800 + 2400, 24_000))
    expect(keys.map((k) => k.key).join('')).toBe('123#')
    for (const k of keys) expect(k.margin).toBeGreaterThan(20)
    // The gap after each tone is silence.
    expect(s.slice(2400, 4800).every((x) => x === 0)).toBe(true)
  })

  it('every key, at 8 kHz too, decodes by the independent Goertzel check', () => {
    const audio = dtmfTones(DTMF_KEYS, { sampleRate: 8000, toneMs: 50, gapMs: 50 })
    const s = fromPcm16(audio.data)
    const decoded = [...DTMF_KEYS].map((_, k) => keyAt(s, k * 800, k * 800 + 400, 8000).key).join('')
    expect(decoded).toBe(DTMF_KEYS)
  })

  it("',' is a pause; bad keys and options are refused, naming them", () => {
    expect(dtmfTones('1,2').data.length).toBe((4800 + 12_000 + 4800) * 2)
    expect(() => dtmfTones('1 2 x')).toThrow(/not a DTMF key: "x"/)
    expect(() => dtmfTones('  ')).toThrow(/hold no key/)
    expect(() => dtmfTones('1', { toneMs: 0 })).toThrow(/option "toneMs"/)
    expect(() => dtmfTones('1', { amplitude: 2 })).toThrow(/option "amplitude"/)
  })
})

describe('detectDtmf', () => {
  it('finds the keys, in order, with their times', () => {
    const result = detectDtmf(dtmfTones('5 5 0 *'))
    expect(result.keys).toBe('550*')
    expect(result.tones[1]!.startMs).toBeGreaterThanOrEqual(180)
    expect(result.tones[1]!.endMs).toBeLessThanOrEqual(320)
  })

  it('hears keys through a phone line with noise and lost frames', () => {
    const heard = applyConditions(dtmfTones('9 1 1 #'), { phoneLine: true, noise: { snrDb: 15 }, packetLoss: { rate: 0.02 }, seed: 3 })
    expect(detectDtmf(heard).keys).toBe('911#')
  })

  it('hears no key in speech, noise, silence or a single tone', () => {
    expect(detectDtmf(synthesizeSpeech('press one for sales')).keys).toBe('')
    expect(detectDtmf(addNoise({ data: Buffer.alloc(48_000), sampleRate: 24_000 }, { levelDb: -20 })).keys).toBe('')
    expect(detectDtmf(Buffer.alloc(48_000)).keys).toBe('')
    expect(detectDtmf({ data: toPcm16(sine(697, 24_000, 24_000, 8000)), sampleRate: 24_000 }).keys).toBe('')
  })

  it('ignores tones shorter than minToneMs', () => {
    const short = dtmfTones('7', { toneMs: 20 })
    expect(detectDtmf(short).keys).toBe('')
    expect(detectDtmf(short, { minToneMs: 10 }).keys).toBe('7')
    expect(() => detectDtmf(short, { minToneMs: 1 })).toThrow(/option "minToneMs"/)
  })
})
