/**
 * "Sounds alike" for the opt-in phonetic mode: Double Metaphone codes (Lawrence Philips' algorithm) from the
 * `double-metaphone` package, which the build bundles (it is ESM-only, and the CJS build and Jest load this module
 * through `require`). Its codes follow the reference algorithm: "fast" is FST, "base" PS, "task" TSK, so phonetic
 * mode does not take "fast" for "fat".
 */
import { doubleMetaphone } from 'double-metaphone'
import { spellNumber, spellOrdinal } from './numbers.js'

/** Phonetic identity of one normalised word; `undefined` when it may only match exactly. */
export interface PhoneticKey extends PhoneticCodes<string> {
  primary: string
  secondary: string | null
  /** Length of the spoken word: two words of ≤ 2 letters ("in"/"on", "it"/"at") must match exactly. */
  spokenLength: number
  /** First letter of the spoken word: a word of ≤ 2 letters only sounds like a word that starts like it ("to"/"two", not "is"/"was"). */
  initial: string
}

const LETTERS = /^[a-z]+$/
const INTEGER = /^(?:0|[1-9]\d{0,14})$/
const ORDINAL = /^([1-9]\d{0,14})(?:st|nd|rd|th)$/
// A code made only of vowel marks ("is", "a", "oh" → "A") says nothing about the word.
const NO_CONSONANT = /^A*$/

/**
 * Numbers are keyed by their spoken words, so the digits left by normalisation still sound
 * like something: "4" ≈ "for", "2" ≈ "to", "4th" ≈ "forth". Decimals, mixed letters and digits
 * and non-ASCII words have no key.
 */
export function phoneticKey(token: string): PhoneticKey | undefined {
  let spoken: string
  const ordinal = ORDINAL.exec(token)
  if (LETTERS.test(token)) spoken = token
  else if (INTEGER.test(token)) spoken = spellNumber(Number(token)).join('')
  else if (ordinal) spoken = spellOrdinal(Number(ordinal[1])).join('')
  else return undefined
  const [primary, secondary] = doubleMetaphone(spoken)
  if (NO_CONSONANT.test(primary)) return undefined
  return { primary, secondary: secondary === '' ? null : secondary, spokenLength: spoken.length, initial: spoken[0]! }
}

/** What `soundAlike` compares: the two codes of a word (as strings, or as ids standing for them) and its shape. */
export interface PhoneticCodes<Code> {
  primary: Code
  /** `null` when the word has no secondary code. */
  secondary: Code | null
  spokenLength: number
  initial: string
}

/**
 * Two words sound alike when their primary or their secondary codes are equal, unless both are ≤ 2 letters
 * (exact match only), or one is and they start differently.
 */
export function soundAlike<Code>(a: PhoneticCodes<Code>, b: PhoneticCodes<Code>): boolean {
  if (a.spokenLength <= 2 && b.spokenLength <= 2) return false
  // Codes of very short words say little ("is" and "was" are both AS): the first letter has to agree too.
  if ((a.spokenLength <= 2 || b.spokenLength <= 2) && a.initial !== b.initial) return false
  return a.primary === b.primary || (a.secondary !== null && a.secondary === b.secondary)
}
