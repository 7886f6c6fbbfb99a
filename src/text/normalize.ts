/**
 * Text normalisation for comparing what an agent said with what a test expects.
 * Deterministic: no locale-dependent calls (`toLowerCase`, never `toLocaleLowerCase`).
 * The rules are listed in docs (README "Text normalisation"); keep both in step.
 */
import { expandContraction } from './contractions.js'
import { isCurrencySymbol, numbersToDigits, type Token } from './numbers.js'
import { assertText } from './options.js'

// Right single quote, modifier apostrophe, left quote, backtick, acute, prime, fullwidth.
const APOSTROPHES = /[\u2019\u02BC\u2018\u0060\u00B4\u2032\uFF07]/g
// ™, emoji, …: separators, and removed before NFKD turns ™ into the letters "TM".
const OTHER_SYMBOLS = /\p{So}/gu
// Accents on Latin letters only: other scripts (Devanagari vowel signs, …) need their marks.
const LATIN_MARKS = /(\p{Script=Latin})\p{M}+/gu
const DOTTED_AM_PM = /(?<!\p{L})([ap])\.\s?m\b\.?/gu
const THOUSANDS_SEPARATOR = /(?<=\d),(?=\d{3}(?!\d))/g
const CLOCK_TIME = /(?<![\d.:])(\d{1,2}):(\d{2})(?![\d])/g
const DOT_TIME = /(?<![\d.:])(\d{1,2})\.(\d{2})(?=\s*[ap]m(?!\p{L}))/gu
const DIGITS_AM_PM = /(\d)([ap]m)(?!\p{L})/gu
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:(?:'|(?<=\d)\.(?=\d))[\p{L}\p{M}\p{N}]+)*|\S/gu
const WORD_START = /^[\p{L}\p{M}\p{N}]/u
// Hyphens and dashes join ("twenty-one"); every other punctuation mark is a clause break.
const JOINER = /^['\p{Pd}]$/u

/**
 * Times read the way they are spoken: "7:30" → "7 30" (= "seven thirty"), "7:00" → "7"
 * (= "seven pm"), "7:05" → "7 oh 5" (= "seven oh five").
 */
function spokenTime(hour: string, minutes: string): string {
  const h = String(Number(hour))
  if (minutes === '00') return ` ${h} `
  if (minutes.startsWith('0')) return ` ${h} oh ${minutes[1]} `
  return ` ${h} ${minutes} `
}

function prepare(text: string): string {
  return text
    .replace(APOSTROPHES, "'")
    .replace(OTHER_SYMBOLS, ' ')
    .normalize('NFKD')
    .replace(LATIN_MARKS, '$1')
    .normalize('NFC')
    .toLowerCase()
    .replaceAll('ß', 'ss')
    .replace(DOTTED_AM_PM, '$1m')
    .replace(THOUSANDS_SEPARATOR, '')
    .replace(CLOCK_TIME, (_, h: string, m: string) => spokenTime(h, m))
    .replace(DOT_TIME, (_, h: string, m: string) => spokenTime(h, m))
    .replace(DIGITS_AM_PM, '$1 $2')
    .replaceAll('%', ' percent ')
    .replaceAll('&', ' and ')
}

/** Words of the normalised text. `tokenize(s).join(' ') === normalizeText(s)`. */
export function tokenize(text: string): string[] {
  assertText('tokenize', 'text', text)
  const tokens: Token[] = []
  for (const [raw] of prepare(text).matchAll(TOKEN)) {
    if (WORD_START.test(raw)) {
      tokens.push(...expandContraction(raw))
    } else if (isCurrencySymbol(raw)) {
      tokens.push(raw)
    } else if (!JOINER.test(raw)) {
      tokens.push(null)
    }
  }
  // "per cent" is the British spelling of "%".
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i] === 'per' && tokens[i + 1] === 'cent') tokens.splice(i, 2, 'percent')
  }
  return numbersToDigits(tokens)
}

/**
 * Case-folded, punctuation-free, single-spaced text with contractions expanded and numbers
 * as digits, so `normalizeText("I'd like a table for two.") === normalizeText('i would like a table for 2')`.
 */
export function normalizeText(text: string): string {
  assertText('normalizeText', 'text', text)
  return tokenize(text).join(' ')
}
