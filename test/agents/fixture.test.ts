/**
 * The fixtures' `agentFactory`: the Vitest `voiceAgent` fixture connects the adapter it makes for the test's mode (here
 * the file's fake server) and always disconnects it.
 */
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime'
import { describe, expect } from 'vitest'
import { z } from 'zod'
import { fakeTest } from '../../src/vitest.js'
import { RealtimeSessionAdapter } from '../../src/agents.js'
import type { AgentTarget } from '../../src/runners/connect-agent.js'

const bookings: Array<{ party: number; time: string }> = []
const targets: AgentTarget[] = []
const made: RealtimeSessionAdapter[] = []

function createBookingSession(): RealtimeSession {
  const bookTable = tool({
    name: 'book_table',
    description: 'Books a table.',
    parameters: z.object({ party: z.number(), time: z.string() }),
    execute: async (args) => {
      bookings.push(args)
      return `Booked: reference T${bookings.length}`
    },
  })
  return new RealtimeSession(new RealtimeAgent({ name: 'Host', tools: [bookTable] }), { transport: 'websocket' })
}

const test = fakeTest.override({
  fakeServerOptions: {
    reply: (ctx) =>
      /table/.test(ctx.userText ?? '')
        ? { toolCalls: [{ name: 'book_table', arguments: { party: 4, time: '20:00' } }], followUp: ({ toolOutputs }) => `${toolOutputs[0]!.output}.` }
        : 'How can I help?',
  },
  voiceOptions: {
    agentFactory: (target) => {
      targets.push(target)
      const adapter = new RealtimeSessionAdapter(createBookingSession(), { url: target.url })
      made.push(adapter)
      return adapter
    },
  },
})

describe('voiceOptions.agentFactory (Vitest)', () => {
  test('voiceAgent is the adapter the factory made, connected to the fake server', async ({ voiceAgent, fakeServer }) => {
    expect(voiceAgent).toBe(made[0])
    expect(targets).toEqual([{ url: fakeServer.url, apiKey: undefined }])
    expect((voiceAgent as RealtimeSessionAdapter).connected).toBe(true)
    await voiceAgent.sendText?.('A table for four at eight, please.')
    await expect(voiceAgent).toCallTool('book_table', { party: 4, time: '20:00' })
    await expect(voiceAgent).toSay('booked reference T1')
    expect(bookings).toEqual([{ party: 4, time: '20:00' }])
    expect((voiceAgent as RealtimeSessionAdapter).transcript).toMatchInlineSnapshot(`
      VoiceTranscript [
        user (text): A table for four at eight, please.
        agent: [tool call] book_table({"party":4,"time":"20:00"}) → Booked: reference T1
        agent: Booked: reference T1.
      ]
    `)
  })

  test('the previous test’s adapter was disconnected; each test gets a new one', async ({ voiceAgent }) => {
    expect(made).toHaveLength(2)
    expect(made[0]!.connected).toBe(false)
    expect(voiceAgent).toBe(made[1])
    await voiceAgent.sendText?.('Hello.')
    await expect(voiceAgent).toSay('how can I help')
  })
})
