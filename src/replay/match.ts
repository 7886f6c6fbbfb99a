/**
 * Replay matching: is what the test sends now what it sent when the recording was made? And if not, a message
 * that names the first differing event, shows both versions and says how to re-record.
 */
import { ExpectVoiceError } from '../errors/index.js'
import { audioSeconds, isAudioDigestRef, isObject, type JsonObject, type RecordedEvent, type RecordedSession } from './cassette.js'
import { own } from '../loopback/frames.js'
import { isIdKey } from './normalize.js'

/** Client fields whose value depends on timing, not on what the test does: any value is accepted. */
export const TIMING_DEPENDENT_FIELDS: ReadonlySet<string> = new Set(['audio_end_ms'])

export interface Difference {
  /** Where in the event, e.g. `item.content[0].text`. */
  path: string
  recorded: unknown
  actual: unknown
}

/** Recorded id → the id the client uses now (the same, unless the client makes up its own ids). */
export type IdBindings = Map<string, string>

/**
 * The differences between a recorded client event and the one sent now (already normalised: audio as digests,
 * strings scrubbed). Ids are matched through `bindings`: an id first seen here is bound to the value sent now;
 * bindings are only kept when the event matches. Client `event_id`s are free. At most `limit` differences.
 */
export function compareClientEvent(recorded: JsonObject, actual: JsonObject, bindings: IdBindings, limit = 8): Difference[] {
  const diffs: Difference[] = []
  const tentative = new Map<string, string>()
  const boundTo = (id: string) => tentative.get(id) ?? bindings.get(id)
  const walk = (rec: unknown, act: unknown, path: string, key: string): void => {
    if (diffs.length >= limit) return
    if (key === 'event_id') {
      if (typeof rec === 'string' && typeof act === 'string' && boundTo(rec) === undefined) tentative.set(rec, act)
      return
    }
    if (TIMING_DEPENDENT_FIELDS.has(key) && typeof rec === 'number' && typeof act === 'number') return
    if (isIdKey(key) && typeof rec === 'string' && typeof act === 'string') {
      const bound = boundTo(rec)
      if (bound === undefined) tentative.set(rec, act)
      else if (bound !== act) diffs.push({ path, recorded: rec === bound ? rec : `${rec} (= ${bound} in this run)`, actual: act })
      return
    }
    if (isAudioDigestRef(rec) && isAudioDigestRef(act)) {
      if (rec.$sha256 !== act.$sha256 || rec.bytes !== act.bytes) diffs.push({ path, recorded: rec, actual: act })
      return
    }
    if (Array.isArray(rec) && Array.isArray(act)) {
      if (rec.length !== act.length) diffs.push({ path: `${path}.length`, recorded: rec.length, actual: act.length })
      for (let i = 0; i < Math.min(rec.length, act.length); i++) walk(rec[i], act[i], `${path}[${i}]`, '')
      return
    }
    if (isObject(rec) && isObject(act)) {
      for (const k of new Set([...Object.keys(rec), ...Object.keys(act)])) {
        walk(own(rec, k), own(act, k), path ? `${path}.${k}` : k, k)
      }
      return
    }
    if (rec !== act) diffs.push({ path: path || '(event)', recorded: rec, actual: act })
  }
  walk(recorded, actual, '', '')
  if (diffs.length === 0) for (const [k, v] of tentative) bindings.set(k, v)
  return diffs
}

export type MismatchKind =
  /** The test sent a different event than the recorded one at this point. */
  | 'different'
  /** The test sent an event where the recording has none (or has the client closing). */
  | 'extra'
  /** The test ended before sending every recorded event (or opened fewer connections). */
  | 'missing'
  /** The replay server failed on what the test sent (a bug in expect-voice); the message names the error. */
  | 'internal'

