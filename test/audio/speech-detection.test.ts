import { describe, expect, it } from 'vitest'
import { createSpeechDetector, detectSpeech, splitAudio } from '../../src/audio/index.js'
import { AudioFormatError, InvalidOptionError } from '../../src/errors/index.js'
import { gaussianNoise, toPcm16 } from './helpers.js'

const RATE = 24_000
const ms = (n: number) => Math.round((n * RATE) / 1000)

/**
 * Noise at `noiseDb` dBFS with tone bursts added at exact sample positions. A burst is a 180 Hz fundamental with
 * a few harmonics (voice-like), at `levelDb` dBFS RMS.
 */
function scene(totalMs: number, noiseDb: number, bursts: Array<{ start: number; len: number; levelDb?: number }>, seed = 3) {
  const x = Float64Array.from(gaussianNoise(ms(totalMs), noiseDb, seed))
  for (const b of bursts) {
    const a = 32768 * 10 ** ((b.levelDb ?? -20) / 20) * Math.SQRT2 * 0.75
    for (let i = 0; i < b.len && b.start + i < x.length; i++) {
      const t = i / RATE
      x[b.start + i] += a * (Math.sin(2 * Math.PI * 180 * t) + 0.5 * Math.sin(2 * Math.PI * 360 * t) + 0.3 * Math.sin(2 * Math.PI * 540 * t))
    }
  }
  return { data: toPcm16(x), sampleRate: RATE }
}

