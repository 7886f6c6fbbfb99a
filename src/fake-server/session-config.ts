/**
 * The GA session object: the live defaults (as the live API's `session.created` reports them) and `session.update`
 * merging with the live validation rules. A rejected update is discarded as a whole, as live does.
 */
import { DEFAULT_TRANSCRIPTION_MODEL, DEFAULT_VOICE, PCM_RATE } from '../protocol/events.js'
import { protocolErrors, type ErrorBody } from './protocol-errors.js'
import type { FakeSessionConfig } from './types.js'

type Json = Record<string, unknown>

export const DEFAULT_INSTRUCTIONS =
  "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't a human and that you can't do human things in the real world."

const WRITABLE_SESSION_FIELDS = [
  'type',
  'audio',
  'include',
  'instructions',
  'max_output_tokens',
  'model',
  'output_modalities',
  'parallel_tool_calls',
  'prompt',
  'reasoning',
  'tool_choice',
  'tools',
  'tracing',
  'truncation',
]
const AUDIO_FIELDS = ['input', 'output']
const AUDIO_INPUT_FIELDS = ['format', 'noise_reduction', 'transcription', 'turn_detection']
const AUDIO_OUTPUT_FIELDS = ['format', 'speed', 'voice']
const FORMAT_TYPES = ['audio/pcm', 'audio/pcmu', 'audio/pcma']
const TURN_DETECTION_TYPES = ['server_vad', 'semantic_vad']
const MODALITIES = ['audio', 'text']

export const SERVER_VAD_DEFAULTS = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 200,
  idle_timeout_ms: null,
  create_response: true,
  interrupt_response: true,
}
const SEMANTIC_VAD_DEFAULTS = { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true }

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const clone = <T>(v: T): T => structuredClone(v)

/** The session as `session.created` carries it (gpt-realtime capture, Dec 2025), for a model and session id. */
export function defaultSession(model: string, sessionId: string, nowMs: number): Json {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: sessionId,
    model,
    output_modalities: ['audio'],
    instructions: DEFAULT_INSTRUCTIONS,
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    expires_at: Math.floor(nowMs / 1000) + 3600,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: PCM_RATE },
        transcription: null,
        noise_reduction: null,
        turn_detection: { ...SERVER_VAD_DEFAULTS },
      },
      output: { format: { type: 'audio/pcm', rate: PCM_RATE }, voice: DEFAULT_VOICE, speed: 1.0 },
    },
    include: null,
  }
}

function unknownKeys(obj: Json, allowed: string[], path: string): ErrorBody | null {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) return protocolErrors.unknownParameter(`${path}.${key}`)
  return null
}

function checkFormat(format: unknown, path: string): ErrorBody | null {
  if (!isObject(format)) return protocolErrors.invalidType(path, 'an object', format)
  const extra = unknownKeys(format, ['type', 'rate'], path)
  if (extra) return extra
  if (format.type !== undefined && !FORMAT_TYPES.includes(format.type as string)) {
    return protocolErrors.invalidValue(`${path}.type`, format.type, FORMAT_TYPES)
  }
  if (format.rate !== undefined) {
    if (typeof format.rate !== 'number' || !Number.isInteger(format.rate)) return protocolErrors.invalidType(`${path}.rate`, 'an integer', format.rate)
    if (format.rate < PCM_RATE) return protocolErrors.belowMin(`${path}.rate`, PCM_RATE, format.rate)
    if (format.rate > PCM_RATE) return protocolErrors.aboveMax(`${path}.rate`, PCM_RATE, format.rate)
  }
  if (format.type !== undefined && format.type !== 'audio/pcm') return protocolErrors.unsupportedFormat(`${path}.type`, format.type)
  return null
}

function checkTurnDetection(td: unknown, path: string): ErrorBody | null {
  if (td === null) return null
  if (!isObject(td)) return protocolErrors.invalidType(path, 'an object or null', td)
  if (td.type === undefined) return protocolErrors.missingParameter(`${path}.type`)
  if (!TURN_DETECTION_TYPES.includes(td.type as string)) return protocolErrors.invalidValue(`${path}.type`, td.type, TURN_DETECTION_TYPES)
  const allowed = td.type === 'server_vad' ? Object.keys(SERVER_VAD_DEFAULTS) : Object.keys(SEMANTIC_VAD_DEFAULTS)
  return unknownKeys(td, allowed, path)
}

