/** `expect-voice`: the runner-agnostic core. Imports no test runner. */
export * from './adapter/index.js'
export * from './errors/index.js'
export * from './fake-server/index.js'
export * from './audio/index.js'
export * from './text/index.js'
export { synthesizeSpeech, transcribeSyntheticSpeech } from './audio/synthetic-voice.js'
export { transcriptSerializer, formatTranscript } from './conversation/transcript-serializer.js'
export { conversationReport } from './reports/conversation-report.js'
export * from './user/index.js'
export * from './reports/index.js'
export { responseSpeechTiming, playbackStarts, type ResponseSpeechTiming } from './conversation/speech-timing.js'
export { redactSecrets } from './secrets/redact.js'
export * from './replay/index.js'
export {
  DEFAULT_MODEL,
  DEFAULT_TRANSCRIPTION_MODEL,
  DEFAULT_VOICE,
  LEGACY_EVENT_ALIASES,
  PCM_RATE,
  type FunctionTool,
  type ServerEvent,
  type ClientEvent,
  type RealtimeErrorPayload,
  type ResponseStatus,
} from './protocol/events.js'
