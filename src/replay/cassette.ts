/**
 * The session-recording format: what a recorded realtime conversation looks like on disk, and how it is read
 * and written.
 *
 * A recording is two files beside the test file (as `__snapshots__` are):
 *
 *   __recordings__/<test file>/<test name>.voice.json   events, one per line, with `t` = ms since the connection opened
 *   __recordings__/<test file>/<test name>.voice.wav    the agent's audio, every `$audio` reference points into it
 *
 * The JSON holds every WebSocket frame in the order the recording proxy saw it (`client` = sent by the test,
 * `server` = sent by the realtime endpoint, `close` = who closed and how). Ids are renumbered (`item_001`), secrets
 * and key-looking strings are scrubbed, agent audio lives in the WAV, and the test's own audio is kept only as a
 * sha256 digest (it is in the test's fixtures already; replay only needs to know whether it changed).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { ExpectVoiceError, InvalidOptionError } from '../errors/index.js'
import { PCM_RATE } from '../protocol/events.js'
import { boundDepth, setOwn } from '../loopback/frames.js'

export const RECORDING_FORMAT_VERSION = 1
export const RECORDING_EXTENSION = '.voice.json'
export const AUDIO_EXTENSION = '.voice.wav'
export const DEFAULT_RECORDINGS_DIR = '__recordings__'

export type JsonObject = Record<string, unknown>

/** A frame the test sent. Audio is `{ $sha256, bytes, chunks? }`; consecutive appends are one entry. */
export interface RecordedClientEvent {
  t: number
  client: JsonObject
}
/** A frame the endpoint sent. Audio is `{ $audio: "<offset>:<length>" }`, a byte range of the WAV's samples. */
export interface RecordedServerEvent {
  t: number
  server: JsonObject
}
/** The connection closed: by whom, with which code and reason. */
export interface RecordedClose {
  t: number
  close: { by: 'client' | 'server'; code: number; reason: string }
}
export type RecordedEvent = RecordedClientEvent | RecordedServerEvent | RecordedClose

/**
 * One HTTP request beside the realtime connection (the judge's `POST /v1/responses`, the transcriber's `POST
 * /v1/audio/transcriptions`) and its answer. JSON bodies are kept as JSON; an uploaded file as
 * `{ $sha256, bytes, filename, contentType }`; a body that is not JSON as `{ $text }`. Secrets are scrubbed.
 */
export interface RecordedHttpExchange {
  request: { method: string; path: string; body: JsonObject }
  /**
   * The answer the client got; `{ aborted: true }` when none reached it (it gave up first, e.g. on its `timeout`,
   * or the test ended while it waited): replay then answers nothing, so the client gives up the same way.
   */
  response: { status: number; body: unknown; aborted?: never } | { aborted: true; status?: never; body?: never }
}

/** One WebSocket connection. */
export interface RecordedSession {
  /** The `?model=` the client asked for, or null. */
  model: string | null
  /** The endpoint refused the upgrade with this HTTP response (then there are no events). */
  refused?: { status: number; body: string }
  events: RecordedEvent[]
  /** Line of each event in the file it was read from (1-based), for messages. Not written. */
  lines?: number[]
}

/** A recorded test: its connections (usually one) and the agent audio they refer to. */
export interface SessionRecording {
  version: typeof RECORDING_FORMAT_VERSION
  /** The test's full name, as the runner reports it. */
  test?: string
  sessions: RecordedSession[]
  /** The judge's and the transcriber's HTTP requests, in the order they were made (absent: none). */
  http?: RecordedHttpExchange[]
  /** Agent audio (PCM16, 24 kHz, mono, as received); `$audio` references are byte ranges of it. */
  audio: Buffer
}

export interface RecordingPaths {
  /** The folder of this test file's recordings. */
  dir: string
  json: string
  wav: string
}

const MAX_NAME = 100