/** Validates one `session.update` payload against the current session. Returns the new session or an error. */
export function applySessionUpdate(current: Json, update: unknown, opts: { assistantAudioPresent: boolean }): { session: Json } | { error: ErrorBody } {
  if (update === undefined) return { error: protocolErrors.missingParameter('session') }
  if (!isObject(update)) return { error: protocolErrors.invalidType('session', 'an object', update) }
  if (update.type === undefined) return { error: protocolErrors.missingParameter('session.type') }
  if (update.type !== 'realtime') {
    // A realtime session cannot become a transcription one (and the fake serves realtime sessions only).
    return { error: protocolErrors.invalidValue('session.type', update.type, ['realtime']) }
  }
  const extra = unknownKeys(update, WRITABLE_SESSION_FIELDS, 'session')
  if (extra) return { error: extra }

  const next = clone(current)
  const nextAudio = next.audio as { input: Json; output: Json }

  if (update.audio !== undefined) {
    if (!isObject(update.audio)) return { error: protocolErrors.invalidType('session.audio', 'an object', update.audio) }
    const e = unknownKeys(update.audio, AUDIO_FIELDS, 'session.audio')
    if (e) return { error: e }
    const input = update.audio.input
    if (input !== undefined) {
      if (!isObject(input)) return { error: protocolErrors.invalidType('session.audio.input', 'an object', input) }
      const ie = unknownKeys(input, AUDIO_INPUT_FIELDS, 'session.audio.input')
      if (ie) return { error: ie }
      if (input.format !== undefined) {
        const fe = checkFormat(input.format, 'session.audio.input.format')
        if (fe) return { error: fe }
        nextAudio.input.format = { type: 'audio/pcm', rate: PCM_RATE }
      }
      if (input.turn_detection !== undefined) {
        const te = checkTurnDetection(input.turn_detection, 'session.audio.input.turn_detection')
        if (te) return { error: te }
        const td = input.turn_detection as Json | null
        nextAudio.input.turn_detection = td === null ? null : { ...(td.type === 'server_vad' ? SERVER_VAD_DEFAULTS : SEMANTIC_VAD_DEFAULTS), ...clone(td) }
      }
      if (input.transcription !== undefined) {
        const t = input.transcription
        if (t !== null && !isObject(t)) return { error: protocolErrors.invalidType('session.audio.input.transcription', 'an object or null', t) }
        // The live API fills the optional fields with null.
        nextAudio.input.transcription = t === null ? null : { model: DEFAULT_TRANSCRIPTION_MODEL, language: null, prompt: null, ...clone(t) }
      }
      if (input.noise_reduction !== undefined) {
        const nr = input.noise_reduction
        if (nr !== null && !isObject(nr)) return { error: protocolErrors.invalidType('session.audio.input.noise_reduction', 'an object or null', nr) }
        nextAudio.input.noise_reduction = clone(nr)
      }
    }
    const output = update.audio.output
    if (output !== undefined) {
      if (!isObject(output)) return { error: protocolErrors.invalidType('session.audio.output', 'an object', output) }
      const oe = unknownKeys(output, AUDIO_OUTPUT_FIELDS, 'session.audio.output')
      if (oe) return { error: oe }
      if (output.format !== undefined) {
        const fe = checkFormat(output.format, 'session.audio.output.format')
        if (fe) return { error: fe }
        nextAudio.output.format = { type: 'audio/pcm', rate: PCM_RATE }
      }
      if (output.voice !== undefined) {
        const voice = isObject(output.voice) ? output.voice.id : output.voice
        if (typeof voice !== 'string') return { error: protocolErrors.invalidType('session.audio.output.voice', 'a string', output.voice) }
        if (voice !== voiceOf(current) && opts.assistantAudioPresent) return { error: protocolErrors.cannotUpdateVoice() }
        nextAudio.output.voice = clone(output.voice)
      }
      if (output.speed !== undefined) {
        if (typeof output.speed !== 'number') return { error: protocolErrors.invalidType('session.audio.output.speed', 'a number', output.speed) }
        nextAudio.output.speed = output.speed
      }
    }
  }

  if (update.output_modalities !== undefined) {
    const m = update.output_modalities
    if (!Array.isArray(m) || m.length !== 1 || !MODALITIES.includes(m[0] as string)) {
      return { error: protocolErrors.invalidValue('session.output_modalities', JSON.stringify(m), ['["audio"]', '["text"]']) }
    }
    next.output_modalities = [...m]
  }
  if (update.instructions !== undefined) {
    if (typeof update.instructions !== 'string') return { error: protocolErrors.invalidType('session.instructions', 'a string', update.instructions) }
    next.instructions = update.instructions
  }
  if (update.tools !== undefined) {
    if (!Array.isArray(update.tools)) return { error: protocolErrors.invalidType('session.tools', 'an array', update.tools) }
    next.tools = clone(update.tools)
  }
  if (update.model !== undefined) {
    if (typeof update.model !== 'string') return { error: protocolErrors.invalidType('session.model', 'a string', update.model) }
    next.model = update.model
  }
  for (const key of ['include', 'max_output_tokens', 'parallel_tool_calls', 'prompt', 'reasoning', 'tool_choice', 'tracing', 'truncation']) {
    if (update[key] !== undefined) next[key] = clone(update[key])
  }
  return { session: next }
}

function voiceOf(session: Json): string {
  const voice = (session.audio as { output: Json }).output.voice
  return isObject(voice) ? String(voice.id) : String(voice)
}

/** The friendly view handed to reply functions and tests. */
export function sessionView(session: Json): FakeSessionConfig {
  const audio = session.audio as { input: Json; output: Json }
  const transcription = audio.input.transcription as Json | null
  const td = audio.input.turn_detection as Json | null
  return {
    model: String(session.model),
    instructions: String(session.instructions ?? ''),
    voice: voiceOf(session),
    tools: Array.isArray(session.tools) ? clone(session.tools) : [],
    turnDetection: td ? clone(td) : null,
    transcriptionModel: transcription ? String(transcription.model ?? '') || null : null,
    outputModalities: clone(session.output_modalities as Array<'audio' | 'text'>),
    raw: clone(session),
  }
}
