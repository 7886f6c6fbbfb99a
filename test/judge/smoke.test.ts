import { expect, it } from 'vitest'
import '../../src/vitest.js'
import { voiceAgent } from '../helpers/voice.js'

it('smoke', async () => {
  const { agent } = await voiceAgent({ reply: 'Your table for two is booked for 7 pm.', judge: ({ transcript }) => /two/.test(transcript), paceMs: 0 })
  await agent.sendText('book a table')
  await expect(agent).toFulfill('confirms the party size')
  await expect(agent).toSay('table for two', { from: 'audio' })
  await expect(agent).toSoundLikeItsTranscript()
})