/** A file name (no extension) for a test: letters, digits, `.`, `_`, `-`; long names end with a hash of the full name. */
export function recordingFileName(testName: string): string {
  const clean = testName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+>\s+/g, '--')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
  const hash = () => createHash('sha1').update(testName).digest('hex').slice(0, 8)
  if (clean === '') return `test-${hash()}`
  if (clean.length <= MAX_NAME) return clean
  return `${clean.slice(0, MAX_NAME - 9).replace(/[-.]+$/, '')}-${hash()}`
}

/**
 * Where a test's recording lives: `<dir>/<test file name>/<test name>.voice.json` (+ `.voice.wav`). `dir` defaults to
 * `__recordings__` beside the test file; a relative `dir` is taken from the test file's folder. `name` replaces the
 * test name (e.g. to share one recording between tests, or to keep one when renaming a test).
 */
export function recordingPaths(options: { testFile: string; testName: string; dir?: string; name?: string }): RecordingPaths {
  const { testFile, testName } = options
  if (typeof testFile !== 'string' || testFile === '') throw new InvalidOptionError('recordingPaths: "testFile" must be a path')
  const base = options.dir === undefined ? DEFAULT_RECORDINGS_DIR : options.dir
  if (typeof base !== 'string' || base.trim() === '')
    throw new InvalidOptionError(`option "recordingsDir" must be a non-empty path, got ${JSON.stringify(options.dir)}`)
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.trim() === '')) {
    throw new InvalidOptionError(`option "recordingName" must be a non-empty string, got ${JSON.stringify(options.name)}`)
  }
  const root = isAbsolute(base) ? base : resolve(dirname(testFile), base)
  const dir = join(root, basename(testFile))
  const file = recordingFileName(options.name ?? testName)
  return { dir, json: join(dir, `${file}${RECORDING_EXTENSION}`), wav: join(dir, `${file}${AUDIO_EXTENSION}`) }
}

// ---- audio references ------------------------------------------------------------------------------------------

export interface AudioSlice {
  offset: number
  length: number
}

export function isAudioSliceRef(value: unknown): value is { $audio: string } {
  return typeof value === 'object' && value !== null && typeof (value as { $audio?: unknown }).$audio === 'string'
}

export function isAudioDigestRef(value: unknown): value is { $sha256: string; bytes: number; chunks?: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $sha256?: unknown }).$sha256 === 'string' &&
    typeof (value as { bytes?: unknown }).bytes === 'number'
  )
}

export function audioSliceRef(offset: number, length: number): { $audio: string } {
  return { $audio: `${offset}:${length}` }
}