describe('detectSpeech: synthetic bursts in noise', () => {
  it('finds onsets within 10 ms wherever they fall inside a frame', () => {
    let worst = 0
    for (let k = 0; k < 23; k++) {
      const start = ms(300) + Math.round(k * 10.7) // walks through every position in a 10 ms frame
      const r = detectSpeech(scene(1000, -60, [{ start, len: ms(400) }], k + 1))
      expect(r.segments).toHaveLength(1)
      const err = Math.abs((r.firstSpeechMs as number) - (start * 1000) / RATE)
      worst = Math.max(worst, err)
    }
    expect(worst).toBeLessThanOrEqual(10)
    // Frame resolution alone would be off by up to a frame or two; the 1 ms refinement gets within ~1 ms.
    expect(worst).toBeLessThanOrEqual(2)
  })

  it('reports segments, leading silence and speech time', () => {
    const a = { start: ms(250.4), len: ms(400) }
    const b = { start: ms(1200), len: ms(300) }
    const r = detectSpeech(scene(2000, -60, [a, b]))
    expect(r.segments).toHaveLength(2)
    expect(r.segments[0].startMs).toBeCloseTo(250.4, -1.3) // ±10 ms
    expect(r.segments[0].endMs).toBeCloseTo(650.4, -1.3)
    expect(r.segments[1].startMs).toBeCloseTo(1200, -1.3)
    expect(r.segments[1].endMs).toBeCloseTo(1500, -1.3)
    expect(r.firstSpeechMs).toBe(r.segments[0].startMs)
    expect(r.leadingSilenceMs).toBe(r.firstSpeechMs)
    expect(r.speechMs).toBeCloseTo(700, -1.6)
    expect(r.durationMs).toBe(2000)
    expect(r.thresholdDb).toBeCloseTo(-45, 6)
    expect(r.noiseFloorDb).toBeNull()
  })

  it('merges gaps shorter than hangoverMs, splits longer ones', () => {
    const bursts = (gap: number) => [
      { start: ms(200), len: ms(300) },
      { start: ms(500 + gap), len: ms(300) },
    ]
    expect(detectSpeech(scene(1500, -60, bursts(150))).segments).toHaveLength(1)
    expect(detectSpeech(scene(1500, -60, bursts(250))).segments).toHaveLength(2)
    expect(detectSpeech(scene(1500, -60, bursts(150)), { hangoverMs: 100 }).segments).toHaveLength(2)
  })

  it('ignores clicks shorter than minSpeechMs', () => {
    const clicks = [0, 1, 2, 3].map((i) => ({ start: ms(200 + i * 300), len: ms(20), levelDb: -10 }))
    const r = detectSpeech(scene(1500, -60, clicks))
    expect(r.segments).toEqual([])
    expect(r.firstSpeechMs).toBeNull()
    expect(r.leadingSilenceMs).toBe(1500)
    expect(detectSpeech(scene(1500, -60, clicks), { minSpeechMs: 10 }).segments).toHaveLength(4)
  })

  it('digital silence and empty audio have no speech', () => {
    expect(detectSpeech(Buffer.alloc(48_000)).firstSpeechMs).toBeNull()
    const empty = detectSpeech(Buffer.alloc(0))
    expect(empty).toMatchObject({ segments: [], firstSpeechMs: null, leadingSilenceMs: 0, speechMs: 0, durationMs: 0 })
  })

  it('respects thresholdDb', () => {
    const quiet = scene(1000, -80, [{ start: ms(300), len: ms(300), levelDb: -50 }])
    expect(detectSpeech(quiet).firstSpeechMs).toBeNull()
    expect(detectSpeech(quiet, { thresholdDb: -55 }).firstSpeechMs).toBeCloseTo(300, -1.3)
  })

  it('adaptive: raises the threshold above loud background noise', () => {
    const noisy = scene(1500, -40, [{ start: ms(600), len: ms(500), levelDb: -15 }])
    // Noise at -40 dBFS is above the -45 dBFS absolute threshold: everything is "speech".
    expect(detectSpeech(noisy).firstSpeechMs).toBe(0)
    const r = detectSpeech(noisy, { adaptive: true })
    expect(Math.abs((r.firstSpeechMs as number) - 600)).toBeLessThanOrEqual(10)
    expect(r.segments).toHaveLength(1)
    expect(r.noiseFloorDb as number).toBeGreaterThan(-42)
    expect(r.noiseFloorDb as number).toBeLessThan(-38)
    expect(r.thresholdDb).toBeCloseTo((r.noiseFloorDb as number) + 10, 6)
  })

  it('adaptive never lowers the threshold below thresholdDb', () => {
    const r = detectSpeech(scene(1000, -80, [{ start: ms(300), len: ms(300), levelDb: -50 }]), { adaptive: true })
    expect(r.thresholdDb).toBeCloseTo(-45, 6)
    expect(r.firstSpeechMs).toBeNull()
  })

  it('traces a soft onset back (a quiet lead-in below the threshold, then louder speech)', () => {
    // -52 dBFS "fricative" for 60 ms, then the -20 dBFS "vowel": speech starts with the fricative.
    const audio = scene(1000, -70, [
      { start: ms(300), len: ms(60), levelDb: -52 },
      { start: ms(360), len: ms(300), levelDb: -20 },
    ])
    expect(Math.abs((detectSpeech(audio).firstSpeechMs as number) - 300)).toBeLessThanOrEqual(10)
    // ... but not through steady background at that level (no quieter frame to mark a start within 100 ms).
    const hum = scene(1000, -51, [{ start: ms(360), len: ms(300), levelDb: -20 }])
    expect(Math.abs((detectSpeech(hum).firstSpeechMs as number) - 360)).toBeLessThanOrEqual(10)
  })

  it('works at other rates (raw buffer + sampleRate, chunk rate)', () => {
    const x = new Float64Array(16_000)
    for (let i = 4000; i < 12_000; i++) x[i] = 8000 * Math.sin((2 * Math.PI * 200 * i) / 16_000)
    const r = detectSpeech(toPcm16(x), { sampleRate: 16_000 })
    expect(r.firstSpeechMs).toBeCloseTo(250, -0.5)
    expect(r.segments[0].endMs).toBeCloseTo(750, -0.5)
    expect(detectSpeech({ data: toPcm16(x), sampleRate: 16_000 }).firstSpeechMs).toBe(r.firstSpeechMs)
  })

  it('rejects bad options, naming them', () => {
    expect(() => detectSpeech(Buffer.alloc(4), { frameMs: 0 })).toThrow(/frameMs must be .* got 0/)
    expect(() => detectSpeech(Buffer.alloc(4), { thresholdDb: 3 })).toThrow(/thresholdDb must be a level in dBFS \(<= 0\), got 3/)
    expect(() => detectSpeech(Buffer.alloc(4), { minSpeechMs: -1 })).toThrow(InvalidOptionError)
    expect(() => detectSpeech(Buffer.alloc(4), { hangoverMs: Number.NaN })).toThrow(/hangoverMs/)
    expect(() => detectSpeech(Buffer.alloc(4), { adaptive: 'yes' as unknown as boolean })).toThrow(/adaptive must be true or false/)
  })
})

