import { align, type AlignmentOp } from './align.js'
import { tokenize } from './normalize.js'
import { assertText, readBoolean, readOptions } from './options.js'

export interface WordErrorRateOptions {
  /** Words whose Double Metaphone codes agree count as hits ("their"/"there", "four"/"for"). Default false. */
  phonetic?: boolean
}

export interface WordErrorRateResult {
  /**
   * (substitutions + deletions + insertions) / referenceLength. 0 is a perfect match; it can
   * exceed 1 when the hypothesis adds many words. An empty reference gives 0 against an empty
   * hypothesis and 1 against anything else (never Infinity or NaN).
   */
  wer: number
  substitutions: number
  deletions: number
  insertions: number
  hits: number
  /** Number of words of the normalised reference (N). */
  referenceLength: number
  alignment: AlignmentOp[]
}

/**
 * Word error rate of `hypothesis` (what was heard or said) against `reference` (what was
 * expected), both normalised with `normalizeText` first, over a minimum-edit word alignment.
 */
export function wordErrorRate(reference: string, hypothesis: string, opts?: WordErrorRateOptions): WordErrorRateResult {
  assertText('wordErrorRate', 'reference', reference)
  assertText('wordErrorRate', 'hypothesis', hypothesis)
  const options = readOptions('wordErrorRate', opts)
  const phonetic = readBoolean('wordErrorRate', options, 'phonetic') ?? false
  const ref = tokenize(reference)
  const a = align(ref, tokenize(hypothesis), { phonetic, contained: false })
  return {
    wer: errorRate(a.substitutions + a.deletions + a.insertions, ref.length),
    substitutions: a.substitutions,
    deletions: a.deletions,
    insertions: a.insertions,
    hits: a.hits,
    referenceLength: ref.length,
    alignment: a.ops,
  }
}

/** errors / N, with the empty-reference convention documented on `WordErrorRateResult.wer`. */
export function errorRate(errors: number, referenceLength: number): number {
  if (referenceLength === 0) return errors === 0 ? 0 : 1
  return errors / referenceLength
}
