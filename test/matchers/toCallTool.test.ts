import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import type { FakeRealtimeServerOptions } from '../../src/index.js'
import { failureOf, stableFailureOf, voiceAgent } from '../helpers/voice.js'

/** A booking agent: calls book_table with what was asked, then says what the tool returned. */
const booking = (args: object | string = { party: 2, time: '19:00' }): FakeRealtimeServerOptions => ({
  reply: {
    toolCalls: [{ name: 'book_table', arguments: args, callId: 'call_book_000001' }],
    followUp: ({ toolOutputs }) => `Booked, reference ${(toolOutputs[0]?.value as { ref?: string } | undefined)?.ref ?? 'none'}.`,
  },
})
const bookTable = async (args: { party: number }) => ({ ok: true, ref: `T${args.party}` })

describe('toCallTool', () => {
  it('passes when the turn called the tool; args are partial and take asymmetric matchers', async () => {
    const { agent } = await voiceAgent(booking(), { toolHandlers: { book_table: bookTable } })
    await agent.sendText('A table for two at seven, please.')
    await expect(agent).toCallTool('book_table')
    await expect(agent).toCallTool('book_table', { party: 2 })
    await expect(agent).toCallTool('book_table', { party: expect.any(Number), time: expect.stringMatching(/^19:/) })
    await expect(agent).toCallTool('book_table', expect.objectContaining({ time: '19:00' }))
    await expect(agent).toCallTool('book_table', { party: 2 }, { times: 1 })
    // The follow-up response of the same turn is the answer heard.
    await expect(agent).toSay('booked, reference T2')
    expect(agent.turns).toHaveLength(1)
    expect(agent.transcript).toMatchSnapshot()
  })

  it('fails on other arguments, listing every call of the turn and the transcript', async () => {
    const { agent } = await voiceAgent(booking(), { toolHandlers: { book_table: bookTable } })
    await agent.sendText('A table for two at seven, please.')
    await expect(agent).not.toCallTool('book_table', { party: 3 })
    expect(await stableFailureOf(expect(agent).toCallTool('book_table', { party: 3 }))).toMatchSnapshot()
  })

  it('fails when the tool was not called at all', async () => {
    const { agent } = await voiceAgent({ reply: 'We are fully booked tonight.' })
    await agent.sendText('A table for two at seven, please.')
    await expect(agent).not.toCallTool('book_table')
    const message = await failureOf(expect(agent).toCallTool('book_table'))
    expect(message).toContain('Expected: a call of book_table\nReceived: no call of book_table')
    expect(message).toContain('Calls in this turn (0):\n  (none)')
    expect(message).toContain('agent: We are fully booked tonight.')
  })

  it('.not fails when the tool was called, with the same evidence', async () => {
    const { agent } = await voiceAgent(booking(), { toolHandlers: { book_table: bookTable } })
    await agent.sendText('A table for two at seven, please.')
    expect(await stableFailureOf(expect(agent).not.toCallTool('book_table'))).toMatchSnapshot()
  })

  it('counts calls with times: two calls in one response', async () => {
    const { agent, connection } = await voiceAgent(
      {
        reply: {
          toolCalls: [
            { name: 'book_table', arguments: { party: 2 } },
            { name: 'book_table', arguments: { party: 4 } },
          ],
          followUp: ({ toolOutputs }) => `Booked ${toolOutputs.map((o) => (o.value as { ref: string }).ref).join(' and ')}.`,
        },
      },
      { toolHandlers: { book_table: bookTable } },
    )
    await agent.sendText('Two tables, please.')
    await expect(agent).toCallTool('book_table', undefined, { times: 2 })
    await expect(agent).toCallTool('book_table', { party: 4 }, { times: 1 })
    await expect(agent).not.toCallTool('book_table', undefined, { times: 1 })
    await expect(agent).toSay('booked T2 and T4')
    // Both outputs went out before the one response.create that asked for the answer.
    const sent = connection.received.map((e) => (e.type === 'conversation.item.create' ? `output ${(e.item as { call_id: string }).call_id}` : e.type))
    expect(sent.slice(sent.indexOf('output call_FAKE000000000001'))).toEqual([
      'output call_FAKE000000000001',
      'output call_FAKE000000000002',
      'response.create',
    ])
    const message = await failureOf(expect(agent).toCallTool('book_table', undefined, { times: 3 }))
    expect(message).toContain('Expected: exactly 3 calls of book_table\nReceived: 2 calls of book_table')
    expect(message).toContain('  1. book_table({"party":2}) call call_FAKE000000000001 → {"ok":true,"ref":"T2"}')
    expect(message).toContain('  2. book_table({"party":4}) call call_FAKE000000000002 → {"ok":true,"ref":"T4"}')
  })

  it('fails, with and without .not, on arguments that are not valid JSON, naming the raw text', async () => {
    const { agent } = await voiceAgent(booking('{"party": 2,'), { toolHandlers: 'manual' })
    await agent.sendText('A table for two.')
    const message = await failureOf(expect(agent).toCallTool('book_table'))
    expect(message).toContain('The agent called book_table (call call_book_000001) with arguments that are not valid JSON:\n  {"party": 2,')
    expect(await failureOf(expect(agent).not.toCallTool('book_table', { party: 2 }))).toContain('not valid JSON')
  })

  it('fails when the agent was not asked anything, and rejects a bad name or times', async () => {
    const { agent } = await voiceAgent()
    expect(await failureOf(expect(agent).toCallTool('book_table'))).toContain('The agent has not been asked anything')
    expect(await failureOf(expect(agent).not.toCallTool('book_table'))).toContain('The agent has not been asked anything')
    await expect(expect(agent).toCallTool('')).rejects.toThrow(/name must be the function's name/)
    await expect(expect(agent).toCallTool('f', undefined, { times: 1.5 })).rejects.toThrow(/option "times" must be a whole number/)
  })
})
