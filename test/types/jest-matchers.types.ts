// Compiled by `npm run typecheck` (never executed): the matcher types as a Jest (@jest/globals) user sees them.
import { expect } from '@jest/globals'
import type { OpenAIRealtimeAdapter } from '../../src/adapter/index.js'
import '../../src/jest.js'

export async function jestUsage(agent: OpenAIRealtimeAdapter): Promise<void> {
  await expect(agent).toSay('x')
  await expect(agent).not.toRespondWithin(800)
  await expect(agent).toTranscribeAs('x')
  await expect(agent).toStopOnInterrupt()
  await expect(agent).toFulfill('confirms the party size')
  await expect(agent).not.toSoundLikeItsTranscript({ maxWer: 0 })
  await expect(agent).toSay('x', { from: 'audio' })
  // @ts-expect-error toSay does not take a number
  await expect(agent).toSay(42)
}
