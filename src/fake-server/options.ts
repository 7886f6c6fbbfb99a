/** Defaults and validation of `createFakeRealtimeServer` options: fail fast, naming the option. */
import { createHash } from 'node:crypto'
import { InvalidOptionError } from '../errors/index.js'
import { synthesizeSpeech } from '../audio/synthetic-voice.js'
import { recognizeSyntheticSpeech } from '../audio/synthetic-recognition.js'
import { PCM_RATE } from '../protocol/events.js'
import type { FakeJudge, FakeRealtimeServerOptions, FakeReply, FakeReplyContext, FakeReplyFunction, FakeServerFaults } from './types.js'

/** Responses stream at 10× real time unless `paceMs` or `streamSpeed` says otherwise (see `streamSpeed`). */
export const DEFAULT_STREAM_SPEED = 10

export interface ResolvedOptions {
  reply: FakeReplyFunction
  latencyMs: (ctx: FakeReplyContext) => number
  jitterMs: number
  seed: number
  chunkBytes: number
  chunkMs: number
  /** Between deltas: a fixed gap, or a multiple of real time ('realtime' = speed 1). */
  pace: { gapMs: number } | { speed: number }
  perMessageDeflate: boolean
  msPerChar: number
  transcribe: (pcm: Buffer, ctx: { turn: number }) => string | null | Promise<string | null>
  dtmf: boolean
  transcriptionDelayMs: number
  honourCancel: boolean
  legacyEventNames: boolean
  /** sha256 of the expected key: the key itself is never kept. */
  apiKeyDigest: Buffer | undefined
  rejectHandshake: { status: number; body?: string; headers?: Record<string, string> } | undefined
  allowedModels: string[] | undefined
  tls: false | { cert: string; key: string } | true
  faults: FakeServerFaults
  judge: FakeJudge | undefined
  spokenText: ((text: string) => string) | undefined
}

const OPTION_KEYS = new Set<keyof FakeRealtimeServerOptions>([
  'reply',
  'latencyMs',
  'jitterMs',
  'seed',
  'chunkMs',
  'paceMs',
  'streamSpeed',
  'perMessageDeflate',
  'msPerChar',
  'transcribe',
  'transcriptionDelayMs',
  'dtmf',
  'honourCancel',
  'legacyEventNames',
  'apiKey',
  'rejectHandshake',
  'model',
  'tls',
  'faults',
  'judge',
  'spokenText',
])
const FAULT_KEYS = new Set<keyof FakeServerFaults>([
  'closeAfterDeltas',
  'errorOnResponseCreate',
  'responseStatus',
  'malformedFrames',
  'neverAnswer',
  'sessionUpdateDelayMs',
  'http',
])

function fail(name: string, expected: string, got: unknown): never {
  let shown: string
  try {
    shown = typeof got === 'function' ? 'a function' : (JSON.stringify(got) ?? String(got))
  } catch {
    shown = String(got)
  }
  throw new InvalidOptionError(`createFakeRealtimeServer: option '${name}' must be ${expected} (got ${shown})`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function nonNegative(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(name, 'a finite number >= 0', v)
  return v
}

function bool(name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback
  if (typeof v !== 'boolean') fail(name, 'a boolean', v)
  return v
}

function checkKeys(name: string, value: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      const prefix = name ? `${name}.` : ''
      throw new InvalidOptionError(`createFakeRealtimeServer: unknown option '${prefix}${key}' (known: ${[...allowed].join(', ')})`)
    }
  }
}

/** A close code `ws` can send, or 1006 for "destroy without a close frame". */
export function isUsableCloseCode(code: number): boolean {
  if (code === 1006) return true
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005) || (code >= 3000 && code <= 4999)
}

