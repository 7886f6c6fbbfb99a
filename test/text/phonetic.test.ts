/**
 * Phonetic mode's codes follow the reference Double Metaphone algorithm. natural's implementation (used before)
 * dropped S: "fast" came out FT like "fat", so `phonetic: true` took "fast" for "fat", "last" for "lot" and "task"
 * for "tack".
 */
import { describe, expect, it } from 'vitest'
import { phoneticKey, soundAlike } from '../../src/text/phonetic.js'
import { matchPhrase } from '../../src/text/phrase-match.js'
import { wordErrorRate } from '../../src/text/word-error-rate.js'

const codes = (word: string) => {
  const key = phoneticKey(word)
  return key ? [key.primary, key.secondary] : null
}

describe('phonetic codes (Double Metaphone)', () => {
  it('keeps the S that natural dropped', () => {
    expect(codes('fast')).toEqual(['FST', 'FST'])
    expect(codes('base')).toEqual(['PS', 'PS'])
    expect(codes('this')).toEqual(['0S', 'TS'])
    expect(codes('task')).toEqual(['TSK', 'TSK'])
    expect(codes('last')).toEqual(['LST', 'LST'])
  })

  it("gives the reference codes of the algorithm's classic examples", () => {
    expect(codes('smith')).toEqual(['SM0', 'XMT'])
    expect(codes('schmidt')).toEqual(['XMT', 'SMT'])
    expect(codes('knight')).toEqual(['NT', 'NT'])
    expect(codes('table')).toEqual(['TPL', 'TPL'])
  })

  it('no longer takes fast for fat, last for lot, task for tack', () => {
    for (const [said, heard] of [
      ['fast', 'fat'],
      ['last', 'lot'],
      ['task', 'tack'],
      ['base', 'bay'],
    ]) {
      expect(soundAlike(phoneticKey(said)!, phoneticKey(heard)!), `${said} ~ ${heard}`).toBe(false)
      expect(matchPhrase(`a ${said} table`, `a ${heard} table`, { phonetic: true, maxWer: 0 }).pass, `${said} vs ${heard}`).toBe(false)
    }
  })

  it('still hears homophones alike', () => {
    expect(wordErrorRate('their table for four', 'there table for for', { phonetic: true }).wer).toBe(0)
    expect(soundAlike(phoneticKey('smith')!, phoneticKey('smyth')!)).toBe(true)
  })
})
