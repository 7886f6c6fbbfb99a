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

/** Slab size: 54 deltas of 100 ms; what is left at the end of a slab is at most one chunk. */
const SLAB_BYTES = 256 * 1024
/** Larger chunks (a whole utterance sent at once) get their own allocation instead of a slab. */
const MAX_PACKED_BYTES = 64 * 1024

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