/** How API keys are compared: by digest, so the expected key is never stored. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

export function defaultReplyText(userText: string | null): string {
  return userText ? `You said: ${userText}` : 'Hello.'
}

function checkedReply(name: string, v: unknown): string | FakeReply {
  try {
    normaliseReply(v)
  } catch (err) {
    fail(name, `a string or a FakeReply (${(err as Error).message})`, v)
  }
  return v as string | FakeReply
}

function resolveReply(v: unknown): FakeReplyFunction {
  if (v === undefined) return (ctx) => defaultReplyText(ctx.userText)
  if (typeof v === 'function') return v as FakeReplyFunction
  if (Array.isArray(v)) {
    if (v.length === 0) fail('reply', 'a non-empty array', v)
    const replies = v.map((r, i) => checkedReply(`reply[${i}]`, r))
    return (ctx) => replies[Math.min(ctx.turn, replies.length - 1)]!
  }
  const fixed = checkedReply('reply', v)
  return () => fixed
}

/** Checks what a reply function returned; throws a plain Error (it becomes a failed response, not a crash). */
export function normaliseReply(value: unknown): FakeReply {
  if (typeof value === 'string') return { text: value }
  if (!isObject(value)) throw new Error(`reply must return a string or a FakeReply object (got ${value === null ? 'null' : typeof value})`)
  const reply = value as FakeReply
  if (reply.text !== undefined && typeof reply.text !== 'string') throw new Error('FakeReply.text must be a string')
  if (reply.audio !== undefined && !Buffer.isBuffer(reply.audio)) throw new Error('FakeReply.audio must be a Buffer of PCM16 bytes')
  if (reply.status !== undefined && !['completed', 'failed', 'incomplete'].includes(reply.status)) {
    throw new Error(`FakeReply.status must be 'completed', 'failed' or 'incomplete' (got ${String(reply.status)})`)
  }
  if (reply.followUp !== undefined) {
    if (typeof reply.followUp !== 'function') normaliseReply(reply.followUp)
    if (!reply.toolCalls?.length) throw new Error('FakeReply.followUp answers tool calls: give toolCalls too')
  }
  if (reply.toolCalls !== undefined) {
    if (!Array.isArray(reply.toolCalls)) throw new Error('FakeReply.toolCalls must be an array')
    for (const call of reply.toolCalls) {
      if (!isObject(call) || typeof call.name !== 'string' || call.name === '') throw new Error('every FakeReply.toolCalls entry needs a name')
      if (typeof call.arguments !== 'string' && !isObject(call.arguments) && !Array.isArray(call.arguments)) {
        throw new Error(`FakeReply.toolCalls[].arguments of '${call.name}' must be a JSON string or an object`)
      }
    }
  }
  return reply
}

