/** Splits text into the token-ish fragments live streams as deltas ("The", " highest", ...). */

/** Word-ish fragments whose concatenation is exactly `text`: each word with its leading whitespace. */
export function wordFragments(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? []
}

/** Fixed-size pieces of a string (function call arguments stream this way), concatenating back to it. */
export function pieces(text: string, size: number): string[] {
  const out: string[] = []
  const chars = Array.from(text)
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''))
  return out
}
