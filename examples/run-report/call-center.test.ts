// A small suite for the run report (vitest.config.ts here): offline, on the fake realtime server.
import { describe } from 'vitest'
import { expect, fakeTest } from 'expect-voice/vitest'
import { synthesizeSpeech } from 'expect-voice'

// Latency that varies from turn to turn (40-100 ms), so the report has a distribution to show.
const test = fakeTest.override({
  fakeServerOptions: {
    reply: ({ userText }) => (/table/.test(userText ?? '') ? 'Sure, your table for two is booked for 7 pm.' : 'We open at noon.'),
    latencyMs: ({ turn }) => 40 + ((turn * 37) % 60),
    paceMs: 5,
  },
})

// Three runs of every test: the report aggregates them.
describe('call center', { repeats: 2 }, () => {
  test('books a table', async ({ agent }) => {
    await agent.sendAudio({ data: synthesizeSpeech('book a table for two at seven pm'), sampleRate: 24000 })
    await expect(agent).toRespondWithin(800, { measure: 'first-speech' })
    await expect(agent).toSay('table for 2 is booked')
    await expect(agent).toTranscribeAs('book a table for two at 7 pm')
  })

  test('answers turn after turn', async ({ agent }) => {
    for (const question of ['When are you open?', 'And on Sundays?']) {
      await agent.sendText(question)
      await expect(agent).toSay('open at noon')
    }
    await expect(agent).toRespondWithin(800, { percentile: 95 })
  })

  test('stops talking when interrupted', async ({ agent }) => {
    await agent.sendText('tell me about the menu, the parking and a table by the window')
    await expect(agent).toStopOnInterrupt({ within: 300 })
  })

  // A known bug, kept visible: the test is expected to fail, and its failure recording is linked from the report.
  test.fails('knows the opening hours on holidays (known bug)', async ({ agent }) => {
    await agent.sendText('Are you open on holidays?')
    await expect(agent).toSay('closed on holidays')
  })
})