function resolveFaults(v: unknown): FakeServerFaults {
  if (v === undefined) return {}
  if (!isObject(v)) fail('faults', 'an object', v)
  checkKeys('faults', v, FAULT_KEYS as Set<string>)
  const faults = v as FakeServerFaults
  const cad = faults.closeAfterDeltas
  if (cad !== undefined) {
    if (!isObject(cad)) fail('faults.closeAfterDeltas', 'an object { count, code?, reason? }', cad)
    if (!Number.isInteger(cad.count) || cad.count < 0) fail('faults.closeAfterDeltas.count', 'an integer >= 0', cad.count)
    if (cad.code !== undefined && (!Number.isInteger(cad.code) || !isUsableCloseCode(cad.code))) {
      fail('faults.closeAfterDeltas.code', '1006 or a close code a server may send (1000-1003, 1007-1014, 3000-4999)', cad.code)
    }
    if (cad.reason !== undefined && (typeof cad.reason !== 'string' || Buffer.byteLength(cad.reason) > 123)) {
      fail('faults.closeAfterDeltas.reason', 'a string of at most 123 bytes', cad.reason)
    }
  }
  const err = faults.errorOnResponseCreate
  if (err !== undefined) {
    if (!isObject(err) || typeof err.type !== 'string' || typeof err.message !== 'string') {
      fail('faults.errorOnResponseCreate', 'an object { type: string, code?: string | null, message: string }', err)
    }
    if (err.code !== undefined && err.code !== null && typeof err.code !== 'string') fail('faults.errorOnResponseCreate.code', 'a string or null', err.code)
  }
  if (faults.responseStatus !== undefined && faults.responseStatus !== 'failed' && faults.responseStatus !== 'incomplete') {
    fail('faults.responseStatus', "'failed' or 'incomplete'", faults.responseStatus)
  }
  bool('faults.malformedFrames', faults.malformedFrames, false)
  bool('faults.neverAnswer', faults.neverAnswer, false)
  nonNegative('faults.sessionUpdateDelayMs', faults.sessionUpdateDelayMs, 0)
  const http = faults.http
  if (http !== undefined) {
    if (!isObject(http)) fail('faults.http', 'an object { status?, delayMs?, malformed?, endpoint? }', http)
    checkKeys('faults.http', http, new Set(['status', 'delayMs', 'malformed', 'endpoint']))
    if (http.status !== undefined && (typeof http.status !== 'number' || !Number.isInteger(http.status) || http.status < 400 || http.status > 599)) {
      fail('faults.http.status', 'an HTTP error status from 400 to 599', http.status)
    }
    nonNegative('faults.http.delayMs', http.delayMs, 0)
    bool('faults.http.malformed', http.malformed, false)
    if (http.endpoint !== undefined && http.endpoint !== 'responses' && http.endpoint !== 'audio/transcriptions') {
      fail('faults.http.endpoint', "'responses' or 'audio/transcriptions'", http.endpoint)
    }
  }
  return { ...faults }
}

