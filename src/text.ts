/**
 * `expect-voice/text`: what the text matchers use, as functions: normalisation (case, punctuation, contractions,
 * numbers), word error rate with its alignment, fuzzy phrase matching, and the alignment printer.
 */
export * from './text/index.js'
