/**
 * The live API's in-band errors: codes, params and messages as the live API sends them.
 * Where no capture exists the wording follows third-party reports, marked "inferred".
 */
import type { RealtimeErrorPayload } from '../protocol/events.js'

export type ErrorBody = Required<Pick<RealtimeErrorPayload, 'type' | 'message'>> & {
  code: string | null
  param: string | null
}

const body = (code: string | null, message: string, param: string | null = null, type = 'invalid_request_error'): ErrorBody => ({
  type,
  code,
  message,
  param,
})

export const SUPPORTED_CLIENT_EVENTS = [
  'session.update',
  'session.close',
  'input_audio_buffer.append',
  'session.input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.truncate',
  'conversation.item.delete',
  'conversation.item.retrieve',
  'response.create',
  'response.cancel',
] as const

function supportedList(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`)
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`
}

export const protocolErrors = {
  unknownEventType: (type: unknown) =>
    body('invalid_value', `Invalid value: '${String(type)}'. Supported values are: ${supportedList(SUPPORTED_CLIENT_EVENTS)}.`, 'type'),
  missingEventType: () => body('missing_required_parameter', "Missing required parameter: 'type'.", 'type'),
  invalidJson: () =>
    body(
      'invalid_json',
      'Invalid event: failed to parse JSON value. Please check the value to ensure it is valid JSON. (Common errors include trailing commas, missing closing brackets, missing quotation marks, etc.)',
    ),
  notAnObject: () => body('invalid_event', 'Invalid event: expected a JSON object.'),
  // No live capture of this case: the wording is ours (inferred).
  tooDeep: (maxDepth: number) => body('invalid_event', `Invalid event: the JSON is nested deeper than ${maxDepth} levels.`),
  binaryFrame: () => body('invalid_event', 'Expected a text WebSocket message; binary frames are not supported.'),
  missingParameter: (param: string) => body('missing_required_parameter', `Missing required parameter: '${param}'.`, param),
  unknownParameter: (param: string) => body('unknown_parameter', `Unknown parameter: '${param}'.`, param),
  invalidType: (param: string, expected: string, got: unknown) =>
    body('invalid_type', `Invalid type for '${param}': expected ${expected}, but got ${describe(got)} instead.`, param),
  invalidValue: (param: string, value: unknown, supported: readonly string[]) =>
    body('invalid_value', `Invalid value: '${String(value)}'. Supported values are: ${supportedList(supported)}.`, param),
  belowMin: (param: string, min: number, got: number) =>
    body('integer_below_min_value', `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${got} instead.`, param),
  aboveMax: (param: string, max: number, got: number) =>
    body('integer_above_max_value', `Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${got} instead.`, param),
  cannotUpdateVoice: () => body('cannot_update_voice', "Cannot update a conversation's voice if assistant audio is present.", 'session.audio.output.voice'),
  /** Not a live error: the fake speaks PCM16 only and says so rather than sending the wrong encoding. */
  unsupportedFormat: (param: string, type: unknown) =>
    body('invalid_value', `expect-voice fake server: only 'audio/pcm' (24 kHz PCM16) is supported, got '${String(type)}'.`, param),
  commitEmpty: (bufferedMs: number) =>
    body(
      'input_audio_buffer_commit_empty',
      `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${bufferedMs.toFixed(2)}ms of audio.`,
    ),
  invalidAudio: () => body('invalid_value', "Invalid 'audio': expected base64-encoded audio data.", 'audio'),
  activeResponse: (responseId: string) =>
    body(
      'conversation_already_has_active_response',
      `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    ),
  cancelNotActive: () => body('response_cancel_not_active', 'Cancellation failed: no active response found'),
  // inferred: code seen as item_truncate_invalid_item_id in client code; message from third-party logs
  truncateUnknownItem: (itemId: string) => body('item_truncate_invalid_item_id', `Item with item_id not found: ${itemId}`, 'item_id'),
  // inferred
  truncateNotAssistantAudio: () => body('invalid_value', 'Only assistant messages with audio content can be truncated.', 'item_id'),
  truncateTooLong: (audioMs: number, endMs: number) =>
    body('invalid_value', `Audio content of ${Math.round(audioMs)}ms is already shorter than ${endMs}ms`, 'audio_end_ms'),
  deleteUnknownItem: (itemId: string) => body('item_delete_invalid_item_id', `Error deleting item: the item with id '${itemId}' does not exist.`, 'item_id'),
  // inferred by analogy with delete
  retrieveUnknownItem: (itemId: string) =>
    body('item_retrieve_invalid_item_id', `Error retrieving item: the item with id '${itemId}' does not exist.`, 'item_id'),
  // inferred
  previousItemNotFound: (itemId: string) =>
    body('invalid_value', `Invalid 'previous_item_id': the item with id '${itemId}' does not exist.`, 'previous_item_id'),
  duplicateItemId: (itemId: string) => body('invalid_value', `Invalid 'item.id': an item with id '${itemId}' already exists.`, 'item.id'),
  // connection-level (followed by a close)
  invalidApiKey: (masked: string) =>
    body('invalid_api_key', `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`),
  missingAuth: () => body(null, 'Missing bearer or basic authentication in header'),
  invalidModel: (model: string) =>
    body('invalid_model', `Model "${model}" is not supported in realtime mode. Please use a realtime model, for example gpt-realtime.`),
  missingModel: () => body('missing_model', 'You must provide a model parameter, for example wss://api.openai.com/v1/realtime?model=gpt-realtime'),
  betaHeader: () => body('beta_api_shape_disabled', 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.'),
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `a string ('${v}')`
  return `a ${typeof v} (${String(v)})`
}

/** `error.type` + `.` + `error.code`: the close reason the live server uses after a fatal error. */
export function closeReasonFor(error: ErrorBody): string {
  return error.code ? `${error.type}.${error.code}` : error.type
}

/**
 * How OpenAI shows a rejected key: the start and the last four characters (`sk-proj-...sQoA`). Short keys show
 * less, so no more than a third of any key is ever echoed.
 */
export function maskApiKey(key: string): string {
  const prefix = key.slice(0, Math.min(8, Math.floor(key.length / 4)))
  const suffix = key.length >= 24 ? key.slice(-4) : ''
  return `${prefix}...${suffix}`
}
