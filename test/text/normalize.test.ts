import { describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../../src/errors/index.js'
import { normalizeText, tokenize } from '../../src/text/index.js'

describe('normalizeText: case, punctuation, whitespace', () => {
  it.each([
    ['Hello,   WORLD!!', 'hello world'],
    ['  multiple   spaces\n\tand tabs ', 'multiple spaces and tabs'],
    ['"Quoted" (bracketed) [text]; ok?', 'quoted bracketed text ok'],
    ['well-known e-mail', 'well known e mail'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected)
  })

  it('returns an empty string for empty input and for punctuation only', () => {
    expect(normalizeText('')).toBe('')
    expect(normalizeText('...?! — ,;:')).toBe('')
    expect(tokenize('...?!')).toEqual([])
    expect(tokenize('   ')).toEqual([])
  })

  it('tokenize gives the words of normalizeText', () => {
    const s = "Sure, I'd book a table for twenty-two at 7:30 p.m.!"
    expect(tokenize(s)).toEqual(['sure', 'i', 'would', 'book', 'a', 'table', 'for', '22', 'at', '7', '30', 'pm'])
    expect(tokenize(s).join(' ')).toBe(normalizeText(s))
  })

  it('rejects non-string input with an InvalidOptionError naming the argument', () => {
    expect(() => normalizeText(undefined as unknown as string)).toThrow(InvalidOptionError)
    expect(() => normalizeText(42 as unknown as string)).toThrow(/normalizeText: text must be a string, got 42/)
    expect(() => tokenize(null as unknown as string)).toThrow(/tokenize: text must be a string, got null/)
  })
})

describe('normalizeText: contractions', () => {
  it.each([
    ["I'd like a table", 'i would like a table'],
    ["don't", 'do not'],
    ["it's", 'it is'],
    ["we're", 'we are'],
    ["you'll", 'you will'],
    ["can't", 'can not'],
    ['cannot', 'can not'],
    ["won't", 'will not'],
    ["shan't", 'shall not'],
    ["I'm", 'i am'],
    ["they've", 'they have'],
    ["isn't", 'is not'],
    ["let's go", 'let us go'],
    ["y'all", 'you all'],
    ["wouldn't've", 'would not have'],
    ["the table's ready", 'the table is ready'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected)
  })

  it('treats typographic apostrophes like straight ones', () => {
    expect(normalizeText('I’d like it, don’t you?')).toBe('i would like it do not you')
    expect(normalizeText('Iʼm here')).toBe('i am here')
    expect(normalizeText('we‘re')).toBe('we are')
  })

  it('drops leftover apostrophes and quote marks', () => {
    expect(normalizeText("o'clock, rock'n'roll, 'quoted', the Smiths' car")).toBe('oclock rocknroll quoted the smiths car')
  })
})

describe('normalizeText: numbers', () => {
  it.each([
    ['two', '2'],
    ['table for two', 'table for 2'],
    ['twenty one', '21'],
    ['twenty-one', '21'],
    ['ninety nine', '99'],
    ['one hundred and five', '105'],
    ['one hundred five', '105'],
    ['a hundred people', '100 people'],
    ['twelve hundred', '1200'],
    ['two thousand three hundred and forty five', '2345'],
    ['nine thousand nine hundred ninety nine', '9999'],
    ['a thousand and one nights', '1001 nights'],
    ['one million two hundred thousand and three', '1200003'],
    ['zero', '0'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected)
  })

  it('makes number words and digits normalise the same', () => {
    expect(normalizeText('table for 2 is booked for seven pm')).toBe(normalizeText('table for two is booked for 7 pm'))
    expect(normalizeText('2,500 guests')).toBe(normalizeText('two thousand five hundred guests'))
    expect(normalizeText('2 thousand five hundred')).toBe('2500')
    expect(normalizeText('5 hundred')).toBe('500')
  })

  it('keeps digit-by-digit readings and leading zeros digit by digit', () => {
    expect(normalizeText('one two three')).toBe('1 2 3')
    expect(normalizeText('zero zero seven')).toBe('0 0 7')
    expect(normalizeText('agent 007')).toBe('agent 007')
  })

  it('does not join numbers across punctuation', () => {
    expect(normalizeText('twenty, one')).toBe('20 1')
    expect(normalizeText('one hundred. five')).toBe('100 5')
  })

  it('reads years as spoken', () => {
    expect(normalizeText('nineteen ninety-five')).toBe('1995')
    expect(normalizeText('twenty twenty four')).toBe('2024')
    expect(normalizeText('nineteen oh five')).toBe('1905')
    expect(normalizeText('nineteen hundred')).toBe('1900')
    expect(normalizeText('two thousand and five')).toBe('2005')
  })

  it('keeps decimals and reads "point"', () => {
    expect(normalizeText('It is 3.5.')).toBe('it is 3.5')
    expect(normalizeText('two point five')).toBe('2.5')
    expect(normalizeText('two point oh five')).toBe('2.05')
    expect(normalizeText('two point five million')).toBe(normalizeText('2.5 million'))
    expect(normalizeText('at that point five people left')).toBe('at that point 5 people left')
  })

  it('reads clock times the way they are spoken', () => {
    expect(normalizeText('7:30 PM')).toBe('7 30 pm')
    expect(normalizeText('7:30 PM')).toBe(normalizeText('seven thirty p.m.'))
    expect(normalizeText('7:00 p.m.')).toBe(normalizeText('seven pm'))
    expect(normalizeText('7:05')).toBe(normalizeText('seven oh five'))
    expect(normalizeText('7pm')).toBe('7 pm')
    expect(normalizeText('7.30pm')).toBe('7 30 pm')
    expect(normalizeText('10:15am')).toBe('10 15 am')
  })

  it('canonicalises ordinals, keeping "second" a word', () => {
    expect(normalizeText('first third twenty-first one hundred and first')).toBe('1st 3rd 21st 101st')
    expect(normalizeText('1st 3rd 4th 11th 12th 13th 21st 112th')).toBe('1st 3rd 4th 11th 12th 13th 21st 112th')
    expect(normalizeText('the 2nd of May')).toBe(normalizeText('the second of may'))
    expect(normalizeText('the 22nd')).toBe(normalizeText('the twenty second'))
    expect(normalizeText('wait a second')).toBe('wait a second')
    expect(normalizeText('one second')).toBe('1 second')
    expect(normalizeText('hundredth thousandth')).toBe('100th 1000th')
  })

  it('leaves words that only look like numbers alone', () => {
    expect(normalizeText('hundred')).toBe('hundred')
    expect(normalizeText('oh no')).toBe('oh no')
    expect(normalizeText('someone said hi')).toBe('someone said hi')
    expect(normalizeText('point five')).toBe('point 5')
  })
})

describe('normalizeText: symbols', () => {
  it('spells % and &', () => {
    expect(normalizeText('50%')).toBe('50 percent')
    expect(normalizeText('fifty per cent')).toBe('50 percent')
    expect(normalizeText('rock & roll')).toBe('rock and roll')
  })

  it('puts currency names after the amount, as spoken', () => {
    expect(normalizeText('$20')).toBe(normalizeText('twenty dollars'))
    expect(normalizeText('$1')).toBe('1 dollar')
    expect(normalizeText('£5 and €2.50')).toBe('5 pounds and 2.50 euros')
    expect(normalizeText('$5 million')).toBe(normalizeText('five million dollars'))
    expect(normalizeText('$1.5 million')).toBe('1.5 million dollars')
    expect(normalizeText('5 €')).toBe('5 euros')
    expect(normalizeText('costs $ nothing')).toBe('costs nothing')
  })

  it('drops emoji and trademark signs', () => {
    expect(normalizeText('Acme™ rocks 😀')).toBe('acme rocks')
  })
})

describe('normalizeText: unicode', () => {
  it('folds Latin accents and special cases without locale rules', () => {
    expect(normalizeText('Café naïve')).toBe('cafe naive')
    expect(normalizeText('Straße')).toBe('strasse')
    expect(normalizeText('İstanbul IZMIR')).toBe('istanbul izmir')
    expect(normalizeText('ＦＵＬＬＷＩＤＴＨ １２')).toBe('fullwidth 12')
  })

  it('keeps the combining marks of other scripts', () => {
    expect(normalizeText('मैं ठीक हूँ।')).toBe('मैं ठीक हूँ')
    expect(normalizeText('Привет, МИР')).toBe('привет мир')
  })
})
