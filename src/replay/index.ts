// Record and replay: realtime voice sessions recorded once against the live API, replayed offline in CI.
export {
  AUDIO_EXTENSION,
  DEFAULT_RECORDINGS_DIR,
  RECORDING_EXTENSION,
  RECORDING_FORMAT_VERSION,
  parseRecording,
  readSessionRecording,
  recordingPaths,
  serializeRecording,
  writeSessionRecording,
  type RecordedClientEvent,
  type RecordedClose,
  type RecordedEvent,
  type RecordedServerEvent,
  type RecordedSession,
  type RecordingPaths,
  type SessionRecording,
  type WriteRecordingResult,
} from './cassette.js'
export { createRecordingProxy, type RecordingProxy, type RecordingProxyOptions } from './proxy.js'
export { createReplayServer, type ReplayPacing, type ReplayServer, type ReplayServerOptions } from './replay-server.js'
export { MISMATCH_ERROR_CODE, TIMING_DEPENDENT_FIELDS, type Difference, type MismatchKind } from './match.js'
export {
  VOICE_TEST_MODES,
  resolveRecordReplayMode,
  recordReplayEnvironment,
  type RecordReplayOptions,
  type ResolvedVoiceTestMode,
  type ResolveRecordReplayModeInput,
  type VoiceTestMode,
  type VoiceTestModeDecision,
  type RecordReplayEnvironment,
} from './mode.js'
export { saveSessionRecording } from './save.js'