describe('createSpeechDetector', () => {
  const audio = scene(2000, -60, [
    { start: ms(733.3), len: ms(500) },
    { start: ms(1500), len: ms(200) },
  ])
  const batch = detectSpeech(audio).firstSpeechMs as number

  it('finds the same onset as detectSpeech, whatever the chunking (odd byte splits included)', () => {
    for (const bytes of [960, 480, 4800, 1001, 3, 77_777]) {
      const d = createSpeechDetector()
      let found: number | null = null
      for (let off = 0; off < audio.data.length && found === null; off += bytes) {
        found = d.push({ data: audio.data.subarray(off, off + bytes), sampleRate: RATE })
      }
      expect(found, `chunks of ${bytes} bytes`).toBe(batch)
    }
  })

  it('returns null until speech is confirmed (minSpeechMs after the onset), then the onset', () => {
    const d = createSpeechDetector()
    const results = splitAudio(audio, { chunkMs: 20 }).map((c, i) => d.push({ ...c, receivedAt: 1000 + i }))
    const firstHit = results.findIndex((r) => r !== null)
    expect(results.slice(0, firstHit).every((r) => r === null)).toBe(true)
    expect(results.slice(firstHit).every((r) => r === batch)).toBe(true)
    // Confirmed within minSpeechMs (60) + a frame + a chunk of the onset.
    expect(firstHit * 20 + 20 - batch).toBeLessThanOrEqual(60 + 10 + 20)
    expect(firstHit * 20 + 20 - batch).toBeGreaterThanOrEqual(60)
    const chunkIndex = Math.floor(batch / 20)
    expect(d.onset).toEqual({ ms: batch, chunkIndex, receivedAt: 1000 + chunkIndex })
    expect(d.processedMs).toBe(2000)
  })

  it('end() analyses the final partial frame like detectSpeech does', () => {
    // Speech only in the last 65 ms, ending in a 5 ms partial frame.
    const short = scene(305, -70, [{ start: ms(240), len: ms(65) }])
    const d = createSpeechDetector()
    for (const c of splitAudio(short, { chunkMs: 20 })) d.push(c)
    const viaEnd = d.end()
    expect(viaEnd).toBe(detectSpeech(short).firstSpeechMs)
    expect(viaEnd).not.toBeNull()
    expect(() => d.push(short)).toThrow(/push\(\) after end\(\)/)
  })

  it('never reports speech for noise only', () => {
    const d = createSpeechDetector()
    for (const c of splitAudio(scene(3000, -60, []))) expect(d.push(c)).toBeNull()
    expect(d.end()).toBeNull()
    expect(d.onset).toBeNull()
  })

  it('adaptive: learns the floor from the noise that came first', () => {
    const noisy = scene(1500, -40, [{ start: ms(600), len: ms(500), levelDb: -15 }])
    const d = createSpeechDetector({ adaptive: true })
    let found: number | null = null
    for (const c of splitAudio(noisy)) found = d.push(c) ?? found
    expect(Math.abs((found as number) - 600)).toBeLessThanOrEqual(10)
  })

  it('names a chunk whose rate differs from the stream', () => {
    const d = createSpeechDetector()
    d.push({ data: Buffer.alloc(960), sampleRate: 24_000 })
    expect(() => d.push({ data: Buffer.alloc(960), sampleRate: 16_000 })).toThrow(AudioFormatError)
    expect(() => d.push({ data: Buffer.alloc(960), sampleRate: 16_000 })).toThrow(/chunk 2 has sampleRate 16000, expected 24000/)
  })
})
