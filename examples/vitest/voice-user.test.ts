// Runs offline: the `user` fixture speaks in the fake server's synthetic voice (no key, no network). Against the
// live API (`test` from 'expect-voice/vitest' with OPENAI_API_KEY set) the same test speaks through a second
// realtime session that reads each line aloud.
import { fakeTest, expect } from 'expect-voice/vitest'

const test = fakeTest.override({
  fakeServerOptions: {
    reply: ({ userText }) => (/table/.test(userText ?? '') ? 'Sure, your table for two is booked for 7 pm.' : 'Sorry, could you repeat that?'),
    latencyMs: 120,
  },
  // Failure recordings (WAV + timeline) are on by default for failing tests; record every test of this file:
  // voiceArtifacts: { mode: 'always' },
})

test('a caller books a table by voice', async ({ agent, user }) => {
  await user.say('I want to book a table for two at seven pm')
  await expect(agent).toTranscribeAs('I want to book a table for two at 7 pm')
  await expect(agent).toRespondWithin(800, { measure: 'first-speech' }) // when the caller would hear speech
  await expect(agent).toSay('table for 2 is booked for seven pm')

  await user.say('thanks, bye')
  await expect(agent).toSay('could you repeat that')
  expect(agent.transcript).toMatchInlineSnapshot(`
    VoiceTranscript [
      user: I want to book a table for two at seven pm
      agent: Sure, your table for two is booked for 7 pm.
      user: thanks, bye
      agent: Sorry, could you repeat that?
    ]
  `)
})
