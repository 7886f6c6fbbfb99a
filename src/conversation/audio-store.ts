/**
 * Where an adapter keeps the audio it records (user audio sent, agent audio received), as bytes.
 *
 * Chunks are packed into shared slabs rather than allocated one by one:
 * - a small copy made with `Buffer.from(bytes)` lands in Node's shared 8 KiB pool, next to short-lived socket
 *   frames, and keeps that whole pool slab alive: 20 ms chunks of user audio cost 2× their size that way;
 * - a Buffer of its own costs an ArrayBuffer and its backing-store bookkeeping per chunk;
 * - received audio is decoded from base64 straight into the slab (`buf.write(b64, offset, length, 'base64')`).
 *
 * The chunks handed out are ordinary Buffers viewing part of a slab (8-byte aligned, like Node's pooled Buffers:
 * code that reads `.buffer` must honour `byteOffset`). `npm run bench` measures what this saves.
 */

import type { AudioChunk } from '../protocol/audio-chunk.js'

/** Slab size: 54 deltas of 100 ms; what is left at the end of a slab is at most one chunk. */
const SLAB_BYTES = 256 * 1024
/** Larger chunks (a whole utterance sent at once) get their own allocation instead of a slab. */
const MAX_PACKED_BYTES = 64 * 1024

const EMPTY = Buffer.alloc(0)

/**
 * Passed to the reducer in place of an audio chunk: the delta's bytes were decoded straight from the frame into the
 * conversation's audio store (`decodeFrameSpan`), and are its last span.
 */
export const DECODED_SPAN: unique symbol = Symbol('expect-voice.decoded-span')

export class AudioStore {
  #slab: Buffer | null = null
  #used = 0