export function resolveOptions(input: FakeRealtimeServerOptions | undefined): ResolvedOptions {
  if (input === undefined) input = {}
  if (!isObject(input)) fail('options', 'an object', input)
  checkKeys('', input as Record<string, unknown>, OPTION_KEYS as Set<string>)
  const o = input as FakeRealtimeServerOptions

  let latencyMs: ResolvedOptions['latencyMs']
  if (typeof o.latencyMs === 'function') {
    const fn = o.latencyMs
    latencyMs = (ctx) => {
      const ms = fn(ctx)
      return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0
    }
  } else {
    const fixed = nonNegative('latencyMs', o.latencyMs, 0)
    latencyMs = () => fixed
  }

  const chunkMs = o.chunkMs === undefined ? 100 : o.chunkMs
  if (typeof chunkMs !== 'number' || !Number.isFinite(chunkMs) || chunkMs <= 0) fail('chunkMs', 'a number > 0', chunkMs)
  const chunkSamples = Math.max(1, Math.round((chunkMs * PCM_RATE) / 1000))

  if (o.paceMs !== undefined && o.streamSpeed !== undefined) {
    throw new InvalidOptionError("createFakeRealtimeServer: options 'paceMs' and 'streamSpeed' both set the stream rate; give one of them")
  }
  let pace: ResolvedOptions['pace'] = { speed: DEFAULT_STREAM_SPEED }
  if (o.paceMs === 'realtime') pace = { speed: 1 }
  else if (o.paceMs !== undefined) pace = { gapMs: nonNegative('paceMs', o.paceMs, 0) }
  else if (o.streamSpeed !== undefined) {
    if (typeof o.streamSpeed !== 'number' || !Number.isFinite(o.streamSpeed) || o.streamSpeed <= 0) {
      fail('streamSpeed', 'a finite number > 0 (a multiple of real time)', o.streamSpeed)
    }
    pace = { speed: o.streamSpeed }
  }

  const msPerChar = o.msPerChar === undefined ? 40 : o.msPerChar
  try {
    synthesizeSpeech('', { msPerChar })
  } catch {
    fail('msPerChar', 'a number >= 2.5 (ms per character of the synthetic voice)', msPerChar)
  }

  if (o.transcribe !== undefined && typeof o.transcribe !== 'function') fail('transcribe', 'a function', o.transcribe)
  const transcribe: ResolvedOptions['transcribe'] = o.transcribe ?? ((pcm) => recognizeSyntheticSpeech(pcm, { msPerChar }))
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isFinite(o.seed))) fail('seed', 'a finite number', o.seed)
  const seed: number = o.seed ?? 1
  if (o.apiKey !== undefined && (typeof o.apiKey !== 'string' || o.apiKey === '')) fail('apiKey', 'a non-empty string', '[redacted]')

  const rh = o.rejectHandshake as ResolvedOptions['rejectHandshake']
  if (rh !== undefined) {
    if (!isObject(rh)) fail('rejectHandshake', 'an object { status, body?, headers? }', rh)
    if (typeof rh.status !== 'number' || !Number.isInteger(rh.status) || rh.status < 200 || rh.status > 599) {
      fail('rejectHandshake.status', 'an HTTP status from 200 to 599', rh.status)
    }
    if (rh.body !== undefined && typeof rh.body !== 'string') fail('rejectHandshake.body', 'a string', rh.body)
    if (rh.headers !== undefined && (!isObject(rh.headers) || !Object.values(rh.headers).every((h) => typeof h === 'string'))) {
      fail('rejectHandshake.headers', 'an object of string header values', rh.headers)
    }
  }

  let allowedModels: string[] | undefined
  if (o.model !== undefined) {
    if (!isObject(o.model)) fail('model', 'an object { allowed?: string[] }', o.model)
    checkKeys('model', o.model as Record<string, unknown>, new Set(['allowed']))
    if (o.model.allowed !== undefined) {
      if (!Array.isArray(o.model.allowed) || !o.model.allowed.every((m) => typeof m === 'string')) {
        fail('model.allowed', 'an array of model names', o.model.allowed)
      }
      allowedModels = [...o.model.allowed]
    }
  }

  let tls: ResolvedOptions['tls'] = false
  if (o.tls === true) tls = true
  else if (o.tls !== undefined && o.tls !== false) {
    if (!isObject(o.tls) || typeof o.tls.cert !== 'string' || typeof o.tls.key !== 'string') {
      fail('tls', 'a boolean or { cert: string; key: string } (PEM)', isObject(o.tls) ? { cert: typeof o.tls.cert, key: '[redacted]' } : o.tls)
    }
    tls = { cert: o.tls.cert, key: o.tls.key }
  }

  return {
    reply: resolveReply(o.reply),
    latencyMs,
    jitterMs: nonNegative('jitterMs', o.jitterMs, 0),
    seed,
    chunkBytes: chunkSamples * 2,
    chunkMs: (chunkSamples * 1000) / PCM_RATE,
    pace,
    perMessageDeflate: bool('perMessageDeflate', o.perMessageDeflate, false),
    msPerChar,
    transcribe,
    dtmf: bool('dtmf', o.dtmf, true),
    transcriptionDelayMs: nonNegative('transcriptionDelayMs', o.transcriptionDelayMs, 0),
    honourCancel: bool('honourCancel', o.honourCancel, true),
    legacyEventNames: bool('legacyEventNames', o.legacyEventNames, false),
    apiKeyDigest: o.apiKey === undefined ? undefined : keyDigest(o.apiKey),
    rejectHandshake: rh ? { ...rh } : undefined,
    allowedModels,
    tls,
    faults: resolveFaults(o.faults),
    judge:
      o.judge === undefined ? undefined : typeof o.judge === 'function' ? o.judge : fail('judge', 'a function ({ criteria, transcript }) => verdict', o.judge),
    spokenText:
      o.spokenText === undefined
        ? undefined
        : typeof o.spokenText === 'function'
          ? o.spokenText
          : fail('spokenText', 'a function (text) => what the voice says', o.spokenText),
  }
}
