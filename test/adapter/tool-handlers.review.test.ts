/**
 * Tool calls at the edges of a turn, on scripted streams (the server says exactly what the test sends): a call that
 * finishes arriving after an interrupt, an earlier turn's late follow-up, a failure left over from an earlier turn,
 * and a socket that closes while a handler runs.
 */
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import type { ToolHandlerContext } from '../../src/index.js'
import { scriptedVoiceAgent } from '../helpers/scripted.js'

const created = (id: string) => ({ type: 'response.created', response: { id, status: 'in_progress', output: [] } })
const call = (responseId: string, callId: string) => ({
  type: 'response.function_call_arguments.done',
  response_id: responseId,
  item_id: `fc_${callId}`,
  call_id: callId,
  name: 'book_table',
  arguments: '{"party":2}',
})
const done = (id: string, status = 'completed') => ({ type: 'response.done', response: { id, status, output: [] } })

/** Resolves once the adapter has sent `count` client events of `type`. */
async function sent(agent: { timeline: readonly { direction: string; type: string }[] }, type: string, count = 1): Promise<void> {
  while (agent.timeline.filter((e) => e.direction === 'out' && e.type === type).length < count) await new Promise((r) => setTimeout(r, 2))
}

describe('tool calls at the edges of a turn', () => {
  it('a call that finishes arriving after interrupt() is recorded, not run, and the turn ends', async () => {
    let runs = 0
    const { agent, connection } = await scriptedVoiceAgent({ toolHandlers: { book_table: () => ++runs } })
    await agent.sendText('book a table')
    connection.send(created('resp_1'))
    await sent(agent, 'response.create')
    await agent.interrupt()
    connection.send(call('resp_1', 'call_1'))
    connection.send(done('resp_1', 'cancelled'))
    expect(await agent.recvAudio(2000)).toBeNull()
    expect(runs).toBe(0)
    expect(agent.toolCalls.map((c) => c.callId)).toEqual(['call_1'])
    expect(agent.currentResponse?.awaitingFollowUp).toBe(false)
  })

  it("an earlier turn's late follow-up does not take over the reading of the latest turn", async () => {
    let settle!: (value: unknown) => void
    const { agent, connection } = await scriptedVoiceAgent({ toolHandlers: { book_table: () => new Promise((resolve) => (settle = resolve)) } })
    await agent.sendText('book a table')
    connection.send(created('resp_1'))
    connection.send(call('resp_1', 'call_1'))
    connection.send(done('resp_1'))
    await sent(agent, 'response.create')
    while (!settle) await new Promise((r) => setTimeout(r, 2))
    await agent.sendText('what time is it?')
    const second = agent.currentResponse
    expect(agent.turns[1]!.response).toBe(second)
    settle({ ok: true })
    await sent(agent, 'conversation.item.create', 3) // two user messages and the tool's output
    expect(agent.currentResponse).toBe(second)
    expect(agent.turns[0]!.responses).toHaveLength(2)
  })

  it('a tool failure of an earlier turn, after its wait gave up, does not fail the next turn', async () => {
    const failLater = () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('db down')), 100))
    const { agent, connection } = await scriptedVoiceAgent({ toolHandlers: { book_table: failLater } })
    await agent.sendText('book a table')
    connection.send(created('resp_1'))
    connection.send(call('resp_1', 'call_1'))
    connection.send(done('resp_1'))
    await expect(agent.recvAudio(20)).rejects.toMatchObject({ name: 'RealtimeTimeoutError' })
    while (!agent.toolCalls[0]?.error) await new Promise((r) => setTimeout(r, 5))
    await agent.sendText('never mind')
    connection.send(created('resp_2'))
    connection.send(done('resp_2'))
    expect(await agent.recvAudio(2000)).toBeNull()
  })

  it('a socket that closes while a handler runs aborts the handler at once', async () => {
    let signal: AbortSignal | undefined
    const { agent, connection } = await scriptedVoiceAgent({
      toolHandlers: { book_table: (_args: unknown, ctx: ToolHandlerContext) => new Promise(() => (signal = ctx.signal)) },
      toolTimeoutMs: 10_000,
    })
    await agent.sendText('book a table')
    connection.send(created('resp_1'))
    connection.send(call('resp_1', 'call_1'))
    while (!signal) await new Promise((r) => setTimeout(r, 2))
    connection.close(1011, 'gone')
    await expect(agent.recvAudio(2000)).rejects.toMatchObject({ name: 'RealtimeConnectionClosedError' })
    expect(signal.aborted).toBe(true)
  })

  it('a call answered by hand while another call of the response still runs its handler: both outputs are sent', async () => {
    let settle!: (value: unknown) => void
    const { agent, connection } = await scriptedVoiceAgent({
      tools: [
        { type: 'function', name: 'lookup', parameters: {}, execute: () => new Promise((resolve) => (settle = resolve)) },
        { type: 'function', name: 'book_table', parameters: {} },
      ],
      toolHandlers: 'manual',
    })
    await agent.sendText('book a table')
    connection.send(created('resp_1'))
    connection.send({ ...call('resp_1', 'call_lookup'), name: 'lookup' })
    connection.send(call('resp_1', 'call_book'))
    connection.send(done('resp_1'))
    expect(await agent.recvAudio(2000)).toBeNull()
    while (!settle) await new Promise((r) => setTimeout(r, 2))
    await agent.sendToolResult('call_book', { booked: true })
    settle({ open: true })
    await sent(agent, 'conversation.item.create', 3) // the user message and both tool outputs
    const outputs = agent.toolCalls.map((c) => [c.callId, c.output])
    expect(outputs).toEqual([
      ['call_lookup', '{"open":true}'],
      ['call_book', '{"booked":true}'],
    ])
  })
})
