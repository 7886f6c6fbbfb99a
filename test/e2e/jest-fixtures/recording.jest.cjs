// Run by test/e2e/jest-recording.test.ts in a child Jest: failure recordings and the voice user under Jest.
const { describe, test, expect } = require('@jest/globals')
const { useVoiceAgent } = require('expect-voice/jest')

const dir = process.env.EXPECT_VOICE_E2E_DIR
if (!dir) throw new Error('run through test/e2e/jest-recording.test.ts (EXPECT_VOICE_E2E_DIR is not set)')

describe('booking', () => {
  const voice = useVoiceAgent({ fake: { reply: 'Your table is booked.', latencyMs: 50 }, artifacts: { dir } })

  test('fails on purpose', async () => {
    await voice.user.say('book a table for two')
    await expect(voice.agent).toSay('your table is cancelled')
  })

  test('fails outside a voice matcher', async () => {
    await voice.user.say('book a table for two')
    await expect(voice.agent).toSay('your table is booked')
    expect(1 + 1).toBe(3)
  })

  test('passes', async () => {
    await voice.user.say('book a table for two')
    await expect(voice.agent).toTranscribeAs('book a table for two')
    await expect(voice.agent).toSay('your table is booked')
  })
})
