// Runs offline under Jest: an OpenAIRealtimeAdapter with a tool handler talks to the fake realtime server.
const { afterEach, beforeEach, describe, expect, test } = require('@jest/globals')
require('expect-voice/jest')
const { createFakeRealtimeServer, OpenAIRealtimeAdapter } = require('expect-voice')

describe('booking through a tool', () => {
  const bookings = []
  const bookTable = {
    type: 'function',
    name: 'book_table',
    description: 'Books a table for a party at a time.',
    parameters: { type: 'object', properties: { party: { type: 'number' }, time: { type: 'string' } }, required: ['party', 'time'] },
    execute: async (args) => {
      bookings.push(args)
      return { ok: true, ref: `T${bookings.length}` }
    },
  }
  let server
  let agent

  beforeEach(async () => {
    bookings.length = 0
    server = await createFakeRealtimeServer({
      reply: ({ userText }) =>
        /table/.test(userText ?? '')
          ? {
              toolCalls: [{ name: 'book_table', arguments: { party: 2, time: '19:00' } }],
              followUp: ({ toolOutputs }) => `Your table for two is booked for 7 pm, reference ${toolOutputs[0].value.ref}.`,
            }
          : 'How can I help?',
    })
    agent = new OpenAIRealtimeAdapter({ url: server.url, tools: [bookTable] })
    await agent.connect()
  })

  afterEach(async () => {
    await agent.disconnect()
    await server.close()
  })

  test('books a table through the tool', async () => {
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

  test('does not book when not asked to', async () => {
    await agent.sendText('Hello there.')
    await expect(agent).not.toCallTool('book_table')
    await expect(agent).toSay('how can I help')
  })
})
