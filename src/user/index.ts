// The voice user simulator: speaks lines into the agent under test, in the synthetic voice or a live realtime session.
export {
  createVoiceUser,
  isLoopbackUrl,
  resolveVoiceMode,
  VOICE_USER_INSTRUCTIONS,
  VOICE_USER_PROMPT_PREFIX,
  type SayOptions,
  type PressKeysOptions,
  type SayResult,
  type VoiceUser,
  type VoiceUserOptions,
  type VoiceUserConditions,
  type VoiceUserVoice,
} from './voice-user.js'
