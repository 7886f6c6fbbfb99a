/** Seeded pseudo-randomness for the caller conditions: the same seed gives the same noise and the same lost frames. */
import { InvalidOptionError } from '../errors/index.js'

/** mulberry32: tiny and fast; plenty for test noise. Returns numbers in [0, 1). */
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

/** Standard normal numbers (Box-Muller, both values of each pair used) from a uniform source. */
export function gaussianFrom(random: () => number): () => number {
  let spare: number | null = null
  return () => {
    if (spare !== null) {
      const value = spare
      spare = null
      return value
    }
    // 1 - u: never log(0)
    const radius = Math.sqrt(-2 * Math.log(1 - random()))
    const angle = 2 * Math.PI * random()
    spare = radius * Math.sin(angle)
    return radius * Math.cos(angle)
  }
}

/** Checks a `seed` option: a finite number (default 1). */
export function seedOption(where: string, seed: unknown): number {
  if (seed === undefined) return 1
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new InvalidOptionError(`${where}: option "seed" must be a finite number, got ${String(seed)}`)
  }
  return seed
}