  /** A copy of `bytes` that no later write by the caller can change. */
  copy(bytes: Uint8Array): Buffer {
    const length = bytes.length
    if (length > MAX_PACKED_BYTES) {
      const own = Buffer.allocUnsafeSlow(length)
      own.set(bytes)
      return own
    }
    const slab = this.#reserve(length)
    slab.set(bytes, this.#used)
    return this.#take(slab, length)
  }

  /** The bytes of base64 `text`, decoded exactly as `Buffer.from(text, 'base64')` does. */
  decodeBase64(text: string): Buffer {
    const max = base64MaxBytes(text)
    if (max > MAX_PACKED_BYTES) return Buffer.from(text, 'base64')
    const slab = this.#reserve(max)
    return this.#take(slab, slab.write(text, this.#used, max, 'base64'))
  }

  /**
   * Decodes base64 `text` as `decodeBase64` does, without making a Buffer view: returns where the bytes are (`slab`
   * and `offset` of the last call; `length`, the returned count). For the descriptors of a `ChunkList`.
   */
  decodeBase64Span(text: string, evenOnly: boolean): number {
    const max = base64MaxBytes(text)
    if (max > MAX_PACKED_BYTES) {
      this.spanSlab = Buffer.from(text, 'base64')
      this.spanOffset = 0
      return evenOnly ? this.spanSlab.length & ~1 : this.spanSlab.length
    }
    const slab = this.#reserve(max)
    const written = slab.write(text, this.#used, max, 'base64')
    this.spanSlab = slab
    this.spanOffset = this.#used
    const length = evenOnly ? written & ~1 : written
    this.#used += (length + 7) & ~7
    return length
  }

  /** Where the bytes of the last `decodeBase64Span` or `decodeFrameSpan` are (and, for the latter, how many). */
  spanSlab: Buffer = EMPTY
  spanOffset = 0
  spanLength = 0

  /**
   * Decodes the base64 text at bytes `start`–`end` of `frame` (a received WebSocket frame) into the store, without
   * decoding the frame to a string first. Succeeds only when every byte of that range is base64 (the decoder skips
   * or stops at anything else, so fewer bytes come out than the length promises) and the text is padded: then the
   * bytes equal what `decodeBase64` gives for the same text, a trailing odd byte dropped (`spanLength`). They are
   * kept once `commitSpan()` is called; on failure, or without it, nothing is kept.
   */
  decodeFrameSpan(frame: Buffer, start: number, end: number): boolean {
    const chars = end - start
    if (chars === 0 || (chars & 3) !== 0) return false
    let pad = 0
    if (frame[end - 1] === 0x3d) pad = frame[end - 2] === 0x3d ? 2 : 1
    const expected = (chars >>> 2) * 3 - pad
    if (expected > MAX_PACKED_BYTES) return false
    const slab = this.#reserve(expected)
    if (base64Write(slab, latin1Slice(frame, start, end), this.#used, expected) !== expected) return false
    this.spanSlab = slab
    this.spanOffset = this.#used
    this.spanLength = expected & ~1
    return true
  }

  /** Keeps the bytes of the last `decodeFrameSpan` (until then, the next decode writes over them). */
  commitSpan(): void {
    this.#used += (this.spanLength + 7) & ~7
  }

  #reserve(length: number): Buffer {
    if (this.#slab === null || this.#slab.length - this.#used < length) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
      this.#used = 0
    }
    return this.#slab
  }

  #take(slab: Buffer, length: number): Buffer {
    const view = slab.subarray(this.#used, this.#used + length)
    this.#used += (length + 7) & ~7
    return view
  }
}

/**
 * `buf.latin1Slice` / `buf.base64Write`: what `toString('latin1', …)` and `write(…, 'base64')` call after checking
 * their arguments and looking the encoding up, which costs a third of the decode of a 100 ms delta. The arguments
 * here are known to be in range; where a runtime lacks the methods, the public calls do the same.
 */
type FastBuffer = Buffer & { latin1Slice?(start: number, end: number): string; base64Write?(text: string, offset: number, length: number): number }
const FAST = typeof (Buffer.prototype as FastBuffer).latin1Slice === 'function' && typeof (Buffer.prototype as FastBuffer).base64Write === 'function'

function latin1Slice(buf: Buffer, start: number, end: number): string {
  return FAST ? (buf as FastBuffer).latin1Slice!(start, end) : buf.toString('latin1', start, end)
}

function base64Write(buf: Buffer, text: string, offset: number, length: number): number {
  return FAST ? (buf as FastBuffer).base64Write!(text, offset, length) : buf.write(text, offset, length, 'base64')
}

/** Upper bound of the decoded size, as Node computes it for `Buffer.from(text, 'base64')`. */
function base64MaxBytes(text: string): number {
  let chars = text.length
  if (chars > 0 && text.charCodeAt(chars - 1) === 0x3d) chars--
  if (chars > 1 && text.charCodeAt(chars - 1) === 0x3d) chars--
  return (chars * 3) >>> 2
}

/**
 * Appends `chunk` to a turn's audio, merged into the last Buffer when it directly follows it in memory (consecutive
 * copies in one slab), so a turn streamed in 20 ms chunks is a handful of Buffers rather than fifty a second.
 */
export function appendAudio(list: Buffer[], chunk: Buffer): void {
  const last = list[list.length - 1]
  if (last !== undefined && last.buffer === chunk.buffer && last.byteOffset + last.length === chunk.byteOffset) {
    list[list.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + chunk.length)
  } else {
    list.push(chunk)
  }
}

/** Initial capacity of a `ChunkList`'s descriptor arrays (they double as chunks arrive). */
const INITIAL_CHUNKS = 16

/**
 * The audio chunks of one response, in order, kept as descriptors (arrival time; offset, length and slab of its
 * bytes) in typed arrays instead of one `AudioChunk` object and one Buffer view per chunk. Those two objects cost
 * ~170 bytes per chunk, 18 % of a 20 ms delta; a descriptor costs 20 (plus the arrays' spare capacity), outside
 * the JS heap. The `AudioChunk` objects are made when someone reads the list (`chunks()`), and kept from then on
 * (extended as chunks arrive), so readers see one stable array.
 */
export class ChunkList {
  /** Arrival time of each chunk, from index `#head` to `#end`. */
  #at = new Float64Array(INITIAL_CHUNKS)
  /** Offset, length and slab (index into `#slabs`, minus `#slabBase`) of each chunk. */
  #spans = new Uint32Array(INITIAL_CHUNKS * 3)
  #head = 0
  #end = 0
  /** The Buffers holding the bytes; consecutive chunks in one slab share an entry. */
  #slabs: Array<Buffer | undefined> = []
  #slabBase = 0
  /** The sample rate of the chunks, and the exceptions (third-party adapters may vary it), by chunk number. */
  #rate = 0
  #rates: Map<number, number> | null = null
  /** Chunks dropped from the head (retention), so chunk numbers stay stable for `#rates` and the cache. */
  #dropped = 0
  #cache: AudioChunk[] | null = null
  /** Chunk numbers (dropped + index) of `#cache[0]` and of the first chunk not yet in it. */
  #cacheHead = 0
  #cacheEnd = 0

  /** Chunks kept. */
  get length(): number {
    return this.#end - this.#head
  }

  /** Appends the chunk of `length` bytes at `offset` of `buffer`. */
  append(buffer: Buffer, offset: number, length: number, sampleRate: number, receivedAt: number): void {
    if (this.#end === this.#at.length) this.#grow()
    let slab = this.#slabs.length - 1
    if (slab < 0 || this.#slabs[slab] !== buffer) {
      this.#slabs.push(buffer)
      slab++
    }
    const i = this.#end++
    this.#at[i] = receivedAt
    this.#spans[i * 3] = offset
    this.#spans[i * 3 + 1] = length
    this.#spans[i * 3 + 2] = slab + this.#slabBase
    if (this.#rate === 0) this.#rate = sampleRate
    else if (sampleRate !== this.#rate) (this.#rates ??= new Map()).set(this.#dropped + i - this.#head, sampleRate)
  }

  /** The kept chunk `index` (0 = the oldest kept), as a new `AudioChunk`. */
  at(index: number): AudioChunk {
    const i = this.#head + index
    const buffer = this.#slabs[this.#spans[i * 3 + 2]! - this.#slabBase]!
    const offset = this.#spans[i * 3]!
    const length = this.#spans[i * 3 + 1]!
    const data = offset === 0 && length === buffer.length ? buffer : buffer.subarray(offset, offset + length)
    return { data, sampleRate: this.#rateOf(index), receivedAt: this.#at[i]! }
  }

  /** The newest chunk, as a new `AudioChunk` (what `recvAudio` hands out). */
  last(): AudioChunk {
    return this.at(this.length - 1)
  }

  /** Bytes and sample rate of the oldest kept chunk (`undefined` when none is kept). */
  headSpan(): { bytes: number; sampleRate: number } | undefined {
    if (this.length === 0) return undefined
    return { bytes: this.#spans[this.#head * 3 + 1]!, sampleRate: this.#rateOf(0) }
  }

  /** Drops the oldest kept chunk, letting go of its bytes (a slab is freed once none of its chunks is held). */
  dropHead(): void {
    if (this.length === 0) return
    this.#rates?.delete(this.#dropped)
    this.#head++
    this.#dropped++
    // Slabs before the new head's are no longer referenced by any kept chunk.
    const first = this.length ? this.#spans[this.#head * 3 + 2]! - this.#slabBase : this.#slabs.length
    if (first > 0) {
      this.#slabs.splice(0, first)
      this.#slabBase += first
    }
    if (this.#head >= INITIAL_CHUNKS && this.#head * 2 >= this.#at.length) {
      this.#at.copyWithin(0, this.#head, this.#end)
      this.#spans.copyWithin(0, this.#head * 3, this.#end * 3)
      this.#end -= this.#head
      this.#head = 0
    }
  }

  #rateOf(index: number): number {
    return this.#rates?.get(this.#dropped + index) ?? this.#rate
  }

  #grow(): void {
    const at = new Float64Array(this.#at.length * 2)
    at.set(this.#at)
    const spans = new Uint32Array(this.#spans.length * 2)
    spans.set(this.#spans)
    this.#at = at
    this.#spans = spans
  }

  /** The kept chunks as `AudioChunk` objects: one array per list, extended as chunks arrive. */
  chunks(): AudioChunk[] {
    let cache = this.#cache
    const head = this.#dropped
    const end = this.#dropped + this.length
    if (cache === null) {
      cache = this.#cache = []
      this.#cacheHead = this.#cacheEnd = head
    }
    if (this.#cacheHead < head) {
      cache.splice(0, Math.min(cache.length, head - this.#cacheHead))
      this.#cacheHead = head
      this.#cacheEnd = Math.max(this.#cacheEnd, head)
    }
    for (; this.#cacheEnd < end; this.#cacheEnd++) cache.push(this.at(this.#cacheEnd - head))
    return cache
  }
}
