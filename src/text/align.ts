/**
 * Word alignment by edit distance (Levenshtein over words), shared by word error rate and
 * phrase matching. O(m·n) time, two rows of costs plus one byte per cell for the traceback.
 */
import { InvalidOptionError } from '../errors/index.js'
import { phoneticKey, soundAlike, type PhoneticCodes } from './phonetic.js'

/**
 * One step of a word alignment, reference (expected) against hypothesis (heard/said):
 * `hit` both words match, `sub` ref was replaced by hyp, `del` ref is missing, `ins` hyp is extra.
 * `phonetic: true` marks a hit between different words that sound alike (phonetic mode).
 */
export interface AlignmentOp {
  op: 'hit' | 'sub' | 'del' | 'ins'
  ref?: string
  hyp?: string
  phonetic?: boolean
}

export interface AlignOptions {
  phonetic: boolean
  /** Leading and trailing hypothesis words are free: find `ref` inside `hyp`. */
  contained: boolean
}

export interface Alignment {
  ops: AlignmentOp[]
  hits: number
  substitutions: number
  deletions: number
  insertions: number
  /** The aligned hypothesis words are `hyp.slice(start, end)` (all of them unless `contained`). */
  start: number
  end: number
}

/**
 * Most word pairs one alignment compares (ref words + 1) × (hyp words + 1): about 14 000 × 14 000 words. Far
 * beyond any transcript (10 000 × 10 000 words is 100 MB of traceback); guards memory and keeps the integer
 * costs below 2^53. Phonetic mode has the same limit and about the same cost per pair.
 */
export const MAX_ALIGNMENT_CELLS = 2e8
const MAX_CELLS = MAX_ALIGNMENT_CELLS

const START = 0
const HIT = 1
const PHONETIC_HIT = 2
const SUB = 3
const DEL = 4
const INS = 5

/**
 * Interns words as small integers, so the inner loop compares numbers. In phonetic mode each distinct word also
 * gets the ids of its two codes (-1: no code), so "sounds alike" is two integer comparisons: no cache of word
 * pairs, which would grow with the square of the vocabulary (millions of entries for thousands of words).
 */
function intern(ref: readonly string[], hyp: readonly string[], phonetic: boolean) {
  const ids = new Map<string, number>()
  const codes = new Map<string, number>()
  /** Per word id: its phonetic codes as ids, or null when it may only match exactly. */
  const keys: Array<PhoneticCodes<number> | null> = []
  const codeId = (code: string): number => {
    let id = codes.get(code)
    if (id === undefined) codes.set(code, (id = codes.size))
    return id
  }
  const idOf = (w: string): number => {
    let id = ids.get(w)
    if (id === undefined) {
      id = ids.size
      ids.set(w, id)
      const key = phonetic ? phoneticKey(w) : undefined
      keys.push(key ? { ...key, primary: codeId(key.primary), secondary: key.secondary === null ? null : codeId(key.secondary) } : null)
    }
    return id
  }
  const refIds = Int32Array.from(ref, idOf)
  const hypIds = Int32Array.from(hyp, idOf)
  return { refIds, hypIds, keys }
}

export function align(ref: readonly string[], hyp: readonly string[], opts: AlignOptions): Alignment {
  const m = ref.length
  const n = hyp.length
  const width = n + 1
  if ((m + 1) * width > MAX_CELLS) {
    throw new InvalidOptionError(`text too long to align: ${m} × ${n} words (limit ${MAX_CELLS} word pairs)`)
  }
  const phonetic = opts.phonetic
  const { refIds, hypIds, keys } = intern(ref, hyp, phonetic)
  const sounds = (a: number, b: number): boolean => {
    const ka = keys[a]
    const kb = keys[b]
    return !!ka && !!kb && soundAlike(ka, kb)
  }

  // Cost = errors first, then prefer more exact hits, then more phonetic hits (integers, so
  // ties are exact): errors·K² − exactHits·K − phoneticHits, with K above any hit count.
  // With the MAX_CELLS guard every cost stays far below 2^53.
  const K = Math.min(m, n) + 1
  const ERROR = K * K
  let prev = new Float64Array(width)
  let cur = new Float64Array(width)
  const trace = new Uint8Array((m + 1) * width)
  for (let j = 1; j <= n; j++) {
    prev[j] = opts.contained ? 0 : j * ERROR
    trace[j] = opts.contained ? START : INS
  }
  for (let i = 1; i <= m; i++) {
    const row = i * width
    const r = refIds[i - 1] as number
    cur[0] = i * ERROR
    trace[row] = DEL
    for (let j = 1; j <= n; j++) {
      const h = hypIds[j - 1] as number
      let best: number
      let step: number
      if (r === h) {
        best = (prev[j - 1] as number) - K
        step = HIT
      } else if (phonetic && sounds(r, h)) {
        best = (prev[j - 1] as number) - 1
        step = PHONETIC_HIT
      } else {
        best = (prev[j - 1] as number) + ERROR
        step = SUB
      }
      const del = (prev[j] as number) + ERROR
      if (del < best) {
        best = del
        step = DEL
      }
      const ins = (cur[j - 1] as number) + ERROR
      if (ins < best) {
        best = ins
        step = INS
      }
      cur[j] = best
      trace[row + j] = step
    }
    ;[prev, cur] = [cur, prev]
  }

  // `prev` now holds the last row. Contained: the best end column (the first, on ties).
  let end = n
  if (opts.contained) {
    end = 0
    for (let j = 1; j <= n; j++) if ((prev[j] as number) < (prev[end] as number)) end = j
  }

  const ops: AlignmentOp[] = []
  let hits = 0
  let substitutions = 0
  let deletions = 0
  let insertions = 0
  let i = m
  let j = end
  while (i > 0 || j > 0) {
    const step = trace[i * width + j]
    if (step === START) break
    if (step === HIT || step === PHONETIC_HIT || step === SUB) {
      const r = ref[i - 1] as string
      const h = hyp[j - 1] as string
      if (step === SUB) {
        substitutions++
        ops.push({ op: 'sub', ref: r, hyp: h })
      } else {
        hits++
        ops.push(step === HIT ? { op: 'hit', ref: r, hyp: h } : { op: 'hit', ref: r, hyp: h, phonetic: true })
      }
      i--
      j--
    } else if (step === DEL) {
      deletions++
      ops.push({ op: 'del', ref: ref[i - 1] as string })
      i--
    } else {
      insertions++
      ops.push({ op: 'ins', hyp: hyp[j - 1] as string })
      j--
    }
  }
  ops.reverse()
  return { ops, hits, substitutions, deletions, insertions, start: j, end }
}
