/** Small statistics helpers. Percentiles are nearest-rank (conservative: p99 of 300 samples is the 3rd largest). */

export function sorted(values) {
  return [...values].sort((a, b) => a - b)
}

export function percentile(values, p) {
  if (values.length === 0) return NaN
  const s = sorted(values)
  const rank = Math.max(1, Math.ceil((p / 100) * s.length))
  return s[Math.min(rank, s.length) - 1]
}

export function median(values) {
  return percentile(values, 50)
}

export function summary(values, digits = 3) {
  const r = (x) => Number(x.toFixed(digits))
  if (values.length === 0) return { n: 0 }
  const s = sorted(values)
  return {
    n: s.length,
    min: r(s[0]),
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
    max: r(s[s.length - 1]),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  }
}

/** Deterministic 32-bit PRNG (mulberry32). */
export function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Deterministic PCM16 (24 kHz mono) that looks like a voice to a codec: a few harmonics with a slow envelope
 * plus seeded noise. Its content does not matter to the receive loop (base64 size is fixed by the byte count),
 * but it is not all zeros, so nothing can take a shortcut on it.
 */
export function pcm(ms, seed = 1) {
  const samples = Math.round((ms * 24000) / 1000)
  const out = Buffer.allocUnsafe(samples * 2)
  const rnd = prng(seed)
  for (let i = 0; i < samples; i++) {
    const t = i / 24000
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t)
    const v = env * (6000 * Math.sin(2 * Math.PI * 180 * t) + 2500 * Math.sin(2 * Math.PI * 540 * t)) + (rnd() - 0.5) * 800
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2)
  }
  return out
}

const WORDS = 'the table for two is booked at seven tonight and we will keep a window seat for you please arrive on time thanks'.split(' ')

/** About 150 spoken words per minute of audio, deterministic. */
export function transcriptFor(ms) {
  const n = Math.max(1, Math.round((ms / 60000) * 150))
  const words = []
  for (let i = 0; i < n; i++) words.push(WORDS[(i * 7) % WORDS.length])
  return words.join(' ') + '.'
}
