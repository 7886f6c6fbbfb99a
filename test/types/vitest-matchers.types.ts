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
  // @ts-expect-error toSay does not take a number
  await expect(agent).toSay(42)
  // @ts-expect-error toRespondWithin needs a budget in ms
  await expect(agent).toRespondWithin()
  // @ts-expect-error unknown option
  await expect(agent).toStopOnInterrupt({ whithin: 300 })
}
