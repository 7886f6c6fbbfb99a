// The fake server's tolerant recogniser: it hears its own voice through mild conditions and loses words as they get worse.
import { describe, expect, it } from 'vitest'
import { addNoise, applyConditions, concatAudio, silence, tone, type CallerConditions } from '../../src/audio/index.js'
import { recognizeSyntheticSpeech } from '../../src/audio/synthetic-recognition.js'
import { synthesizeSpeech, transcribeSyntheticSpeech } from '../../src/audio/synthetic-voice.js'
import { wordErrorRate } from '../../src/text/index.js'

const LINE = 'I want to book a table for two at seven pm please'
const pcm = synthesizeSpeech(LINE)
const heard = (conditions: CallerConditions) => recognizeSyntheticSpeech(applyConditions(pcm, conditions).data)
const werOf = (text: string | null) => wordErrorRate(LINE, text ?? '').wer

describe('recognizeSyntheticSpeech', () => {
  it('clean audio: exactly what the strict decoder reads, at any speed', () => {
    expect(recognizeSyntheticSpeech(pcm)).toBe(LINE)
    const slow = synthesizeSpeech('hello there', { msPerChar: 60 })
    expect(recognizeSyntheticSpeech(slow, { msPerChar: 60 })).toBe(transcribeSyntheticSpeech(slow))
  })

  it.each<[string, CallerConditions]>([
    ['noise at 35 dB SNR', { noise: { snrDb: 35 } }],
    ['pink noise at 40 dB SNR', { noise: { snrDb: 40, type: 'pink' } }],
    ['6 dB quieter', { gain: { db: -6 } }],
    ['3 dB louder', { gain: { db: 3 } }],
    ['a band-limited line (no codec)', { phoneLine: { codec: 'none' } }],
    ['a μ-law phone line', { phoneLine: true }],
    ['an A-law phone line', { phoneLine: { codec: 'alaw' } }],
    ['a μ-law line, 3 dB quieter', { phoneLine: true, gain: { db: -3 } }],
    ['a μ-law line with noise at 40 dB SNR', { phoneLine: true, noise: { snrDb: 40 } }],
    ['a μ-law line losing 3 % of its packets', { phoneLine: true, packetLoss: { rate: 0.03 } }],
    ['5 % packet loss', { packetLoss: { rate: 0.05 } }],
    ['5 % packet loss, concealed', { packetLoss: { rate: 0.05, conceal: true } }],
    ['noise, gain and loss together', { noise: { snrDb: 35 }, gain: { db: -6 }, packetLoss: { rate: 0.05 } }],
  ])('mild: %s is heard within a word error rate of 0.2', (_label, conditions) => {
    // Seeds matter only to the random conditions (noise, loss).
    const seeds = conditions.noise || conditions.packetLoss ? [1, 2, 3] : [1]
    for (const seed of seeds) expect(werOf(heard({ ...conditions, seed }))).toBeLessThanOrEqual(0.2)
  })

  it.each<[string, CallerConditions]>([
    ['noise at 15 dB SNR', { noise: { snrDb: 15 } }],
    ['noise at 0 dB SNR', { noise: { snrDb: 0 } }],
    ['40 % packet loss in bursts', { packetLoss: { rate: 0.4, burst: 4 } }],
    ['heavy clipping', { gain: { db: 12, clipAt: 0.4 } }],
  ])('strong: %s loses most of the words', (_label, conditions) => {
    for (const seed of [1, 2]) expect(werOf(heard({ ...conditions, seed }))).toBeGreaterThan(0.5)
  })

  it('degrades with the noise: the word error rate does not fall as the SNR does', () => {
    const mean = (snrDb: number) => [1, 2].reduce((sum, seed) => sum + werOf(heard({ noise: { snrDb }, seed })), 0) / 2
    const curve = [40, 28, 20, 10].map(mean)
    for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeGreaterThanOrEqual(curve[i - 1]! - 0.05)
    expect(curve[0]).toBe(0)
    expect(curve[curve.length - 1]).toBeGreaterThan(0.8)
  })

  it('several utterances in one turn, with or without silence between them', () => {
    const two = concatAudio([synthesizeSpeech('hello there'), silence(333).data, synthesizeSpeech('second part')])
    expect(recognizeSyntheticSpeech(addNoise(two, { snrDb: 35 }).data)).toBe('hello there second part')
    const joined = concatAudio([synthesizeSpeech('hello there'), synthesizeSpeech('second part')])
    expect(recognizeSyntheticSpeech(addNoise(joined, { snrDb: 35 }).data)).toBe('hello there second part')
  })

  it('hears nothing in what is not its voice, and is deterministic', () => {
    expect(recognizeSyntheticSpeech(tone(400, 1000).data)).toBeNull()
    expect(recognizeSyntheticSpeech(tone(440, 1000).data)).toBeNull()
    expect(recognizeSyntheticSpeech(addNoise(silence(1000), { levelDb: -20 }).data)).toBeNull()
    expect(recognizeSyntheticSpeech(Buffer.alloc(0))).toBeNull()
    const noisy = applyConditions(pcm, { noise: { snrDb: 25 }, seed: 5 }).data
    expect(recognizeSyntheticSpeech(noisy)).toBe(recognizeSyntheticSpeech(Buffer.from(noisy)))
  })
})