/** Parses `"<offset>:<length>"` (in memory) or `"<file>#<offset>:<length>"` (on disk). */
export function parseAudioSlice(ref: string): AudioSlice | null {
  const m = /^(?:[^#]*#)?(\d+):(\d+)$/.exec(ref)
  if (!m) return null
  return { offset: Number(m[1]), length: Number(m[2]) }
}

// ---- writing ---------------------------------------------------------------------------------------------------

const HEADER_NOTE =
  'expect-voice session recording. t = ms since the connection opened; agent audio is in the .voice.wav beside this file. ' +
  'Re-record with EXPECT_VOICE_UPDATE=1 (see the expect-voice README, "Record and replay").'

/** The JSON text of a recording: a small header, then one event per line (so a pull request diff reads per event). */
export function serializeRecording(recording: SessionRecording, audioFile: string): string {
  const withFile = (value: unknown): unknown => mapAudioRefs(value, (ref) => ({ $audio: `${audioFile}#${ref.$audio}` }))
  const lines: string[] = ['{', `  "expectVoiceRecording": ${RECORDING_FORMAT_VERSION},`, `  "note": ${JSON.stringify(HEADER_NOTE)},`]
  if (recording.test !== undefined) lines.push(`  "test": ${JSON.stringify(recording.test)},`)
  if (recording.audio.length > 0) {
    lines.push(
      `  "audio": ${JSON.stringify({ file: audioFile, format: 'pcm16', sampleRate: PCM_RATE, channels: 1, bytes: recording.audio.length, sha256: sha256(recording.audio) })},`,
    )
  }
  lines.push('  "sessions": [')
  recording.sessions.forEach((session, s) => {
    lines.push('    {')
    lines.push(`      "model": ${JSON.stringify(session.model)},`)
    if (session.refused) lines.push(`      "refused": ${JSON.stringify(session.refused)},`)
    if (session.events.length === 0) lines.push('      "events": []')
    else {
      lines.push('      "events": [')
      session.events.forEach((event, i) => {
        lines.push(`        ${JSON.stringify(withFile(event))}${i < session.events.length - 1 ? ',' : ''}`)
      })
      lines.push('      ]')
    }
    lines.push(`    }${s < recording.sessions.length - 1 ? ',' : ''}`)
  })
  const http = recording.http ?? []
  if (http.length === 0) lines.push('  ]', '}', '')
  else {
    lines.push('  ],', '  "http": [')
    http.forEach((exchange, i) => {
      lines.push(`    ${JSON.stringify(exchange)}${i < http.length - 1 ? ',' : ''}`)
    })
    lines.push('  ]', '}', '')
  }
  return lines.join('\n')
}

/** A canonical PCM16 mono 24 kHz WAV (44-byte header) holding `pcm` byte for byte (odd lengths get the RIFF pad byte). */
export function encodeRecordingWav(pcm: Buffer): Buffer {
  const pad = pcm.length % 2
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + pcm.length + pad, 4)
  header.write('WAVE', 8, 'ascii')
  header.write('fmt ', 12, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(PCM_RATE, 24)
  header.writeUInt32LE(PCM_RATE * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(pcm.length, 40)
  return Buffer.concat([header, pcm, Buffer.alloc(pad)])
}

/** The exact bytes of a WAV's data chunk (no conversion: replay must hand out what was received). */
export function decodeRecordingWav(wav: Buffer, where: string): Buffer {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    throw new ExpectVoiceError(`${where}: not a WAV file`)
  }
  let pos = 12
  while (pos + 8 <= wav.length) {
    const id = wav.toString('ascii', pos, pos + 4)
    const size = wav.readUInt32LE(pos + 4)
    if (id === 'data') {
      if (pos + 8 + size > wav.length) throw new ExpectVoiceError(`${where}: truncated (the data chunk declares ${size} bytes)`)
      return Buffer.from(wav.subarray(pos + 8, pos + 8 + size))
    }
    pos += 8 + size + (size % 2)
  }
  throw new ExpectVoiceError(`${where}: no data chunk`)
}

export interface WriteRecordingResult {
  /** false when an equivalent recording was already there and the files were left untouched. */
  written: boolean
  json: string
  wav: string | null
}

/**
 * Writes the recording's JSON and WAV (atomically: a temporary file then a rename). A stale WAV is removed when the
 * new recording has no audio.
 */
export async function writeSessionRecording(paths: { json: string; wav: string }, recording: SessionRecording): Promise<WriteRecordingResult> {
  await mkdir(dirname(paths.json), { recursive: true })
  const text = serializeRecording(recording, basename(paths.wav))
  if (recording.audio.length > 0) await writeAtomic(paths.wav, encodeRecordingWav(recording.audio))
  else await rm(paths.wav, { force: true })
  await writeAtomic(paths.json, text)
  return { written: true, json: paths.json, wav: recording.audio.length > 0 ? paths.wav : null }
}

async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    await writeFile(tmp, data)
    await rename(tmp, path)
  } finally {
    await rm(tmp, { force: true })
  }
}

// ---- reading ---------------------------------------------------------------------------------------------------

