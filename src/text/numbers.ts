/**
 * English number words → digits, so that "two", "2", "twenty-one" and "21" compare equal.
 *
 * Works on the token stream of `normalize.ts` (lower-case words; `null` marks a clause break
 * such as a comma, so "twenty, twenty" stays two numbers). The canonical form is the *spoken*
 * one made of digits: whatever two spellings a listener cannot tell apart should end up as the
 * same tokens. That is why "22nd" becomes "20 second" (see `ordinalTokens`).
 */

export type Token = string | null

type Kind = 'unit' | 'teen' | 'tens' | 'hundred' | 'scale'
interface NumberWord {
  kind: Kind
  value: number
  ordinal: boolean
}

const UNIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']
const TEEN_WORDS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen']
const TENS_WORDS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']
const SCALES: ReadonlyArray<readonly [string, number]> = [
  ['trillion', 1e12],
  ['billion', 1e9],
  ['million', 1e6],
  ['thousand', 1e3],
]
const ORDINAL_UNITS = ['zeroth', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth']
const ORDINAL_TEENS = ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth']
const ORDINAL_TENS = ['', '', 'twentieth', 'thirtieth', 'fortieth', 'fiftieth', 'sixtieth', 'seventieth', 'eightieth', 'ninetieth']

const WORDS: ReadonlyMap<string, NumberWord> = (() => {
  const m = new Map<string, NumberWord>()
  for (const [v, w] of UNIT_WORDS.entries()) m.set(w, { kind: 'unit', value: v, ordinal: false })
  for (const [i, w] of TEEN_WORDS.entries()) m.set(w, { kind: 'teen', value: 10 + i, ordinal: false })
  for (const [i, w] of TENS_WORDS.entries()) if (w) m.set(w, { kind: 'tens', value: 10 * i, ordinal: false })
  m.set('hundred', { kind: 'hundred', value: 100, ordinal: false })
  for (const [w, v] of SCALES) m.set(w, { kind: 'scale', value: v, ordinal: false })
  for (const [v, w] of ORDINAL_UNITS.entries()) if (v > 0) m.set(w, { kind: 'unit', value: v, ordinal: true })
  for (const [i, w] of ORDINAL_TEENS.entries()) m.set(w, { kind: 'teen', value: 10 + i, ordinal: true })
  for (const [i, w] of ORDINAL_TENS.entries()) if (w) m.set(w, { kind: 'tens', value: 10 * i, ordinal: true })
  m.set('hundredth', { kind: 'hundred', value: 100, ordinal: true })
  for (const [w, v] of SCALES) m.set(`${w}th`, { kind: 'scale', value: v, ordinal: true })
  return m
})()

/** Digit words allowed after "point" ("two point oh five" → 2.05). */
const DECIMAL_DIGITS: ReadonlyMap<string, string> = new Map([...UNIT_WORDS.map((w, v) => [w, String(v)] as const), ['oh', '0']])

const CURRENCIES: Readonly<Record<string, readonly [singular: string, plural: string]>> = {
  $: ['dollar', 'dollars'],
  '€': ['euro', 'euros'],
  '£': ['pound', 'pounds'],
}

const INTEGER = /^\d+$/
const DECIMAL = /^\d+(?:\.\d+)+$/
const ORDINAL_DIGITS = /^(\d+)(?:st|nd|rd|th)$/

export function isCurrencySymbol(token: string): boolean {
  return Object.hasOwn(CURRENCIES, token)
}

function ordinalSuffix(n: number): string {
  const lastTwo = n % 100
  if (lastTwo >= 11 && lastTwo <= 13) return 'th'
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'
}

/**
 * Canonical tokens of an ordinal. "21st", "3rd", "12th" — except ordinals spoken with "second":
 * "twenty second" is also "twenty seconds" minus an s, and "second" alone is also a unit of
 * time, so those stay as the word: 2nd → "second", 22nd → "20 second", 102nd → "100 second".
 * Both spellings of each map to the same tokens, which is all a comparison needs.
 */
export function ordinalTokens(n: number): string[] {
  if (n % 10 === 2 && n % 100 !== 12) return n > 2 ? [String(n - 2), 'second'] : ['second']
  return [`${n}${ordinalSuffix(n)}`]
}

interface ParsedNumber {
  tokens: string[]
  /** Index of the first token not consumed. */
  next: number
}

function wordAt(tokens: readonly Token[], i: number): NumberWord | undefined {
  const t = tokens[i]
  return t == null ? undefined : WORDS.get(t)
}

type State = 'none' | 'zero' | 'digits' | Kind | 'and'

/**
 * Reads one number starting at `start`, or returns undefined. Standard grammar:
 * [units|teens|tens[-unit]] hundred [and] … scale …, with scales in decreasing order, plus:
 * a digit string may take "hundred"/scale words ("5 thousand"); "a hundred"/"a million";
 * "X point D D…" decimals; years "nineteen ninety five", "twenty twenty-four", "nineteen oh five".
 * A number never continues across a clause break, and unit after unit ("one two three") starts
 * a new number, so digit-by-digit readings stay digit by digit.
 */
function readNumber(tokens: readonly Token[], start: number): ParsedNumber | undefined {
  const first = tokens[start]
  if (first == null) return undefined

  const ordinalDigits = ORDINAL_DIGITS.exec(first)
  if (ordinalDigits) return { tokens: ordinalTokens(Number(ordinalDigits[1])), next: start + 1 }
  if (DECIMAL.test(first)) return { tokens: [first], next: start + 1 }

  let total = 0
  let current = 0
  let state: State = 'none'
  let lastScale = Infinity
  let ordinal = false
  let i = start

  if (INTEGER.test(first)) {
    const value = Number(first)
    // Leading zeros ("05", "007") are read digit by digit: keep them as written.
    if ((first.length > 1 && first.startsWith('0')) || !Number.isSafeInteger(value)) return { tokens: [first], next: start + 1 }
    current = value
    state = 'digits'
    i++
  } else if (first === 'a') {
    const w = wordAt(tokens, start + 1)
    if (!w || (w.kind !== 'hundred' && w.kind !== 'scale')) return undefined
    current = 1
    state = 'unit'
    i++
  }

  for (; i < tokens.length && !ordinal; i++) {
    const t = tokens[i]
    if (t == null) break
    const w = WORDS.get(t)
    if (!w) {
      // "one hundred and five": "and" only joins when a small number follows.
      const after = wordAt(tokens, i + 1)
      const joins =
        t === 'and' &&
        (state === 'hundred' || state === 'scale') &&
        after !== undefined &&
        (after.kind === 'unit' || after.kind === 'teen' || after.kind === 'tens') &&
        after.value > 0
      if (!joins) break
      state = 'and'
      continue
    }
    const afterGroup = state === 'none' || state === 'hundred' || state === 'scale' || state === 'and'
    if (w.kind === 'unit') {
      if (w.value === 0) {
        if (state !== 'none') break
        state = 'zero'
        continue
      }
      if (!(afterGroup || state === 'tens')) break
      current += w.value
    } else if (w.kind === 'teen' || w.kind === 'tens') {
      if (!afterGroup) break
      current += w.value
    } else if (w.kind === 'hundred') {
      if (state === 'none' && w.ordinal)
        current = 1 // "hundredth"
      else if (current < 1 || current > 99 || state === 'hundred' || state === 'and' || state === 'scale' || state === 'none') break
      current *= 100
    } else {
      if (state === 'none' && w.ordinal)
        current = 1 // "thousandth"
      else if (current < 1 || w.value >= lastScale || state === 'and' || state === 'none' || state === 'zero') break
      total += current * w.value
      current = 0
      lastScale = w.value
    }
    state = w.kind
    ordinal = w.ordinal
  }

  if (state === 'none') return undefined
  const value = total + current
  if (!Number.isSafeInteger(value)) return undefined

  // An ordinal word ends the number: "twenty first" → 21st (for "second", see ordinalTokens).
  if (ordinal) return { tokens: ordinalTokens(value), next: i }

  // "two point five" → 2.5 (no scale absorbed after a decimal: "2.5 million" stays "2.5 million").
  if (tokens[i] === 'point' && DECIMAL_DIGITS.has(tokens[i + 1] ?? '')) {
    let digits = ''
    let j = i + 1
    for (; DECIMAL_DIGITS.has(tokens[j] ?? ''); j++) digits += DECIMAL_DIGITS.get(tokens[j] as string)
    return { tokens: [`${value}.${digits}`], next: j }
  }

  // Years: a lone "nineteen" or "twenty" followed by a two-digit number.
  if (i === start + 1 && (value === 19 || value === 20) && state !== 'digits') {
    const year = readYearTail(tokens, i)
    if (year) return { tokens: [String(value * 100 + year.value)], next: year.next }
  }

  return { tokens: [String(value)], next: i }
}

function readYearTail(tokens: readonly Token[], i: number): { value: number; next: number } | undefined {
  const a = wordAt(tokens, i)
  let value: number
  let next: number
  if (tokens[i] === 'oh') {
    const b = wordAt(tokens, i + 1)
    if (!b || b.ordinal || b.kind !== 'unit' || b.value === 0) return undefined
    value = b.value
    next = i + 2
  } else if (a && !a.ordinal && a.kind === 'teen') {
    value = a.value
    next = i + 1
  } else if (a && !a.ordinal && a.kind === 'tens') {
    value = a.value
    next = i + 1
    const b = wordAt(tokens, next)
    if (b && !b.ordinal && b.kind === 'unit' && b.value > 0) {
      value += b.value
      next++
    }
  } else {
    return undefined
  }
  // "twenty twenty thousand" is not a year.
  const after = wordAt(tokens, next)
  if (after && (after.kind === 'hundred' || after.kind === 'scale')) return undefined
  if (tokens[next] === 'point') return undefined
  return { value, next }
}

const isNumeric = (t: string | undefined): boolean => t !== undefined && (INTEGER.test(t) || DECIMAL.test(t))

/**
 * Replaces number words by digits, places currency names after their amount ("$5" → "5 dollars")
 * and drops the clause-break markers.
 */
export function numbersToDigits(tokens: readonly Token[]): string[] {
  const out: string[] = []
  let i = 0
  while (i < tokens.length) {
    const t = tokens[i]
    if (t == null) {
      i++
      continue
    }
    const currency = CURRENCIES[t]
    if (currency) {
      const amount = readNumber(tokens, i + 1)
      if (amount && isNumeric(amount.tokens[0])) {
        out.push(...amount.tokens)
        i = amount.next
        // "$1.5 million" → "1.5 million dollars", like the spoken form.
        for (let w = wordAt(tokens, i); w && w.kind === 'scale' && !w.ordinal; w = wordAt(tokens, i)) out.push(tokens[i++] as string)
        out.push(out.at(-1) === '1' ? currency[0] : currency[1])
      } else {
        // "5 €": a symbol after an amount names it; a stray symbol is punctuation.
        const prev = out.at(-1)
        if (tokens[i - 1] != null && isNumeric(prev)) out.push(prev === '1' ? currency[0] : currency[1])
        i++
      }
      continue
    }
    const parsed = readNumber(tokens, i)
    if (parsed) {
      out.push(...parsed.tokens)
      i = parsed.next
    } else {
      out.push(t)
      i++
    }
  }
  return out
}

function below1000(n: number): string[] {
  const words: string[] = []
  const hundreds = Math.floor(n / 100)
  const rest = n % 100
  if (hundreds) words.push(UNIT_WORDS[hundreds] as string, 'hundred')
  if (rest >= 20) {
    words.push(TENS_WORDS[Math.floor(rest / 10)] as string)
    if (rest % 10) words.push(UNIT_WORDS[rest % 10] as string)
  } else if (rest >= 10) {
    words.push(TEEN_WORDS[rest - 10] as string)
  } else if (rest > 0) {
    words.push(UNIT_WORDS[rest] as string)
  }
  return words
}

/** The English words of a non-negative safe integer ("2024" → two thousand twenty four). */
export function spellNumber(n: number): string[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`spellNumber: ${n} is not a non-negative safe integer`)
  if (n === 0) return ['zero']
  const words: string[] = []
  let rest = n
  for (const [word, scale] of SCALES) {
    const count = Math.floor(rest / scale)
    if (count) {
      words.push(...spellNumber(count), word)
      rest -= count * scale
    }
  }
  words.push(...below1000(rest))
  return words
}

/** The English words of an ordinal ("21" → twenty first). */
export function spellOrdinal(n: number): string[] {
  const words = spellNumber(n)
  const last = words.pop() as string
  const ordinalOf = (list: readonly string[], ordinals: readonly string[]): string | undefined => {
    const k = list.indexOf(last)
    return k >= 0 ? ordinals[k] : undefined
  }
  const ordinalWord = ordinalOf(UNIT_WORDS, ORDINAL_UNITS) ?? ordinalOf(TEEN_WORDS, ORDINAL_TEENS) ?? ordinalOf(TENS_WORDS, ORDINAL_TENS) ?? `${last}th`
  words.push(ordinalWord)
  return words
}
