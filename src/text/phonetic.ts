/**
 * "Sounds alike" for the opt-in phonetic mode: Double Metaphone codes from `natural`.
 *
 * natural is loaded on first use, not at import: phonetic mode is opt-in and the submodule costs
 * ~13–19 ms to import from ESM, which every `import 'expect-voice'` would otherwise pay. natural
 * is CommonJS, so a synchronous `createRequire` keeps the API synchronous. Its base is
 * `__filename` in CJS builds and `import.meta.url` in ESM; not a bare `require`, which esbuild's
 * ESM output replaces by a stub that throws. Never import `natural` itself: the root loads
 * database clients and dotenv, which prints to stdout.
 */
import { createRequire } from 'node:module'
import type { DoubleMetaphone } from 'natural/lib/natural/phonetics/index.js'
import { spellNumber, spellOrdinal } from './numbers.js'

type PhoneticsModule = typeof import('natural/lib/natural/phonetics/index.js')

let encoder: DoubleMetaphone | undefined

function getEncoder(): DoubleMetaphone {
  if (!encoder) {
    const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)
    const { DoubleMetaphone: Encoder } = load('natural/lib/natural/phonetics/index.js') as PhoneticsModule
    encoder = new Encoder()
  }
  return encoder
}

/** Phonetic identity of one normalised word; `undefined` when it may only match exactly. */
export interface PhoneticKey {
  primary: string
  secondary: string
  /** Length of the spoken word: two words of ≤ 2 letters ("in"/"on", "it"/"at") must match exactly. */
  spokenLength: number
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
  const [primary = '', secondary = ''] = getEncoder().process(spoken)
  if (NO_CONSONANT.test(primary)) return undefined
  return { primary, secondary, spokenLength: spoken.length }
}

/** Same rule as natural's `DoubleMetaphone.compare` (primary = primary or secondary = secondary), with the guards above. */
export function soundAlike(a: PhoneticKey, b: PhoneticKey): boolean {
  if (a.spokenLength <= 2 && b.spokenLength <= 2) return false
  return a.primary === b.primary || (a.secondary !== '' && a.secondary === b.secondary)
}