/** Reads a recording (and its WAV), checking its shape; errors name the file and what is wrong. */
export async function readSessionRecording(jsonPath: string): Promise<SessionRecording> {
  const text = await readFile(jsonPath, 'utf8')
  const recording = parseRecording(text, jsonPath)
  const header = JSON.parse(text) as { audio?: { file?: unknown; bytes?: unknown; sha256?: unknown } }
  if (header.audio) {
    const file = typeof header.audio.file === 'string' ? header.audio.file : ''
    if (!file || file.includes('/') || file.includes('\\')) throw new ExpectVoiceError(`${jsonPath}: "audio.file" must be a file name beside the recording`)
    const wavPath = join(dirname(jsonPath), file)
    let wav: Buffer
    try {
      wav = await readFile(wavPath)
    } catch (err) {
      throw new ExpectVoiceError(`${jsonPath}: its audio file ${wavPath} cannot be read (${(err as Error).message}); re-record the test`, { cause: err })
    }
    recording.audio = decodeRecordingWav(wav, wavPath)
    if (header.audio.bytes !== recording.audio.length || header.audio.sha256 !== sha256(recording.audio)) {
      throw new ExpectVoiceError(`${wavPath} does not hold the audio ${basename(jsonPath)} was recorded with (size or sha256 differs); re-record the test`)
    }
  }
  checkAudioRefs(recording, jsonPath)
  return recording
}

/** Parses the JSON text of a recording (audio not loaded: `audio` is empty). */
export function parseRecording(text: string, where = 'recording'): SessionRecording {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ExpectVoiceError(`${where}: not valid JSON (${(err as Error).message}); a merge conflict? Re-record the test`)
  }
  const bad = (what: string): never => {
    throw new ExpectVoiceError(`${where}: not an expect-voice recording (${what})`)
  }
  if (!isObject(raw)) bad('not an object')
  const obj = raw as JsonObject
  if (obj.expectVoiceRecording !== RECORDING_FORMAT_VERSION) {
    bad(`"expectVoiceRecording" is ${JSON.stringify(obj.expectVoiceRecording)}, this version reads ${RECORDING_FORMAT_VERSION}`)
  }
  if (!Array.isArray(obj.sessions)) bad('no "sessions" array')
  const lineOf = eventLineNumbers(text)
  let eventNo = 0
  const sessions = (obj.sessions as unknown[]).map((s, si): RecordedSession => {
    if (!isObject(s)) bad(`sessions[${si}] is not an object`)
    const session = s as JsonObject
    if (session.model !== null && typeof session.model !== 'string') bad(`sessions[${si}].model`)
    if (!Array.isArray(session.events)) bad(`sessions[${si}].events`)
    const events = (session.events as unknown[]).map((e, ei): RecordedEvent => {
      const path = `sessions[${si}].events[${ei}]`
      if (!isObject(e) || typeof e.t !== 'number' || !Number.isFinite(e.t) || e.t < 0) bad(`${path} has no time "t"`)
      const ev = e as JsonObject
      const kinds = ['client', 'server', 'close'].filter((k) => k in ev)
      if (kinds.length !== 1) bad(`${path} must have exactly one of "client", "server", "close"`)
      if (kinds[0] === 'close') {
        const c = ev.close as JsonObject
        if (!isObject(c) || (c.by !== 'client' && c.by !== 'server') || typeof c.code !== 'number') bad(`${path}.close`)
        return { t: ev.t as number, close: { by: c.by as 'client' | 'server', code: c.code as number, reason: typeof c.reason === 'string' ? c.reason : '' } }
      }
      // Bounded like what replay compares it with: a hand-edited file cannot overflow the replay server's stack.
      const payload = boundDepth(ev[kinds[0]!])
      if (!isObject(payload)) bad(`${path}.${kinds[0]} is not an object`)
      return kinds[0] === 'client' ? { t: ev.t as number, client: payload as JsonObject } : { t: ev.t as number, server: stripAudioFile(payload) as JsonObject }
    })
    const out: RecordedSession = { model: (session.model as string | null) ?? null, events }
    if (session.refused !== undefined) {
      const r = session.refused as JsonObject
      if (!isObject(r) || typeof r.status !== 'number' || typeof r.body !== 'string') bad(`sessions[${si}].refused`)
      out.refused = { status: r.status as number, body: r.body as string }
    }
    out.lines = events.map(() => lineOf[eventNo++] ?? 0)
    return out
  })
  let http: RecordedHttpExchange[] | undefined
  if (obj.http !== undefined) {
    if (!Array.isArray(obj.http)) bad('"http" is not an array')
    http = (obj.http as unknown[]).map((x, i): RecordedHttpExchange => {
      const e = boundDepth(x) as JsonObject
      const req = isObject(e) ? e.request : undefined
      const res = isObject(e) ? e.response : undefined
      if (!isObject(req) || typeof req.method !== 'string' || typeof req.path !== 'string' || !isObject(req.body)) bad(`http[${i}].request`)
      if (!isObject(res)) bad(`http[${i}].response`)
      const request = req as JsonObject
      const response = res as JsonObject
      const recordedRequest = { method: request.method as string, path: request.path as string, body: request.body as JsonObject }
      if (response.aborted !== undefined) {
        if (response.aborted !== true || Object.keys(response).length !== 1) bad(`http[${i}].response: an abandoned exchange is exactly {"aborted":true}`)
        return { request: recordedRequest, response: { aborted: true } }
      }
      const status = response.status
      // What replay sends as the status line: Node refuses anything else (ERR_HTTP_INVALID_STATUS_CODE).
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
        bad(`http[${i}].response.status is ${JSON.stringify(status) ?? 'absent'}, not an HTTP status from 100 to 599`)
      }
      return { request: recordedRequest, response: { status: status as number, body: response.body } }
    })
  }
  return {
    version: RECORDING_FORMAT_VERSION,
    ...(typeof obj.test === 'string' ? { test: obj.test } : {}),
    sessions,
    ...(http ? { http } : {}),
    audio: Buffer.alloc(0),
  }
}

