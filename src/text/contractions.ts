/**
 * English contractions → full words, so "I'd like" and "I would like" compare equal.
 * Input is one lower-cased word that may contain straight apostrophes ("wouldn't've").
 *
 * Ambiguous endings get one fixed reading (a test compares two transcripts, not meanings):
 * 's → "is" (also for nouns: "the table's ready" = "the table is ready", and so a possessive
 * "john's" becomes "john is" on both sides alike); 'd → "would"; ain't → "is not".
 */

const WHOLE_WORDS: ReadonlyMap<string, readonly string[]> = new Map([
  ["can't", ['can', 'not']],
  ['cannot', ['can', 'not']],
  ["won't", ['will', 'not']],
  ["shan't", ['shall', 'not']],
  ["ain't", ['is', 'not']],
  ["let's", ['let', 'us']],
  ["y'all", ['you', 'all']],
])

const SUFFIXES: ReadonlyArray<readonly [suffix: string, expansion: string]> = [
  ["n't", 'not'],
  ["'re", 'are'],
  ["'ve", 'have'],
  ["'ll", 'will'],
  ["'m", 'am'],
  ["'d", 'would'],
  ["'s", 'is'],
]

/** Expands one word; leftover apostrophes ("o'clock", "rock'n'roll") are dropped. */
export function expandContraction(word: string): string[] {
  const tail: string[] = []
  let stem = word
  // Peel suffixes right to left: "wouldn't've" → would + not + have.
  for (;;) {
    const whole = WHOLE_WORDS.get(stem)
    if (whole) return [...whole, ...tail]
    if (!stem.includes("'")) break
    const rule = SUFFIXES.find(([suffix]) => stem.endsWith(suffix) && stem.length > suffix.length)
    if (!rule) break
    stem = stem.slice(0, -rule[0].length)
    tail.unshift(rule[1])
  }
  const rest = stem.replaceAll("'", '')
  return rest ? [rest, ...tail] : tail
}
