import { describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../../src/errors/index.js'
import { wordErrorRate } from '../../src/text/index.js'

describe('wordErrorRate', () => {
  it('is 0 for identical text, after normalisation', () => {
    const r = wordErrorRate("I'd like a table for two.", 'i would like a table for 2')
    expect(r).toMatchObject({ wer: 0, hits: 7, substitutions: 0, deletions: 0, insertions: 0, referenceLength: 7 })
  })

  it('counts substitutions, deletions and insertions over a word alignment', () => {
    const r = wordErrorRate('table for two is booked', 'table for too was booked now')
    expect(r.substitutions).toBe(2)
    expect(r.insertions).toBe(1)
    expect(r.deletions).toBe(0)
    expect(r.hits).toBe(3)
    expect(r.wer).toBeCloseTo(3 / 5, 12)
    expect(r.alignment).toEqual([
      { op: 'hit', ref: 'table', hyp: 'table' },
      { op: 'hit', ref: 'for', hyp: 'for' },
      { op: 'sub', ref: '2', hyp: 'too' },
      { op: 'sub', ref: 'is', hyp: 'was' },
      { op: 'hit', ref: 'booked', hyp: 'booked' },
      { op: 'ins', hyp: 'now' },
    ])
  })

  it('counts deletions', () => {
    const r = wordErrorRate('a b c d', 'a d')
    expect(r).toMatchObject({ wer: 0.5, deletions: 2, hits: 2 })
    expect(r.alignment.filter((op) => op.op === 'del').map((op) => op.ref)).toEqual(['b', 'c'])
  })

  it('prefers an insertion plus hits to a substitution of equal cost', () => {
    const r = wordErrorRate('a b c', 'a b x c')
    expect(r.alignment.map((op) => op.op)).toEqual(['hit', 'hit', 'ins', 'hit'])
  })

  it('can exceed 1 with many insertions', () => {
    expect(wordErrorRate('yes', 'yes yes yes').wer).toBe(2)
  })

  describe('empty reference or hypothesis', () => {
    it('is 0 when both are empty (or punctuation only)', () => {
      expect(wordErrorRate('', '')).toMatchObject({ wer: 0, referenceLength: 0, alignment: [] })
      expect(wordErrorRate('...', '?!')).toMatchObject({ wer: 0, referenceLength: 0 })
    })

    it('is 1, not Infinity, for an empty reference and a non-empty hypothesis', () => {
      const r = wordErrorRate('', 'hello there')
      expect(r.wer).toBe(1)
      expect(r.insertions).toBe(2)
    })

    it('is 1 for an empty hypothesis', () => {
      expect(wordErrorRate('hello there', '')).toMatchObject({ wer: 1, deletions: 2 })
    })
  })

  describe('phonetic mode', () => {
    it('counts homophones as hits and marks them', () => {
      const plain = wordErrorRate('their table for four', 'there table for for')
      expect(plain.wer).toBe(0.5)
      const r = wordErrorRate('their table for four', 'there table for for', { phonetic: true })
      expect(r.wer).toBe(0)
      expect(r.alignment[0]).toEqual({ op: 'hit', ref: 'their', hyp: 'there', phonetic: true })
      expect(r.alignment[3]).toEqual({ op: 'hit', ref: '4', hyp: 'for', phonetic: true })
    })

    it('compares digits by their spoken words', () => {
      expect(wordErrorRate('table for two', 'table for to', { phonetic: true }).wer).toBe(0)
      expect(wordErrorRate('the fourth', 'the forth', { phonetic: true }).wer).toBe(0)
      // Digits never match each other by sound (they are compared by their spoken words: "two" and "seven" differ).
      expect(wordErrorRate('2', '7', { phonetic: true }).wer).toBe(1)
    })

    it('does not match words with no consonant sound or two short words', () => {
      expect(wordErrorRate('the table is booked', 'the table was booked', { phonetic: true }).substitutions).toBe(1)
      expect(wordErrorRate('in it', 'on at', { phonetic: true }).substitutions).toBe(2)
      expect(wordErrorRate('table', 'chair', { phonetic: true }).substitutions).toBe(1)
    })

    it('prefers an exact hit to a phonetic one', () => {
      const r = wordErrorRate('there their', 'their', { phonetic: true })
      expect(r.alignment).toEqual([
        { op: 'del', ref: 'there' },
        { op: 'hit', ref: 'their', hyp: 'their' },
      ])
    })
  })

  it('aligns 2000-word texts exactly', () => {
    const ref = Array.from({ length: 2000 }, (_, i) => `w${i}`)
    const hyp: string[] = []
    let expectedSubs = 0
    let expectedDels = 0
    let expectedIns = 0
    ref.forEach((w, i) => {
      if (i % 100 === 50) {
        hyp.push(`sub${i}`)
        expectedSubs++
      } else if (i % 250 === 125) {
        expectedDels++
      } else {
        hyp.push(w)
      }
      if (i % 400 === 399) {
        hyp.push(`extra${i}`)
        expectedIns++
      }
    })
    const r = wordErrorRate(ref.join(' '), hyp.join(' '))
    expect(r).toMatchObject({ substitutions: expectedSubs, deletions: expectedDels, insertions: expectedIns, referenceLength: 2000 })
    expect(r.wer).toBeCloseTo((expectedSubs + expectedDels + expectedIns) / 2000, 12)
    expect(r.alignment).toHaveLength(2000 + expectedIns)
  })

  describe('input checks', () => {
    it('rejects non-string text naming the argument', () => {
      expect(() => wordErrorRate(undefined as unknown as string, 'x')).toThrow(InvalidOptionError)
      expect(() => wordErrorRate('x', 3 as unknown as string)).toThrow(/hypothesis must be a string/)
    })

    it('rejects a bad phonetic option naming it', () => {
      expect(() => wordErrorRate('a', 'a', { phonetic: 'yes' as unknown as boolean })).toThrow(/option "phonetic" must be a boolean/)
      expect(() => wordErrorRate('a', 'a', null as unknown as undefined)).toThrow(InvalidOptionError)
    })

    it('ignores unknown option keys, so matcher options can pass through', () => {
      expect(wordErrorRate('a', 'a', { timeout: 5 } as unknown as undefined).wer).toBe(0)
    })
  })
})