function eventLineNumbers(text: string): number[] {
  const out: number[] = []
  text.split('\n').forEach((line, i) => {
    if (/^\s*\{"t":/.test(line)) out.push(i + 1)
  })
  return out
}

function stripAudioFile(value: unknown): unknown {
  return mapAudioRefs(value, (ref) => {
    const slice = parseAudioSlice(ref.$audio)
    return slice ? audioSliceRef(slice.offset, slice.length) : ref
  })
}

/** Throws an ExpectVoiceError naming the first `$audio` reference that is malformed or outside the recorded audio. */
export function checkAudioRefs(recording: SessionRecording, where: string): void {
  for (const session of recording.sessions) {
    for (const event of session.events) {
      if (!('server' in event)) continue
      mapAudioRefs(event.server, (ref) => {
        const slice = parseAudioSlice(ref.$audio)
        if (!slice || slice.offset + slice.length > recording.audio.length) {
          throw new ExpectVoiceError(`${where}: audio reference ${JSON.stringify(ref.$audio)} is outside the recorded audio (${recording.audio.length} bytes)`)
        }
        return ref
      })
    }
  }
}

// ---- helpers ---------------------------------------------------------------------------------------------------

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A deep copy of `value` with every `{ $audio }` reference replaced by `fn(ref)`. */
export function mapAudioRefs(value: unknown, fn: (ref: { $audio: string }) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapAudioRefs(v, fn))
  if (!isObject(value)) return value
  if (isAudioSliceRef(value)) return fn(value)
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(value)) setOwn(out, k, mapAudioRefs(v, fn))
  return out
}

/** Duration of PCM16 24 kHz bytes, for messages. */
export function audioSeconds(bytes: number): string {
  return `${(bytes / (PCM_RATE * 2)).toFixed(2)} s`
}
