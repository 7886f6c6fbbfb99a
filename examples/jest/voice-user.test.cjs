// Runs offline under Jest: `voice.user` speaks in the fake server's synthetic voice (no key, no network).
const { describe, test, expect } = require('@jest/globals')
const { useVoiceAgent } = require('expect-voice/jest')

describe('voice caller', () => {
  const voice = useVoiceAgent({
    fake: {
      reply: ({ userText }) => (/table/.test(userText ?? '') ? 'Sure, your table for two is booked for 7 pm.' : 'Sorry, could you repeat that?'),
      latencyMs: 120,
    },
    // artifacts: { mode: 'always', dir: '.voice-artifacts' },   // failure recordings: 'on-failure' by default
  })

  test('a caller books a table by voice', async () => {
    const { agent, user } = voice
    await user.say('I want to book a table for two at seven pm')
    await expect(agent).toTranscribeAs('I want to book a table for two at 7 pm')
    await expect(agent).toRespondWithin(800, { measure: 'first-speech' })
    await expect(agent).toSay('table for 2 is booked for seven pm')
  })
})
