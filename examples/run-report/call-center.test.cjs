// A small Jest suite for the run report (jest.config.cjs here): offline, on the fake realtime server.
const { describe, test, expect } = require('@jest/globals')
const { useVoiceAgent } = require('expect-voice/jest')
const { synthesizeSpeech } = require('expect-voice')

describe('call center', () => {
  const voice = useVoiceAgent({ fake: { reply: 'Sure, your table for two is booked for 7 pm.', latencyMs: ({ turn }) => 40 + turn * 30 } })

  test('books a table', async () => {
    const { agent } = voice
    await agent.sendAudio({ data: synthesizeSpeech('book a table for two at seven pm'), sampleRate: 24000 })
    await expect(agent).toTranscribeAs('book a table for two at 7 pm')
    await expect(agent).toSay('table for 2 is booked')
  })

  test('answers turn after turn', async () => {
    const { agent } = voice
    for (const question of ['A table?', 'For two?']) {
      await agent.sendText(question)
      await expect(agent).toSay('booked')
    }
    await expect(agent).toRespondWithin(800, { percentile: 95 })
  })
})
