import { describe, expect, it } from 'vitest'
import { normalizeText } from '../../src/text/index.js'
import { ordinalTokens, spellNumber, spellOrdinal } from '../../src/text/numbers.js'

describe('number words round trip', () => {
  it('reads back every spelled number from 0 to 2100', () => {
    const wrong: string[] = []
    for (let n = 0; n <= 2100; n++) {
      const spoken = spellNumber(n).join(' ')
      if (normalizeText(spoken) !== String(n)) wrong.push(`${spoken} → ${normalizeText(spoken)}`)
    }
    expect(wrong).toEqual([])
  })

  it('reads back large numbers and hyphenated tens', () => {
    for (const n of [10_000, 99_999, 123_456, 1_000_001, 987_654_321, 1_000_000_000_000]) {
      expect(normalizeText(spellNumber(n).join(' '))).toBe(String(n))
    }
    expect(normalizeText('three hundred forty-two thousand one hundred and sixty-seven')).toBe('342167')
  })

  it('reads back ordinals and matches their digit forms', () => {
    for (let n = 1; n <= 200; n++) {
      const canonical = ordinalTokens(n).join(' ')
      expect(normalizeText(spellOrdinal(n).join(' '))).toBe(canonical)
      const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
      expect(normalizeText(`${n}${suffix}`)).toBe(canonical)
    }
  })

  it('spells the phonetic key words', () => {
    expect(spellNumber(2024)).toEqual(['two', 'thousand', 'twenty', 'four'])
    expect(spellOrdinal(12)).toEqual(['twelfth'])
    expect(spellOrdinal(40)).toEqual(['fortieth'])
    expect(() => spellNumber(-1)).toThrow(RangeError)
  })
})
