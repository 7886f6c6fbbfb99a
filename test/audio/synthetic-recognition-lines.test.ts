// The recogniser through mild conditions, over seeds and sentences (short words, numbers as words): issue #15 item 5.
import { describe, expect, it } from 'vitest'
import { addNoise, phoneLine } from '../../src/audio/index.js'
import { recognizeSyntheticSpeech } from '../../src/audio/synthetic-recognition.js'
import { synthesizeSpeech } from '../../src/audio/synthetic-voice.js'

const SENTENCES = ['book a table for two', 'yes', 'it is a go to the left at four or five', 'my number is eight one two three']
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
const voices = new Map(SENTENCES.map((s) => [s, synthesizeSpeech(s)]))

/** What was misheard: every sentence through `condition` for every seed, as "seed: said -> heard". */
function misheard(condition: (pcm: Buffer, seed: number) => Uint8Array, seeds = SEEDS): string[] {
  const wrong: string[] = []
  for (const [said, pcm] of voices) {
    for (const seed of seeds) {
      const heard = recognizeSyntheticSpeech(condition(pcm, seed))
      if (heard !== said) wrong.push(`${seed}: ${said} -> ${heard}`)
    }
  }
  return wrong
}

describe('recognizeSyntheticSpeech through mild conditions, every seed and sentence', () => {
  it.each([40, 35])('noise alone at %i dB SNR is heard exactly', (snrDb) => {
    expect(misheard((pcm, seed) => addNoise(pcm, { snrDb, seed }).data)).toEqual([])
  })

  it('a μ-law phone line is heard exactly, a one-word line included', () => {
    // A short line's few symbols can sit on straight (codec-free) levels at a far gain: "yes" was heard as "iVc".
    expect(misheard((pcm) => phoneLine(pcm).data, [1])).toEqual([])
  })

  it('an A-law phone line hears a one-word line', () => {
    expect(recognizeSyntheticSpeech(phoneLine(voices.get('yes')!, { codec: 'alaw' }).data)).toBe('yes')
  })

  it.todo('a phone line with noise at >= 35 dB SNR, in either order, is heard exactly for seeds 1-10 (not yet: 3-24 of 60 readings differ)')
  it.todo('a phone line with <= 5 % packet loss is heard exactly for seeds 1-10 (not yet: 7-39 of 60 readings differ)')
})
