import type { AlignmentOp } from './align.js'
import { InvalidOptionError } from '../errors/index.js'
import { readInteger, readOptions } from './options.js'

export interface FormatAlignmentOptions {
  /** Longest line returned, in characters. Default 120. */
  maxLength?: number
}

const DEFAULT_MAX_LENGTH = 120
const ELLIPSIS = '…'

function render(op: AlignmentOp): string {
  switch (op.op) {
    case 'hit':
      return op.phonetic ? `[${op.ref}≈${op.hyp}]` : String(op.ref)
    case 'sub':
      return `[${op.ref}→${op.hyp}]`
    case 'del':
      return `[-${op.ref}]`
    case 'ins':
      return `[+${op.hyp}]`
  }
}

/**
 * One line for a failure message: matching words plain, differences in brackets, expected
 * (reference) first:
 *
 *     table for [two→too] is [-booked] [+now]
 *
 * `[a→b]` a was heard as b, `[-a]` a is missing, `[+b]` b is extra, `[a≈b]` matched by sound.
 * No colours (the matcher layer adds them). Long alignments keep the differences with a few
 * words of context and elide the rest with "…"; at most `maxLength` characters.
 */
export function formatAlignment(alignment: readonly AlignmentOp[], opts?: FormatAlignmentOptions): string {
  if (!Array.isArray(alignment)) {
    throw new InvalidOptionError('formatAlignment: alignment must be an array of alignment steps')
  }
  const options = readOptions('formatAlignment', opts)
  const maxLength = readInteger('formatAlignment', options, 'maxLength', 20) ?? DEFAULT_MAX_LENGTH
  if (alignment.length === 0) return '(no words)'

  const pieces: Piece[] = alignment.map((op) => ({ text: render(op), diff: op.op !== 'hit' || op.phonetic === true }))
  const full = join(pieces)
  if (full.length <= maxLength) return full
  if (!pieces.some((p) => p.diff)) return firstWords(pieces, maxLength)

  // Shrink the context around each difference until the line fits.
  for (const context of [3, 2, 1, 0]) {
    const line = join(elide(pieces, context))
    if (line.length <= maxLength) return line
  }
  return firstDifferences(elide(pieces, 0), maxLength)
}

interface Piece {
  text: string
  diff: boolean
}

const GAP: Piece = { text: ELLIPSIS, diff: false }
const join = (pieces: readonly Piece[]): string => pieces.map((p) => p.text).join(' ')

/** Differences plus `context` words either side; each gap becomes one "…". */
function elide(pieces: readonly Piece[], context: number): Piece[] {
  const out: Piece[] = []
  pieces.forEach((piece, i) => {
    const near = pieces.slice(Math.max(0, i - context), i + context + 1).some((p) => p.diff)
    if (near) out.push(piece)
    else if (out.at(-1) !== GAP) out.push(GAP)
  })
  return out
}

/** Too many differences for one line: the first ones, then how many were left out. */
function firstDifferences(pieces: readonly Piece[], maxLength: number): string {
  const total = pieces.filter((p) => p.diff).length
  const suffix = (left: number): string => ` ${ELLIPSIS} (+${left} more difference${left === 1 ? '' : 's'})`
  let kept: Piece[] = []
  let shown = 0
  for (const piece of pieces) {
    const next = [...kept, piece]
    const nextShown = shown + (piece.diff ? 1 : 0)
    if (join(next).length + suffix(total - nextShown).length > maxLength) break
    kept = next
    shown = nextShown
  }
  while (kept.at(-1) === GAP) kept.pop()
  if (kept.length === 0) return firstWords(pieces, maxLength)
  return join(kept) + suffix(total - shown)
}

/** The first words that fit, then "…". */
function firstWords(pieces: readonly Piece[], maxLength: number): string {
  let line = ''
  for (const piece of pieces) {
    const next = line ? `${line} ${piece.text}` : piece.text
    if (next.length + 2 > maxLength) break
    line = next
  }
  if (!line) return `${(pieces[0] as Piece).text.slice(0, maxLength - 1)}${ELLIPSIS}`
  return `${line} ${ELLIPSIS}`
}
