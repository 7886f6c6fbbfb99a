// Runs offline under Jest: the app's own RealtimeAgent (Agents SDK) books a table through its real tool, against the
// fake realtime server. useVoiceAgent({ agentFactory }) connects the RealtimeSessionAdapter before each test.
const { describe, test, expect } = require('@jest/globals')
const { useVoiceAgent } = require('expect-voice/jest')
const { RealtimeSessionAdapter } = require('expect-voice/agents')
const { RealtimeAgent, RealtimeSession, tool } = require('@openai/agents-realtime')
const { z } = require('zod')

const bookings = []
function createHostSession() {
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

describe('booking with the Agents SDK', () => {
  const voice = useVoiceAgent({
    fake: {
      reply: ({ userText }) =>
        /table/.test(userText ?? '')
          ? {
              toolCalls: [{ name: 'book_table', arguments: { party: 2, time: '19:00' } }],
              followUp: ({ toolOutputs }) => `Your table for two is booked for 7 pm, reference ${toolOutputs[0].value.ref}.`,
            }
          : 'How can I help?',
    },
    agentFactory: ({ url }) => new RealtimeSessionAdapter(createHostSession(), { url }),
  })

  test('books a table with the agent’s own tool', async () => {
    const { agent } = voice
    expect(agent).toBeInstanceOf(RealtimeSessionAdapter)
    await agent.sendText('A table for two at seven, please.')
    await expect(agent).toCallTool('book_table', { party: 2, time: expect.stringMatching(/^19:/) }, { times: 1 })
    await expect(agent).toSay('your table for 2 is booked for seven pm')
    expect(bookings).toEqual([{ party: 2, time: '19:00' }])
    expect(agent.transcript).toMatchInlineSnapshot(`
VoiceTranscript [
  user (text): A table for two at seven, please.
  agent: [tool call] book_table({"party":2,"time":"19:00"}) → {"ok":true,"ref":"T1"}
  agent: Your table for two is booked for 7 pm, reference T1.
]
`)
  })
})
