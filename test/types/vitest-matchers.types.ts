// Compiled by `npm run typecheck` (never executed): the matcher types as a Vitest user sees them.
import { expect } from 'vitest'
import type { OpenAIRealtimeAdapter } from '../../src/adapter/index.js'
import '../../src/vitest.js'

export async function vitestUsage(agent: OpenAIRealtimeAdapter): Promise<void> {
  await expect(agent).toSay('x')
  await expect(agent).toSay(/x/i, { maxWer: 0.1 })
  await expect(agent).toSay(expect.stringContaining('x'))
  await expect(agent).not.toSay('x', { exact: true })
  await expect(agent).toRespondWithin(800)
  await expect(agent).toTranscribeAs('book a table', { maxWer: 0.3, timeout: 1000 })
  await expect(agent).toStopOnInterrupt({ within: 300 })
  await expect(agent).toFulfill('confirms the party size', { model: 'gpt-4.1-mini', timeout: 30_000 })
  await expect(agent).not.toFulfill(['promises a window seat', 'asks for a card number'])
  await expect(agent).toSay('x', { from: 'audio', transcriber: (pcm, { sampleRate }) => `${pcm.length / sampleRate}` })
  await expect(agent).toSoundLikeItsTranscript({ maxWer: 0.1, transcriber: async () => 'x' })
  // @ts-expect-error toFulfill needs criteria
  await expect(agent).toFulfill()
  // @ts-expect-error from is 'transcript' or 'audio'
  await expect(agent).toSay('x', { from: 'video' })
  // @ts-expect-error toSay does not take a number
  await expect(agent).toSay(42)
  // @ts-expect-error toRespondWithin needs a budget in ms
  await expect(agent).toRespondWithin()
  // @ts-expect-error unknown option
  await expect(agent).toStopOnInterrupt({ whithin: 300 })
}
