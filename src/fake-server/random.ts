/** The fake's seeded strings, so `obfuscation` repeats exactly from run to run (the generator: audio/random.ts). */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Like the live `obfuscation` field on streaming deltas: 11-14 random alphanumerics. */
export function obfuscation(random: () => number): string {
  const length = 11 + Math.floor(random() * 4)
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return out
}
