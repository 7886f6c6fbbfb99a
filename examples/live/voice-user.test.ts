// A simulated caller against the live OpenAI Realtime API: the `user` fixture opens a second realtime session that
// reads each line aloud, and streams its voice into the agent. Skipped, visibly, when OPENAI_API_KEY is not set.
import { test, expect } from 'expect-voice/vitest'

const hasKey = !!process.env.OPENAI_API_KEY

test.skipIf(!hasKey)('live: a simulated caller asks for a table (needs OPENAI_API_KEY)', async ({ agent, user }) => {
  const { said } = await user.say('Hello, I would like to book a table for two at seven pm.')
  expect(said).toMatch(/table for two/i) // what the simulator actually spoke (its own transcript)
  await expect(agent).toTranscribeAs('hello I would like to book a table for two at seven pm', { maxWer: 0.3 })
  await expect(agent).toRespondWithin(5000, { measure: 'first-speech' })
})
