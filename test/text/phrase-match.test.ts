import { describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../../src/errors/index.js'
import { matchPhrase } from '../../src/text/index.js'

const PHRASE = 'table for 2 is booked for seven pm'

describe('matchPhrase: acceptance examples', () => {
  it('finds the phrase inside a longer reply, digits and number words alike', () => {
    const r = matchPhrase('Sure, your table for two is booked for 7 pm.', PHRASE)
    expect(r.pass).toBe(true)
    expect(r.wer).toBe(0)
    expect(r.window).toBe('table for 2 is booked for 7 pm')
    expect(r.normalizedText).toBe('sure your table for 2 is booked for 7 pm')
    expect(r.normalizedPhrase).toBe('table for 2 is booked for 7 pm')
  })

  it('fails on a reply that says something else', () => {
    const r = matchPhrase('Sorry, your table is cancelled.', PHRASE)
    expect(r.pass).toBe(false)
    expect(r.wer).toBeGreaterThan(0.2)
  })

  it('matches a contraction exactly', () => {
    const r = matchPhrase("I'd like a table", 'i would like a table', { exact: true })
    expect(r.pass).toBe(true)
    expect(r.wer).toBe(0)
  })

  it('matches homophones in phonetic mode only', () => {
    expect(matchPhrase('their table', 'there table', { phonetic: true }).pass).toBe(true)
    expect(matchPhrase('their table', 'there table').pass).toBe(false)
  })
})

describe('matchPhrase: tolerance', () => {
  it('passes at exactly maxWer and fails above it', () => {
    // 1 error in 5 words = 0.2
    const r = matchPhrase('ok, your table for two was booked', 'table for two is booked')
    expect(r.wer).toBe(0.2)
    expect(r.pass).toBe(true)
    expect(matchPhrase('ok, your table for two was booked', 'table for two is booked', { maxWer: 0.19 }).pass).toBe(false)
    expect(matchPhrase('ok, your table for two was booked', 'table for two is booked', { maxWer: 0 }).pass).toBe(false)
  })

  it('reports the best-aligned window with its internal insertions', () => {
    const r = matchPhrase('we have a b x c here', 'a b c')
    expect(r.window).toBe('a b x c')
    expect(r.alignment.map((op) => op.op)).toEqual(['hit', 'hit', 'ins', 'hit'])
    expect(r.wer).toBeCloseTo(1 / 3, 12)
  })

  it('picks the best of several candidate windows', () => {
    const r = matchPhrase('A table for four? No: a table for two, please.', 'table for two')
    expect(r).toMatchObject({ pass: true, wer: 0, window: 'table for 2' })
  })

  it('reports missing trailing words as deletions', () => {
    const r = matchPhrase('your table for two', 'table for two is booked')
    expect(r.window).toBe('table for 2')
    expect(r.alignment.slice(-2)).toEqual([
      { op: 'del', ref: 'is' },
      { op: 'del', ref: 'booked' },
    ])
    expect(r.wer).toBe(0.4)
  })

  it('finds a phrase near the end of a 2000-word text', () => {
    const filler = Array.from({ length: 2000 }, (_, i) => `filler${i}`)
    filler.splice(1900, 0, 'your', 'table', 'for', 'two', 'is', 'booked')
    const r = matchPhrase(filler.join(' '), 'table for 2 is booked')
    expect(r).toMatchObject({ pass: true, wer: 0, window: 'table for 2 is booked' })
  })

  it('fails on empty text with a wer of 1 and an empty window', () => {
    const r = matchPhrase('', 'hello')
    expect(r).toMatchObject({ pass: false, wer: 1, window: '', alignment: [{ op: 'del', ref: 'hello' }] })
  })
})

describe('matchPhrase: exact', () => {
  it('requires the whole text to match', () => {
    expect(matchPhrase('Sure, a table for two.', 'table for two', { exact: true }).pass).toBe(false)
    expect(matchPhrase('Sure, a table for two.', 'table for two').pass).toBe(true)
    const r = matchPhrase('Table for TWO!', 'table for 2', { exact: true })
    expect(r).toMatchObject({ pass: true, window: 'table for 2' })
  })

  it('expects empty text with an empty phrase', () => {
    expect(matchPhrase('...', '', { exact: true }).pass).toBe(true)
    expect(matchPhrase('hi', '', { exact: true }).pass).toBe(false)
  })

  it('accepts sound-alike words with phonetic', () => {
    expect(matchPhrase('their table', 'there table', { exact: true, phonetic: true }).pass).toBe(true)
  })
})

describe('matchPhrase: input checks', () => {
  it.each([1.5, -0.1, Number.NaN, '0.2', null])('rejects maxWer %j naming the option', (maxWer) => {
    expect(() => matchPhrase('a', 'a', { maxWer: maxWer as number })).toThrow(InvalidOptionError)
    expect(() => matchPhrase('a', 'a', { maxWer: maxWer as number })).toThrow(/option "maxWer" must be a number between 0 and 1/)
  })

  it('rejects non-boolean exact and phonetic', () => {
    expect(() => matchPhrase('a', 'a', { exact: 1 as unknown as boolean })).toThrow(/option "exact" must be a boolean/)
    expect(() => matchPhrase('a', 'a', { phonetic: 'true' as unknown as boolean })).toThrow(/option "phonetic" must be a boolean/)
  })

  it('rejects exact combined with maxWer', () => {
    expect(() => matchPhrase('a', 'a', { exact: true, maxWer: 0.1 })).toThrow(/"exact" and "maxWer" cannot be combined/)
    expect(matchPhrase('a', 'a', { exact: true, maxWer: undefined }).pass).toBe(true)
  })

  it('rejects a phrase with no words, which would match anything', () => {
    expect(() => matchPhrase('anything', '?!')).toThrow(/phrase "\?!" has no words after normalisation/)
  })

  it('rejects non-string text', () => {
    expect(() => matchPhrase(null as unknown as string, 'a')).toThrow(/matchPhrase: text must be a string/)
  })
})
