// Talks to the live OpenAI Realtime API. Skipped, visibly, when OPENAI_API_KEY is not set.
import { test, expect } from 'expect-voice/vitest'

const hasKey = !!process.env.OPENAI_API_KEY

test.skipIf(!hasKey)('live: answers a greeting (needs OPENAI_API_KEY)', async ({ agent }) => {
  await agent.sendText('Say exactly: hello there')
  await expect(agent).toRespondWithin(5000)
  await expect(agent).toSay('hello there')
})
