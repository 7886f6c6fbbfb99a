/** Seeded pseudo-randomness, so jitter and `obfuscation` strings repeat exactly from run to run. */

/** mulberry32: tiny, fast, good enough for test jitter. Returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = Math.trunc(seed) >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Like the live `obfuscation` field on streaming deltas: 11-14 random alphanumerics. */
export function obfuscation(random: () => number): string {
  const length = 11 + Math.floor(random() * 4)
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return out
}
