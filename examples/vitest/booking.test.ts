// Runs offline: the agent talks to the built-in fake realtime server (no key, no network).
import { fakeTest, expect } from 'expect-voice/vitest'
import { synthesizeSpeech } from 'expect-voice'

// The fake agent's script for this file: reply to whatever the caller says.
const test = fakeTest.override({
  fakeServerOptions: {
    reply: ({ userText }) => (/table/.test(userText ?? '') ? 'Sure, your table for two is booked for 7 pm.' : 'Sorry, could you repeat that?'),
    latencyMs: 120,
    paceMs: 20, // stream at 20 ms per 100 ms delta, so there is something to interrupt
  },
})

test('books a table', async ({ agent }) => {
  // The fake server "hears" audio made with its synthetic voice; use readWav('book.wav') against a live agent.
  await agent.sendAudio({ data: synthesizeSpeech('book a table for two at seven pm'), sampleRate: 24000 })
  await expect(agent).toRespondWithin(800)
  await expect(agent).toSay('table for 2 is booked for seven pm')
  await expect(agent).toTranscribeAs('book a table for two at 7 pm')
  expect(agent.transcript).toMatchInlineSnapshot(`
    VoiceTranscript [
      user: book a table for two at seven pm
      agent: Sure, your table for two is booked for 7 pm.
    ]
  `)
})

test('stops talking when interrupted', async ({ agent }) => {
  await agent.sendText('tell me about a table by the window, the menu and the parking')
  await expect(agent).toStopOnInterrupt({ within: 300 })
  expect(agent.transcript.at(-1)?.status).toBe('interrupted')
})
