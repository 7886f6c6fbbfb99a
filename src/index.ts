/**
 * `expect-voice`: the runner-neutral core. The adapter and its contract, the records it keeps, every error class,
 * the fake realtime server with its synthetic voice, the simulated caller, and the transcript serializer. Imports no
 * test runner. Helpers live on their own subpaths: `expect-voice/audio`, `/text`, `/replay`, `/reports`.
 */
export {
  OpenAIRealtimeAdapter,
  type OpenAIRealtimeAdapterOptions,
  type ToolDefinition,
  type ToolHandler,
  type ToolHandlerContext,
  type TurnDetection,
  type WebSocketClientOptions,
} from './adapter/openai-realtime-adapter.js'
export { AgentRole, type AdapterCapabilities, type AudioChunk, type VoiceAgentAdapter } from './adapter/types.js'
export type { KeepAudio, ResponseRecord, ToolCallRecord, TurnRecord } from './conversation/records.js'
export type { TimelineEntry } from './conversation/timeline.js'
export type { Transcript, TranscriptEntry, TranscriptStatus } from './conversation/transcript.js'
export { transcriptSerializer, formatTranscript } from './conversation/transcript-serializer.js'
export { conversationReport } from './reports/conversation-report.js'
export * from './errors/index.js'
export { UnawaitedMatcherError } from './matchers/pending.js'
export { ReplayMismatchError } from './replay/match.js'
export { createRedactor, redactSecrets, type Redactor } from './secrets/redact.js'
export { createFakeRealtimeServer } from './fake-server/index.js'
export type * from './fake-server/index.js'
export { synthesizeSpeech, transcribeSyntheticSpeech } from './audio/synthetic-voice.js'
export { recognizeSyntheticSpeech, type SyntheticRecognitionOptions } from './audio/synthetic-recognition.js'
export {
  createVoiceUser,
  VOICE_USER_INSTRUCTIONS,
  VOICE_USER_PROMPT_PREFIX,
  type PressKeysOptions,
  type SayOptions,
  type SayResult,
  type VoiceUser,
  type VoiceUserConditions,
  type VoiceUserOptions,
  type VoiceUserVoice,
} from './user/voice-user.js'
export { configureVoiceMatchers, type VoiceMatcherConfig } from './matchers/context.js'
export type { Transcriber } from './judge/transcription-client.js'
export type { CriterionVerdict, JudgeVerdict } from './judge/verdict.js'
export type { FulfillVerdict, ToFulfillOptions, ToSoundLikeItsTranscriptOptions } from './matchers/index.js'
export { configureVoiceArtifacts, type VoiceArtifactsMode, type VoiceArtifactsOptions } from './reports/config.js'
export {
  DEFAULT_MODEL,
  DEFAULT_TRANSCRIPTION_MODEL,
  DEFAULT_VOICE,
  PCM_RATE,
  type FunctionTool,
  type ServerEvent,
  type ClientEvent,
  type RealtimeErrorPayload,
  type ResponseStatus,
} from './protocol/events.js'
