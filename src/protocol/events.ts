/**
 * GA realtime event names and the minimal shapes this library reads or writes.
 * Authority: the `openai` npm package, `resources/realtime/realtime.d.ts` (RealtimeClientEvent / RealtimeServerEvent).
 * Shapes here are deliberately partial: servers send fields the SDK omits (e.g. `obfuscation`), and we tolerate them.
 */

export const DEFAULT_MODEL = 'gpt-realtime-mini'
export const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe'
export const DEFAULT_VOICE = 'alloy'
export const REALTIME_URL = 'wss://api.openai.com/v1/realtime'
/** The only PCM rate the GA endpoint accepts. */
export const PCM_RATE = 24_000

/** Beta names still emitted by Azure preview endpoints and some third-party servers, mapped to their GA names. */
export const LEGACY_EVENT_ALIASES: Readonly<Record<string, string>> = {
  'response.audio.delta': 'response.output_audio.delta',
  'response.audio.done': 'response.output_audio.done',
  'response.audio_transcript.delta': 'response.output_audio_transcript.delta',
  'response.audio_transcript.done': 'response.output_audio_transcript.done',
  'response.text.delta': 'response.output_text.delta',
  'response.text.done': 'response.output_text.done',
  'conversation.item.created': 'conversation.item.added',
}

export type ResponseStatus = 'in_progress' | 'completed' | 'cancelled' | 'incomplete' | 'failed'

export interface RealtimeErrorPayload {
  type: string
  code?: string | null
  message: string
  param?: string | null
  event_id?: string | null
}

export interface FunctionTool {
  type: 'function'
  name: string
  description?: string
  parameters?: Record<string, unknown>
}

/** Any server event: a `type`, an `event_id`, and whatever else the server sends. */
export interface ServerEvent {
  type: string
  event_id?: string
  [field: string]: unknown
}

export interface ClientEvent {
  type: string
  event_id?: string
  [field: string]: unknown
}
