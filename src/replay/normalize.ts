/**
 * From captured frames to a `SessionRecording`, and the rules both recording and replay apply to client events so
 * that they compare: audio becomes a digest, strings are scrubbed, ids are renumbered in order of appearance.
 */
import { createHash } from 'node:crypto'
import {
  RECORDING_FORMAT_VERSION,
  audioSliceRef,
  isAudioDigestRef,
  isAudioSliceRef,
  isObject,
  type JsonObject,
  type RecordedEvent,
  type RecordedSession,
  type SessionRecording,
} from './cassette.js'
import { boundDepth, setOwn } from '../loopback/frames.js'
import type { Scrubber } from './scrub.js'

/** One frame as the proxy saw it. */
export interface CapturedFrame {
  /** `performance.now()` at the proxy. */
  at: number
  from: 'client' | 'server'
  data: string | Buffer
  binary: boolean
}
export interface CapturedClose {
  at: number
  close: { by: 'client' | 'server'; code: number; reason: string }
}
export interface CapturedSession {
  model: string | null
  /** When the connection opened (both legs); null when the upstream refused the upgrade. */
  openedAt: number | null
  refused?: { status: number; body: string }
  frames: Array<CapturedFrame | CapturedClose>
}

// Server fields that change on every run without meaning anything: left out so re-recordings stay stable.
const DROPPED_SERVER_KEYS = new Set(['obfuscation'])
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const APPEND = /(^|\.)input_audio_buffer\.append$/
const AUDIO_DELTA = /(^|\.)(output_)?audio\.delta$/

export function isAppendEvent(event: JsonObject): boolean {
  return typeof event.type === 'string' && APPEND.test(event.type)
}

/** True for the keys that hold ids: `id`, `event_id`, `item_id`, `call_id`, `previous_item_id`, ... */
export function isIdKey(key: string): boolean {
  return key === 'id' || key.endsWith('_id')
}

function decodeBase64(value: string): Buffer | null {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return null
  return Buffer.from(value, 'base64')
}

/** The digest reference of some audio. */
export function audioDigest(bytes: Buffer, chunks = 1): JsonObject {
  const ref: JsonObject = { $sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }
  if (chunks > 1) ref.chunks = chunks
  return ref
}

/**
 * A client event as recordings hold it (ids aside): base64 audio replaced by its digest, strings scrubbed.
 * Replay applies the same function to what the test sends now, so the two compare.
 */
export function normalizeClientEvent(event: JsonObject, scrub: Scrubber): JsonObject {
  return scrub.value(replaceAudio(event, (bytes) => audioDigest(bytes))) as JsonObject
}

/** Audio fields: `audio` of an append, of an `input_audio`/`audio` content part; `delta` of an audio delta event. */
function replaceAudio(event: JsonObject, replace: (bytes: Buffer) => unknown): JsonObject {
  const walk = (value: unknown, top: boolean): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, false))
    if (!isObject(value)) return value
    const out: JsonObject = {}
    const partType = typeof value.type === 'string' ? value.type : ''
    for (const [key, v] of Object.entries(value)) {
      let bytes: Buffer | null = null
      if (typeof v === 'string') {
        if (key === 'audio' && ((top && APPEND.test(partType)) || /(^|_)audio$/.test(partType))) bytes = decodeBase64(v)
        else if (key === 'delta' && top && AUDIO_DELTA.test(partType)) bytes = decodeBase64(v)
      }
      setOwn(out, key, bytes ? replace(bytes) : walk(v, false))
    }
    return out
  }
  return walk(event, true) as JsonObject
}

function dropKeys(value: unknown, keys: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => dropKeys(v, keys))
  if (!isObject(value)) return value
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(value)) if (!keys.has(k)) setOwn(out, k, dropKeys(v, keys))
  return out
}

interface Draft {
  t: number
  kind: 'client' | 'server' | 'close'
  payload: JsonObject
  /** The raw bytes of an append (for coalescing) */
  appendBytes?: Buffer
}

/**
 * Builds the recording of captured sessions: agent audio into one buffer, the test's audio as digests, secrets
 * scrubbed, `obfuscation` dropped, ids renumbered (`item_001`, shared across directions and sessions), runs of
 * `input_audio_buffer.append` with nothing in between merged into one entry.
 */
