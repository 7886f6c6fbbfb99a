import { describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../../src/errors/index.js'
import { formatAlignment, wordErrorRate, type AlignmentOp } from '../../src/text/index.js'

const words = (n: number, prefix = 'word'): string => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ')

describe('formatAlignment', () => {
  it('renders hits plain and differences in brackets, expected first', () => {
    const alignment: AlignmentOp[] = [
      { op: 'hit', ref: 'table', hyp: 'table' },
      { op: 'hit', ref: 'for', hyp: 'for' },
      { op: 'sub', ref: 'two', hyp: 'too' },
      { op: 'hit', ref: 'is', hyp: 'is' },
      { op: 'del', ref: 'booked' },
      { op: 'ins', hyp: 'now' },
      { op: 'hit', ref: 'their', hyp: 'there', phonetic: true },
    ]
    expect(formatAlignment(alignment)).toBe('table for [two→too] is [-booked] [+now] [their≈there]')
  })

  it('renders a real word error rate alignment', () => {
    const { alignment } = wordErrorRate('table for two is booked', 'table for too was booked now')
    expect(formatAlignment(alignment)).toBe('table for [2→too] [is→was] booked [+now]')
  })

  it('says so for an empty alignment', () => {
    expect(formatAlignment([])).toBe('(no words)')
  })

  it('keeps the differences of a long alignment with context and elides the rest', () => {
    const ref = words(60)
    const hyp = ref.replace('word10 ', 'wrong ').replace('word45 ', 'other ')
    const line = formatAlignment(wordErrorRate(ref, hyp).alignment, { maxLength: 80 })
    expect(line.length).toBeLessThanOrEqual(80)
    expect(line).toContain('[word10→wrong]')
    expect(line).toContain('[word45→other]')
    expect(line).toMatch(/^… .* … .* …$/)
  })

  it('shows the start of a long perfect match', () => {
    const ref = words(60)
    const line = formatAlignment(wordErrorRate(ref, ref).alignment, { maxLength: 50 })
    expect(line.length).toBeLessThanOrEqual(50)
    expect(line).toMatch(/^word0 word1 .* …$/)
  })

  it('counts the differences it cannot show', () => {
    const ref = words(60)
    const hyp = ref
      .split(' ')
      .map((w, i) => (i % 3 === 0 ? `x${i}` : w))
      .join(' ')
    const line = formatAlignment(wordErrorRate(ref, hyp).alignment, { maxLength: 80 })
    expect(line.length).toBeLessThanOrEqual(80)
    const shown = line.match(/\[/g)?.length ?? 0
    const more = Number(/\(\+(\d+) more differences\)$/.exec(line)?.[1])
    expect(shown).toBeGreaterThan(0)
    expect(shown + more).toBe(20)
  })

  it('cuts a single word longer than the line', () => {
    const line = formatAlignment([{ op: 'ins', hyp: 'x'.repeat(200) }], { maxLength: 40 })
    expect(line).toHaveLength(40)
    expect(line.endsWith('…')).toBe(true)
  })

  it('uses no ANSI colours', () => {
    const line = formatAlignment(wordErrorRate('a b c', 'a x c d').alignment)
    expect(line).not.toMatch(/\u001b\[/)
  })

  it('rejects bad arguments', () => {
    expect(() => formatAlignment('nope' as unknown as AlignmentOp[])).toThrow(InvalidOptionError)
    expect(() => formatAlignment([], { maxLength: 5 })).toThrow(/option "maxLength" must be an integer ≥ 20/)
  })
})
