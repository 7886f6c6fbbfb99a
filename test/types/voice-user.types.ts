// Compiled by `npm run typecheck` (never executed): the user simulator, speech timing and recording types.
import { expect } from 'vitest'
import { fakeTest, test, type VoiceRecordingArtifact } from '../../src/vitest.js'
import { useVoiceAgent } from '../../src/jest.js'
import { createVoiceUser, type SayResult } from '../../src/index.js'

fakeTest('user fixture', async ({ agent, user }) => {
  const said: SayResult = await user.say('book a table', { realtime: true })
  void said.durationMs
  await user.sayAudio('book.wav')
  await user.sayText('hello')
  await expect(agent).toRespondWithin(800, { measure: 'first-speech', speechDetection: { thresholdDb: -40 } })
  await expect(agent).toStopOnInterrupt({ within: 300, speechDetection: { minSpeechMs: 80 } })
  // @ts-expect-error unknown measure
  await expect(agent).toRespondWithin(800, { measure: 'first-word' })
  // @ts-expect-error say needs text
  await user.say()
})

test.override({ voiceArtifacts: { mode: 'always', dir: 'out' }, voiceUserOptions: { voice: 'fake', chunkMs: 40 } })
// @ts-expect-error unknown mode
test.override({ voiceArtifacts: { mode: 'sometimes' } })

export function jestUsage(): void {
  const voice = useVoiceAgent({ fake: true, artifacts: { mode: 'off' }, voiceUser: { realtime: true } })
  void voice.user.say('hi')
}

export function standalone(agent: Parameters<typeof createVoiceUser>[0]['agent']): void {
  createVoiceUser({ agent, voice: { model: 'gpt-realtime-mini', voice: 'verse' }, maxWer: false })
  // @ts-expect-error the simulator's role is always USER
  createVoiceUser({ agent, voice: { role: 'agent' } })
}

export const artifactType: VoiceRecordingArtifact['type'] = 'expect-voice:recording'
