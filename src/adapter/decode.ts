/**
 * Frame → event: what the adapter makes of each WebSocket message before the reducer sees it. Binary, non-JSON and
 * typeless frames are skipped (named on the timeline), never fatal; legacy beta event names are mapped to GA ones.
 *
 * Audio deltas (nearly all the bytes a voice agent receives) take a fast path: the base64 `delta` is decoded from the
 * frame's bytes straight into the audio store, and only the rest of the frame is decoded to text and parsed. The
 * fast path is taken only when it cannot differ from parsing the whole frame (see `audioDeltaSpan`); anything else
 * is parsed whole, so correctness never depends on it. test/adapter/decode-fast-path.test.ts checks that both give
 * the same records.
 */
import type { RawData } from '../ws/lazy-ws.js'
import type { ServerEvent } from '../protocol/events.js'
import { gaEventType } from '../conversation/reducer.js'
import type { AudioStore } from '../conversation/audio-store.js'

export type DecodedFrame =
  | { event: ServerEvent; type: string; legacyType?: string /** The delta's audio is the store's last span. */; decoded?: true }
  | { skipped: string }

const AUDIO_DELTA = 'response.output_audio.delta'
/** Frames shorter than this are parsed whole: there is little to save. */
const FAST_PATH_MIN_BYTES = 512
const DELTA_KEY = Buffer.from('"delta"')
const QUOTE = 0x22
const COLON = 0x3a
const BACKSLASH = 0x5c

/** `buf.utf8Slice` (what `toString('utf8', …)` calls after checking its arguments), where the runtime has it. */
type Utf8Buffer = Buffer & { utf8Slice?(start: number, end: number): string }
const UTF8_SLICE = typeof (Buffer.prototype as Utf8Buffer).utf8Slice === 'function'
function utf8Slice(buf: Buffer, start: number, end: number): string {
  return UTF8_SLICE ? (buf as Utf8Buffer).utf8Slice!(start, end) : buf.toString('utf8', start, end)
}

export function decodeFrame(data: RawData, isBinary: boolean, store?: AudioStore): DecodedFrame {
  if (isBinary) return { skipped: '(binary frame skipped)' }
  if (store && Buffer.isBuffer(data) && data.length >= FAST_PATH_MIN_BYTES) {
    const fast = audioDeltaSpan(data, store)
    if (fast) return fast
  }
  let event: ServerEvent
  try {
    event = JSON.parse(data.toString())
  } catch {
    return { skipped: '(non-JSON frame skipped)' }
  }
  return typed(event)
}

function typed(event: ServerEvent): DecodedFrame {
  if (!event || typeof event !== 'object' || typeof event.type !== 'string') return { skipped: '(frame without a type skipped)' }
  const alias = gaEventType(event.type)
  return alias ? { event, type: alias, legacyType: event.type } : { event, type: event.type }
}

/**
 * The fast path for an audio delta frame, or `undefined` to parse it whole. Taken only when:
 * - the frame holds no backslash: no escapes anywhere, so every `"` delimits a string, and the bytes of a string
 *   are its text;
 * - `"delta"` occurs exactly once, directly followed by `:"` (so it is a key, with a string value that ends at
 *   the next quote); a second `"delta"` (a nested or duplicate key, or a value) means parsing it whole;
 * - the value decodes completely as padded base64 (`decodeFrameSpan`): only base64 characters, so it is ASCII
 *   and the text the full parse would give;
 * - the frame with that value emptied parses as JSON to an object whose own `delta` is `''` (the key is at the
 *   top level) and whose type is an audio delta (GA or legacy name).
 * The value holds no quote, backslash or control character, so emptying it changes neither whether the frame is
 * JSON nor any other field: the event equals the full parse but for `delta`, whose bytes are in the store.
 */
function audioDeltaSpan(frame: Buffer, store: AudioStore): DecodedFrame | undefined {
  const key = frame.indexOf(DELTA_KEY)
  if (key === -1) return undefined
  const start = key + DELTA_KEY.length + 2
  if (frame[start - 2] !== COLON || frame[start - 1] !== QUOTE) return undefined
  const end = frame.indexOf(QUOTE, start)
  if (end === -1 || frame.indexOf(DELTA_KEY, end) !== -1) return undefined
  // The value is all base64 once it decodes, so a backslash can only be outside it: only the short rest is scanned.
  if (!store.decodeFrameSpan(frame, start, end)) return undefined
  if (frame.lastIndexOf(BACKSLASH, start) !== -1 || frame.indexOf(BACKSLASH, end) !== -1) return undefined
  let event: ServerEvent
  try {
    event = JSON.parse(utf8Slice(frame, 0, start) + utf8Slice(frame, end, frame.length))
  } catch {
    return undefined
  }
  if (event === null || typeof event !== 'object' || event.delta !== '' || typeof event.type !== 'string') {
    return undefined
  }
  const alias = gaEventType(event.type)
  const type = alias ?? event.type
  if (type !== AUDIO_DELTA) {
    return undefined
  }
  store.commitSpan()
  return alias ? { event, type, legacyType: event.type, decoded: true } : { event, type, decoded: true }
}