export function buildSessionRecording(captured: CapturedSession[], options: { scrub: Scrubber; test?: string }): SessionRecording {
  const { scrub } = options
  const audioParts: Buffer[] = []
  let audioBytes = 0
  const storeAudio = (bytes: Buffer) => {
    const ref = audioSliceRef(audioBytes, bytes.length)
    audioParts.push(bytes)
    audioBytes += bytes.length
    return ref
  }

  const drafts: Draft[][] = captured.map((session) => {
    const t0 = session.openedAt ?? 0
    const time = (at: number) => Math.max(0, Math.round(at - t0))
    return session.frames.map((frame): Draft => {
      if ('close' in frame) {
        return { t: time(frame.at), kind: 'close', payload: { ...frame.close, reason: scrub.text(frame.close.reason) } }
      }
      const kind = frame.from
      if (frame.binary || typeof frame.data !== 'string') {
        const bytes = Buffer.isBuffer(frame.data) ? frame.data : Buffer.from(frame.data)
        return { t: time(frame.at), kind, payload: { $binary: bytes.toString('base64') } }
      }
      let parsed: unknown
      try {
        // Bounded, so a frame nested thousands of levels deep is recorded (with a marker) instead of overflowing
        // the stack of every function below.
        parsed = boundDepth(JSON.parse(frame.data))
      } catch {
        parsed = undefined
      }
      if (!isObject(parsed)) return { t: time(frame.at), kind, payload: { $raw: scrub.text(frame.data) } }
      if (kind === 'client') {
        if (isAppendEvent(parsed) && typeof parsed.audio === 'string') {
          const bytes = decodeBase64(parsed.audio) ?? Buffer.alloc(0)
          return { t: time(frame.at), kind, payload: normalizeClientEvent(parsed, scrub), appendBytes: bytes }
        }
        return { t: time(frame.at), kind, payload: normalizeClientEvent(parsed, scrub) }
      }
      const withoutNoise = dropKeys(parsed, DROPPED_SERVER_KEYS) as JsonObject
      return { t: time(frame.at), kind, payload: scrub.value(replaceAudio(withoutNoise, storeAudio)) as JsonObject }
    })
  })

  const ids = new IdRenumbering()
  for (const session of drafts) for (const d of session) if (d.kind !== 'close') ids.collect(d.payload)

  const sessions: RecordedSession[] = captured.map((session, s) => {
    const events: RecordedEvent[] = []
    let group: Draft[] = []
    const flushGroup = () => {
      if (group.length === 0) return
      const last = group[group.length - 1]!
      if (group.length === 1) events.push({ t: last.t, client: ids.apply(last.payload) as JsonObject })
      else {
        const bytes = Buffer.concat(group.map((d) => d.appendBytes!))
        events.push({ t: last.t, client: { type: last.payload.type, audio: audioDigest(bytes, group.length) } })
      }
      group = []
    }
    for (const d of drafts[s]!) {
      if (d.kind === 'client' && d.appendBytes) {
        group.push(d)
        continue
      }
      flushGroup()
      if (d.kind === 'close') events.push({ t: d.t, close: d.payload as RecordedCloseBody })
      else if (d.kind === 'client') events.push({ t: d.t, client: ids.apply(d.payload) as JsonObject })
      else events.push({ t: d.t, server: ids.apply(d.payload) as JsonObject })
    }
    flushGroup()
    const out: RecordedSession = { model: session.model, events }
    if (session.refused) out.refused = { status: session.refused.status, body: scrub.text(session.refused.body) }
    return out
  })

  return {
    version: RECORDING_FORMAT_VERSION,
    ...(options.test !== undefined ? { test: options.test } : {}),
    sessions,
    audio: Buffer.concat(audioParts, audioBytes),
  }
}

type RecordedCloseBody = { by: 'client' | 'server'; code: number; reason: string }

/**
 * Renumbers ids by their prefix, in order of first appearance: `item_CDi8x…` → `item_001`, `resp_…` → `resp_001`.
 * Values without a `prefix_` become `id_001` when at least 8 characters long; short ones ("root") are kept.
 */
class IdRenumbering {
  readonly #map = new Map<string, string>()
  readonly #counters = new Map<string, number>()
  #pattern: RegExp | null | undefined

  collect(value: unknown): void {
    if (Array.isArray(value)) {
      for (const v of value) this.collect(v)
      return
    }
    if (!isObject(value) || isAudioSliceRef(value) || isAudioDigestRef(value)) return
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && isIdKey(k)) this.#assign(v)
      else this.collect(v)
    }
  }

  #assign(id: string): void {
    if (this.#map.has(id)) return
    const m = /^([A-Za-z][A-Za-z0-9]*)_./.exec(id)
    const prefix = m ? m[1]! : id.length >= 8 ? 'id' : null
    if (prefix === null) return
    const n = (this.#counters.get(prefix) ?? 0) + 1
    this.#counters.set(prefix, n)
    this.#map.set(id, `${prefix}_${String(n).padStart(3, '0')}`)
  }

  apply(value: unknown, key = ''): unknown {
    if (typeof value === 'string') {
      if (isIdKey(key)) return this.#map.get(value) ?? value
      return this.#inText(value)
    }
    if (Array.isArray(value)) return value.map((v) => this.apply(v))
    if (!isObject(value) || isAudioSliceRef(value) || isAudioDigestRef(value)) return value
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(value)) setOwn(out, k, this.apply(v, k))
    return out
  }

  /** Ids quoted in text (an error message naming an item) get the same new name. */
  #inText(text: string): string {
    if (this.#pattern === undefined) {
      const long = [...this.#map.keys()].filter((id) => id.length >= 8).sort((a, b) => b.length - a.length)
      this.#pattern = long.length ? new RegExp(long.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : null
    }
    return this.#pattern ? text.replace(this.#pattern, (id) => this.#map.get(id) ?? id) : text
  }
}