/** Replay found that the test does something else than when it was recorded. The message is the diff. */
export class ReplayMismatchError extends ExpectVoiceError {
  override name = 'ReplayMismatchError'
  constructor(
    message: string,
    readonly kind: MismatchKind,
    /** 1-based connection number; 0 for an HTTP request (the judge's, the transcriber's). */
    readonly session: number,
    /** Index of the recorded event in that session's `events` (null when there is none). */
    readonly eventIndex: number | null,
    readonly differences: readonly Difference[],
  ) {
    super(message)
  }
}

/** The `error.code` the replay server sends to the client when it finds a mismatch. */
export const MISMATCH_ERROR_CODE = 'expect_voice_replay_mismatch'

export interface MismatchContext {
  session: RecordedSession
  /** 1-based */
  sessionNo: number
  sessionCount: number
  /** Path of the recording, shown in the message. */
  source?: string
  /** A command that re-records the test. */
  rerecord?: string
}

const HEAD = 'expect-voice replay: the test no longer does what it did when it was recorded.'

function eventType(payload: unknown): string {
  if (isObject(payload)) {
    if (typeof payload.type === 'string') return payload.type
    if ('$raw' in payload) return 'a non-JSON text frame'
    if ('$binary' in payload) return 'a binary frame'
  }
  return 'an event'
}

function ordinalOf(session: RecordedSession, index: number): number {
  let n = 0
  for (let i = 0; i <= index && i < session.events.length; i++) if ('client' in session.events[i]!) n++
  return n
}

function where(ctx: MismatchContext, index: number | null): string {
  const conn = ctx.sessionCount > 1 ? ` of connection ${ctx.sessionNo}` : ''
  if (index === null) return conn ? `connection ${ctx.sessionNo}` : 'the connection'
  const event = ctx.session.events[index]!
  const line = ctx.session.lines?.[index]
  const at = `recorded at ${(event.t / 1000).toFixed(2)} s${line ? `, line ${line}` : ''}`
  if ('client' in event) return `client event #${ordinalOf(ctx.session, index)}${conn}, ${eventType(event.client)} (${at})`
  if ('close' in event) return `the point where the client closed the connection${conn} (${at})`
  return `event ${index + 1}${conn} (${at})`
}

