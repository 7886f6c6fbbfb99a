import { InvalidOptionError } from '../errors/index.js'
import { align, type AlignmentOp } from './align.js'
import { tokenize } from './normalize.js'
import { assertText, describeValue, readBoolean, readOptions, readRatio } from './options.js'
import { errorRate } from './word-error-rate.js'

export interface PhraseMatchOptions {
  /** Largest word error rate of the best-aligned window that still passes. Default 0.2. Not with `exact`. */
  maxWer?: number
  /** Whole normalised text must equal the phrase (no window, no tolerance). Default false. */
  exact?: boolean
  /** Words that sound alike count as matches (see `wordErrorRate`). Default false. */
  phonetic?: boolean
}

export interface PhraseMatchResult {
  pass: boolean
  /** Word error rate of the phrase against `window`. */
  wer: number
  /** The words of the normalised text that the phrase aligned with (all of it with `exact`). */
  window: string
  /** Phrase (ref) against window (hyp). */
  alignment: AlignmentOp[]
  normalizedText: string
  normalizedPhrase: string
}

export const DEFAULT_MAX_WER = 0.2

/**
 * Does `text` contain `phrase`, tolerating recognition errors? Finds the run of words of the
 * normalised text with the lowest word error rate against the normalised phrase (one semi-global
 * alignment, O(words of text × words of phrase)) and passes when that rate is ≤ `maxWer`.
 * With `exact: true`, passes only when the whole normalised text equals the phrase.
 */
export function matchPhrase(text: string, phrase: string, opts?: PhraseMatchOptions): PhraseMatchResult {
  assertText('matchPhrase', 'text', text)
  assertText('matchPhrase', 'phrase', phrase)
  const options = readOptions('matchPhrase', opts)
  const maxWer = readRatio('matchPhrase', options, 'maxWer')
  const exact = readBoolean('matchPhrase', options, 'exact') ?? false
  const phonetic = readBoolean('matchPhrase', options, 'phonetic') ?? false
  if (exact && maxWer !== undefined) {
    // Silently ignoring one of them would let a test pass or fail for a reason it does not state.
    throw new InvalidOptionError('matchPhrase: options "exact" and "maxWer" cannot be combined: exact compares the whole text with no tolerance')
  }

  const textWords = tokenize(text)
  const phraseWords = tokenize(phrase)
  if (!exact && phraseWords.length === 0) {
    // An empty phrase is contained in everything: a test that can never fail.
    throw new InvalidOptionError(`matchPhrase: phrase ${describeValue(phrase)} has no words after normalisation; use { exact: true } to expect empty text`)
  }

  const a = align(phraseWords, textWords, { phonetic, contained: !exact })
  const wer = errorRate(a.substitutions + a.deletions + a.insertions, phraseWords.length)
  return {
    // exact: zero errors over the whole text, i.e. normalised equality (or sound-alike words with phonetic).
    pass: exact ? wer === 0 : wer <= (maxWer ?? DEFAULT_MAX_WER),
    wer,
    window: textWords.slice(a.start, a.end).join(' '),
    alignment: a.ops,
    normalizedText: textWords.join(' '),
    normalizedPhrase: phraseWords.join(' '),
  }
}