// ---- "nothing changed": when a re-recording may leave the files alone -----------------------------------------------

/** Fields whose values differ between runs without the conversation changing (`audio_end_ms`: how much audio the client had when it interrupted). */
const VOLATILE_KEYS = new Set(['expires_at', 'created_at', 'remaining', 'reset_seconds', 'usage', 'audio_end_ms'])
/**
 * Timing differences up to this many ms, or this fraction of the recorded gap, count as noise: a live endpoint's
 * latency varies by that much from run to run, and the test's assertions already held against the new timings
 * when it was re-recorded. A bigger change (a latency that doubled) is written.
 */
export const TIMING_TOLERANCE_MS = 250
export const TIMING_TOLERANCE_RATIO = 0.5

/**
 * True when `next` records the same conversation as `previous`, so a re-recording may keep the committed files byte
 * for byte: the same client events and the same server events, in order, with the same payloads (volatile fields
 * aside), the same agent audio, and each server event's time since the connection opened within 250 ms or 50 %.
 *
 * Two things depend on how fast the test ran rather than on the conversation, and are not differences: where an
 * event nobody waits for (`rate_limits.updated`) falls between client events, and how much of what the server sent
 * after the test's last client event (and the close) arrived before the test ended: those tails are compared only
 * as far as both go.
 */
export function sameConversation(previous: SessionRecording, next: SessionRecording): boolean {
  if (previous.test !== next.test || previous.sessions.length !== next.sessions.length) return false
  if (!previous.audio.equals(next.audio)) return false
  // The judge's and the transcriber's exchanges: what was asked and what was answered, exactly.
  if (JSON.stringify(previous.http ?? []) !== JSON.stringify(next.http ?? [])) return false
  return previous.sessions.every((a, s) => {
    const b = next.sessions[s]!
    if (a.model !== b.model || JSON.stringify(a.refused ?? null) !== JSON.stringify(b.refused ?? null)) return false
    const sa = split(a.events)
    const sb = split(b.events)
    if (sa.clients.length !== sb.clients.length || !sa.clients.every((c, i) => equalIgnoring(c, sb.clients[i], VOLATILE_KEYS))) return false
    // Server events in order, timed from the connection start. Which client event a server event happened to
    // follow is timing, not content: on a loaded machine a late event can land after the client's next one.
    // Everything up to the last client event must be in both; after it (closing events) the common part counts.
    const common = Math.min(sa.servers.length, sb.servers.length)
    if (common < Math.max(sa.beforeLastClient, sb.beforeLastClient)) return false
    for (let i = 0; i < common; i++) {
      const x = sa.servers[i]!
      const y = sb.servers[i]!
      if (!equalIgnoring(x.payload, y.payload, VOLATILE_KEYS)) return false
      if (Math.abs(x.t - y.t) > Math.max(TIMING_TOLERANCE_MS, TIMING_TOLERANCE_RATIO * Math.max(x.t, y.t))) return false
    }
    return true
  })
}

interface TimedPayload {
  payload: JsonObject
  /** ms since the connection opened */
  t: number
}

/** Client payloads, server payloads, and how many server payloads came before the last client event. Closes left out. */
function split(events: RecordedEvent[]): { clients: JsonObject[]; servers: TimedPayload[]; beforeLastClient: number } {
  const clients: JsonObject[] = []
  const servers: TimedPayload[] = []
  let beforeLastClient = 0
  for (const event of events) {
    if ('client' in event) {
      clients.push(event.client)
      beforeLastClient = servers.length
    } else if ('server' in event) servers.push({ payload: event.server, t: event.t })
  }
  return { clients, servers, beforeLastClient }
}

function equalIgnoring(a: unknown, b: unknown, ignore: Set<string>): boolean {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => equalIgnoring(v, b[i], ignore))
  if (!isObject(a) || !isObject(b)) return false
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const k of keys) {
    if (ignore.has(k)) continue
    if (!equalIgnoring(a[k], b[k], ignore)) return false
  }
  return true
}
