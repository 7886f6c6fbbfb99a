import type { AudioChunk } from '../protocol/audio-chunk.js'
import { InvalidOptionError } from '../errors/index.js'
import { assertWholeSamples, pcmAndRate, type Pcm16Input } from './pcm16.js'

export interface SplitAudioOptions {
  /** Chunk length in milliseconds, rounded to whole samples. Default 20 (a typical microphone frame). */
  chunkMs?: number
  /** Rate of a raw Buffer (default 24000). A chunk brings its own; a different value here is an error. */
  sampleRate?: number
}

/**
 * Splits PCM16 mono audio into chunks of `chunkMs` (whole samples; the last one may be shorter). The chunks are
 * views into the input, not copies.
 *
 * @throws AudioFormatError when the audio is not a whole number of samples
 * @throws InvalidOptionError for a non-positive `chunkMs` or a `sampleRate` that contradicts the chunk's
 */
export function splitAudio(audio: Pcm16Input, opts: SplitAudioOptions = {}): AudioChunk[] {
  const { data, sampleRate } = pcmAndRate(audio, opts.sampleRate)
  assertWholeSamples(data)
  const step = chunkBytes(opts.chunkMs, sampleRate)
  const view = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const chunks: AudioChunk[] = []
  for (let off = 0; off < view.byteLength; off += step) {
    chunks.push({ data: view.subarray(off, Math.min(off + step, view.byteLength)), sampleRate })
  }
  return chunks
}

function chunkBytes(chunkMs: number | undefined, sampleRate: number): number {
  const ms = chunkMs ?? 20
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new InvalidOptionError(`chunkMs must be a positive number of milliseconds, got ${String(chunkMs)}`)
  }
  return Math.max(1, Math.round((ms * sampleRate) / 1000)) * 2
}

/** Where `streamAudio` sends chunks: any adapter, or anything with the same `sendAudio`. */
export interface AudioSink {
  sendAudio(chunk: AudioChunk): Promise<void>
}

export interface StreamAudioOptions extends SplitAudioOptions {
  /**
   * Pace the chunks like a live microphone: each chunk is sent once its audio has "been spoken", i.e. chunk i at
   * start + (end time of chunk i), and the promise resolves at start + duration of the audio. The schedule is
   * absolute (computed from sample counts, not by adding up sleeps), so slow `sendAudio` calls do not make it drift;
   * a chunk that is late is sent at once. Default false: send as fast as `sendAudio` resolves.
   */
  realtime?: boolean
  /** Stops sending; the promise rejects with `signal.reason` and no timer is left behind. */
  signal?: AbortSignal
}

export interface StreamAudioResult {
  /** Chunks sent. */
  chunks: number
  /** PCM bytes sent. */
  bytes: number
  /** Duration of the audio sent, in ms. */
  durationMs: number
}

/**
 * Sends audio to `target` in `chunkMs` chunks (default 20 ms), one `sendAudio` at a time, optionally at real-time
 * pace. Resolves after the last chunk's `sendAudio` resolved (and, when paced, not before the audio's duration has
 * elapsed). Rejects with the first `sendAudio` error, or `signal.reason` when aborted.
 *
 * Timing uses the global `performance.now()` and `setTimeout`, so fake timers that replace both (Vitest's and
 * Jest's defaults do) drive it.
 */
export async function streamAudio(target: AudioSink, audio: Pcm16Input, opts: StreamAudioOptions = {}): Promise<StreamAudioResult> {
  if (!target || typeof target.sendAudio !== 'function') {
    throw new InvalidOptionError('target must have a sendAudio(chunk) method (an adapter)')
  }
  const { signal, realtime = false } = opts
  // Duck-typed: AbortSignals from another realm or a polyfill are fine too.
  if (signal !== undefined && (typeof signal?.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
    throw new InvalidOptionError('signal must be an AbortSignal')
  }
  const chunks = splitAudio(audio, opts)
  const sampleRate = chunks[0]?.sampleRate ?? pcmAndRate(audio, opts.sampleRate).sampleRate
  throwIfAborted(signal)
  const start = realtime ? performance.now() : 0
  let samples = 0
  let bytes = 0
  for (const chunk of chunks) {
    samples += chunk.data.byteLength / 2
    if (realtime) await sleepUntil(start + (samples * 1000) / sampleRate, signal)
    throwIfAborted(signal)
    await target.sendAudio(chunk)
    bytes += chunk.data.byteLength
  }
  throwIfAborted(signal)
  return { chunks: chunks.length, bytes, durationMs: (samples * 1000) / sampleRate }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason
}

/** Resolves at `deadline` (performance.now() time); rejects on abort. Always clears its timer and listener. */
function sleepUntil(deadline: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  const delay = deadline - performance.now()
  if (delay <= 0) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.ceil(delay)) // whole ms, so a coarse timer clock never wakes us before the deadline
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
