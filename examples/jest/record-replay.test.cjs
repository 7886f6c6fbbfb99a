// Record and replay under Jest: the first run with a key records the conversation beside this file, in
// __recordings__/record-replay.test.cjs/; every run after that replays it, with no key and no network.
//
//   EXPECT_VOICE_UPDATE=1 npx jest --config examples/jest.config.cjs record-replay   # (re-)record: needs OPENAI_API_KEY
//   npx jest --config examples/jest.config.cjs record-replay                         # replay, offline
//
// The committed recording was made against the built-in fake server standing in for the live API
// (`node examples/record-examples.mjs`).
const { describe, test, expect } = require('@jest/globals')
const { useVoiceAgent } = require('expect-voice/jest')
const { synthesizeSpeech } = require('expect-voice')

describe('booking agent (recorded)', () => {
  // EXAMPLE_REALTIME_URL is set by examples/record-examples.mjs only; unset, recording goes to the live API.
  const voice = useVoiceAgent({ url: process.env.EXAMPLE_REALTIME_URL, instructions: 'You are the host of a small restaurant.' })

  test('books a table, then answers a question', async () => {
    const { agent } = voice
    await agent.sendAudio({ data: synthesizeSpeech('book a table for two at seven pm'), sampleRate: 24000 })
    await expect(agent).toRespondWithin(800)
    await expect(agent).toSay('table for 2 is booked for seven pm')
    await expect(agent).toTranscribeAs('book a table for two at 7 pm')

    await agent.sendText('Can I bring my dog?')
    await expect(agent).toSay(/dogs are welcome/i)
    expect(agent.transcript).toMatchInlineSnapshot(`
VoiceTranscript [
  user: book a table for two at seven pm
  agent: Sure, your table for two is booked for 7 pm.
  user (text): Can I bring my dog?
  agent: Dogs are welcome on the terrace.
]
`)
  })
})