/** Short one-line JSON of an event for messages; digests shortened, long strings cut. */
export function showEvent(payload: unknown, max = 400): string {
  const text = JSON.stringify(payload, (_k, v: unknown) => {
    if (isAudioDigestRef(v)) return `<${audioSeconds(v.bytes)} of audio, sha256 ${v.$sha256.slice(0, 12)}…>`
    if (typeof v === 'string' && v.length > 200) return `${v.slice(0, 200)}…`
    return v
  })
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function showValue(value: unknown): string {
  if (value === undefined) return '(absent)'
  if (isAudioDigestRef(value)) return `${audioSeconds(value.bytes)} of audio (sha256 ${value.$sha256.slice(0, 12)}…)`
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

function tail(ctx: MismatchContext): string {
  const lines = ['']
  if (ctx.source) lines.push(`Recording: ${ctx.source}`)
  lines.push(
    ctx.rerecord
      ? `If the change is intended, re-record this test (it then talks to the live endpoint, so it needs OPENAI_API_KEY or a url):\n  ${ctx.rerecord}`
      : 'If the change is intended, re-record the test: EXPECT_VOICE_UPDATE=1 (needs OPENAI_API_KEY or a url).',
  )
  return lines.join('\n')
}

/**
 * The test sent `actual` where the recording has `index` (a client event, a close, or nothing). `note` says how
 * `actual` was read when that explains the difference (a frame cut at the depth bound).
 */
export function mismatchError(ctx: MismatchContext, index: number, actual: JsonObject, differences: Difference[], note?: string): ReplayMismatchError {
  const recorded = ctx.session.events[index]
  if (!recorded || 'close' in recorded) {
    const what = recorded ? where(ctx, index) : `the end of the recording${ctx.sessionCount > 1 ? ` of connection ${ctx.sessionNo}` : ''}`
    const message = [
      HEAD,
      '',
      `The test sent ${eventType(actual)} after ${ordinalOf(ctx.session, index)} recorded client events, where the recording has ${what}.`,
      `Sent now:  ${showEvent(actual)}`,
      ...(note ? [`  (${note})`] : []),
      tail(ctx),
    ].join('\n')
    return new ReplayMismatchError(message, 'extra', ctx.sessionNo, recorded ? index : null, [])
  }
  const rec = 'client' in recorded ? recorded.client : 'server' in recorded ? recorded.server : {}
  const lines = [HEAD, '', `First differing event: ${where(ctx, index)}`]
  if (eventType(rec) !== eventType(actual)) {
    lines.push(`  the recording has ${eventType(rec)} here; the test sent ${eventType(actual)}`)
  } else {
    for (const d of differences) lines.push(`  ${d.path}: ${showValue(d.recorded)} → ${showValue(d.actual)}`)
  }
  if (note) lines.push(`  (${note})`)
  lines.push('', `Recorded:  ${showEvent(rec)}`, `Sent now:  ${showEvent(actual)}`, tail(ctx))
  return new ReplayMismatchError(lines.join('\n'), 'different', ctx.sessionNo, index, differences)
}

/** The test sent different audio (or less of it) than the recorded append at `index`. */
export function audioMismatchError(ctx: MismatchContext, index: number, sent: { bytes: number; sha256?: string; followedBy?: string }): ReplayMismatchError {
  const event = ctx.session.events[index] as { client: JsonObject }
  const ref = event.client.audio as { $sha256: string; bytes: number }
  const recorded = `${audioSeconds(ref.bytes)} of audio (sha256 ${ref.$sha256.slice(0, 12)}…)`
  const detail = sent.followedBy
    ? `the test sent ${audioSeconds(sent.bytes)} of audio, then ${sent.followedBy}; the recording has ${recorded} at this point`
    : `the test sent different audio: ${audioSeconds(sent.bytes)} (sha256 ${sent.sha256!.slice(0, 12)}…) where the recording has ${recorded}`
  const difference: Difference = { path: 'audio', recorded: ref, actual: { $sha256: sent.sha256 ?? '', bytes: sent.bytes } }
  return new ReplayMismatchError(
    [HEAD, '', `First differing event: ${where(ctx, index)}`, `  ${detail}`, tail(ctx)].join('\n'),
    'different',
    ctx.sessionNo,
    index,
    [difference],
  )
}

/** The replay server threw while handling what the test sent as client event `index` (or a frame after it). */
export function internalError(ctx: MismatchContext, index: number, err: unknown): ReplayMismatchError {
  const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  const at = index < ctx.session.events.length ? where(ctx, index) : 'the end of the recording'
  const lines = [
    'expect-voice replay: the replay server failed on what the test sent (a bug in expect-voice; please report it).',
    '',
    `At: ${at}`,
    `Error: ${cause}`,
    ...(ctx.source ? ['', `Recording: ${ctx.source}`] : []),
  ]
  return new ReplayMismatchError(lines.join('\n'), 'internal', ctx.sessionNo, index < ctx.session.events.length ? index : null, [])
}

/** The test ended (or closed) before sending the recorded event at `index`. */
export function missingError(ctx: MismatchContext, index: number | null, sentAudio?: number): ReplayMismatchError {
  const lines = [HEAD, '']
  if (index === null) {
    lines.push(`The recording has ${ctx.sessionCount} connection${ctx.sessionCount === 1 ? '' : 's'}; the test opened only ${ctx.sessionNo - 1}.`)
  } else {
    const event = ctx.session.events[index] as RecordedEvent
    const payload = 'client' in event ? event.client : {}
    lines.push(`The test ended before sending ${where(ctx, index)}.`)
    if (sentAudio !== undefined) lines.push(`  It sent only ${audioSeconds(sentAudio)} of that audio.`)
    lines.push(`Recorded:  ${showEvent(payload)}`)
  }
  lines.push(tail(ctx))
  return new ReplayMismatchError(lines.join('\n'), 'missing', ctx.sessionNo, index, [])
}
