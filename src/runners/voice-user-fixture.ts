import type { VoiceAgentAdapter } from '../adapter/types.js'
import { voiceSessionMode } from './voice-session.js'
import { createVoiceUser, type VoiceUser, type VoiceUserOptions, type VoiceUserVoice } from '../user/voice-user.js'

/**
 * The simulated caller's default voice for a fixture agent. Record and replay: a simulator session through the same
 * endpoint as the agent (the recording proxy or the replay server), so the caller's speech is recorded and replayed
 * with the conversation. Fake: the synthetic voice. Live: a live simulator, or `'auto'` for your own `url`.
 */
export function defaultUserVoice(agent: VoiceAgentAdapter, explicitUrl: string | undefined): VoiceUserVoice {
  const mode = voiceSessionMode(agent)
  const url = (agent as { url?: unknown }).url
  if ((mode === 'record' || mode === 'replay') && typeof url === 'string') return { url }
  if (mode === 'fake') return 'fake'
  return explicitUrl === undefined ? 'live' : 'auto'
}

/** Options of the `user` fixture: everything `createVoiceUser` takes but the agent. */
export interface VoiceUserFixtureOptions extends Omit<VoiceUserOptions, 'agent'> {}

/** A voice user for `agent`, disconnected (its live simulator session, if any) after `use`. */
export async function provideVoiceUser(agent: VoiceAgentAdapter, options: VoiceUserFixtureOptions, use: (user: VoiceUser) => Promise<void>): Promise<void> {
  const user = createVoiceUser({ ...options, agent })
  try {
    await use(user)
  } finally {
    await user.disconnect()
  }
}
