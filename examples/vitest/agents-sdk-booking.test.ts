// Runs offline: the app's own RealtimeAgent (Agents SDK) books a table through its real tool, against the fake
// realtime server (no key, no network). RealtimeSessionAdapter wraps the session the app ships.
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime'
import { z } from 'zod'
import { synthesizeSpeech } from 'expect-voice'
import { RealtimeSessionAdapter } from 'expect-voice/agents'
import { fakeTest, expect } from 'expect-voice/vitest'

// The app: an agent with a booking tool (here it books into an in-memory list).
const bookings: Array<{ party: number; time: string }> = []
function createHostSession(): RealtimeSession {
  const bookTable = tool({
    name: 'book_table',
    description: 'Books a table for a party at a time.',
    parameters: z.object({ party: z.number(), time: z.string() }),
    execute: async (booking) => {
      bookings.push(booking)
      return { ok: true, ref: `T${bookings.length}` }
    },
  })
  const host = new RealtimeAgent({ name: 'Host', instructions: 'You take table bookings.', tools: [bookTable] })
  return new RealtimeSession(host, { transport: 'websocket', model: 'gpt-realtime-mini' })
}

const test = fakeTest.override({
  // The fake model: asked for a table, it calls book_table, then speaks the tool's result.
  fakeServerOptions: {
    reply: ({ userText }) =>
      /table/.test(userText ?? '')
        ? {
            toolCalls: [{ name: 'book_table', arguments: { party: 2, time: '19:00' } }],
            followUp: ({ toolOutputs }) => `Your table for two is booked for 7 pm, reference ${(toolOutputs[0]?.value as { ref?: string } | undefined)?.ref}.`,
          }
        : 'We have a table by the window, a seasonal menu with fish and vegetables, and free parking behind the building.',
    paceMs: 20, // stream at 20 ms per 100 ms delta, so there is something to interrupt
  },
  // The fixture makes the adapter for the test's mode (here: the fake server's url), connects and disconnects it.
  voiceOptions: { agentFactory: ({ url }) => new RealtimeSessionAdapter(createHostSession(), { url }) },
})

test('books a table with the agent’s own tool', async ({ voiceAgent }) => {
  bookings.length = 0
  await voiceAgent.sendAudio({ data: synthesizeSpeech('book a table for two at seven pm'), sampleRate: 24000 })
  await expect(voiceAgent).toCallTool('book_table', { party: 2, time: expect.stringMatching(/^19:/) }, { times: 1 })
  await expect(voiceAgent).toSay('your table for 2 is booked for seven pm')
  await expect(voiceAgent).toTranscribeAs('book a table for two at 7 pm')
  expect(bookings).toEqual([{ party: 2, time: '19:00' }])
  expect((voiceAgent as RealtimeSessionAdapter).transcript).toMatchInlineSnapshot(`
    VoiceTranscript [
      user: book a table for two at seven pm
      agent: [tool call] book_table({"party":2,"time":"19:00"}) → {"ok":true,"ref":"T1"}
      agent: Your table for two is booked for 7 pm, reference T1.
    ]
  `)
})

test('stops talking when interrupted', async ({ voiceAgent }) => {
  await voiceAgent.sendText?.('tell me about a table by the window, the menu and the parking')
  await expect(voiceAgent).toStopOnInterrupt({ within: 300 })
})
