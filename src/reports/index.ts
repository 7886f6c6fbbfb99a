// Recordings of voice conversations: a time-aligned stereo WAV (user left, agent right) and an SVG timeline.
export {
  DEFAULT_ARTIFACTS_DIR,
  type VoiceArtifactsMode,
  type VoiceArtifactsOptions,
  type ResolvedVoiceArtifactsOptions,
} from './config.js'
export { artifactPaths } from './names.js'
export {
  layoutConversation,
  RECORDING_RATE,
  type ConversationLayout,
  type RecordableConversation,
  type ResponseLayout,
  type TurnLayout,
} from './layout.js'
export { renderTimelineSvg, type TimelineSvgOptions } from './timeline-svg.js'
export {
  conversationWav,
  recordConversation,
  writeConversationRecording,
  type ConversationRecording,
} from './conversation-recording.js'
