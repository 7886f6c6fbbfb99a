import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime'
import { describe, expect, onTestFinished, test } from 'vitest'
import { z } from 'zod'
import '../../src/vitest.js'
import { createFakeRealtimeServer, synthesizeSpeech, type FakeRealtimeServerOptions } from '../../src/index.js'
import { RealtimeSessionAdapter } from '../../src/agents.js'
import { splitAudio } from '../../src/audio.js'

/** The app's own agent: a real tool whose code runs in the test. */
function createBookingSession(calls: Array<{ party: number; time: string }>) {
  const bookTable = tool({
    name: 'book_table',
    description: 'Books a table.',
    parameters: z.object({ party: z.number(), time: z.string() }),
    execute: async ({ party, time }) => {
      calls.push({ party, time })
      return { ok: true, ref: `T${party}` }
    },
  })
  const agent = new RealtimeAgent({ name: 'Host', instructions: 'You book tables.', tools: [bookTable] })
  return new RealtimeSession(agent, { transport: 'websocket', model: 'gpt-realtime-mini' })
}

const booking: FakeRealtimeServerOptions = {
  reply: (ctx) =>
    /table/i.test(ctx.userText ?? '')
      ? {
          toolCalls: [{ name: 'book_table', arguments: { party: 2, time: '19:00' } }],
          followUp: ({ toolOutputs }) => `Booked, your reference is ${(toolOutputs[0]!.value as { ref: string }).ref}.`,
        }
      : 'We open at ten, every day of the week, and we close at eleven at night.',
}

async function connected(options: FakeRealtimeServerOptions, calls: Array<{ party: number; time: string }> = []) {
  const server = await createFakeRealtimeServer(options)
  const adapter = new RealtimeSessionAdapter(createBookingSession(calls), { url: server.url })
  onTestFinished(async () => {
    await adapter.disconnect()
    await server.close()
  })
  await adapter.connect()
  return { server, adapter }
}

describe('RealtimeSessionAdapter against the fake server', () => {
  test('text turn: toRespondWithin, toSay, transcript', async () => {
    const { adapter } = await connected(booking)
    await adapter.sendText('When do you open?')
    await expect(adapter).toRespondWithin(2000)
    await expect(adapter).toSay('we open at ten')
    expect(adapter.transcript).toMatchInlineSnapshot(`
      VoiceTranscript [
        user (text): When do you open?
        agent: We open at ten, every day of the week, and we close at eleven at night.
      ]
    `)
  })

  test('audio turn: toTranscribeAs, toSay', async () => {
    const { adapter } = await connected(booking)
    for (const chunk of splitAudio(synthesizeSpeech('When do you open?'), { chunkMs: 100 })) await adapter.sendAudio(chunk)
    await expect(adapter).toRespondWithin(2000)
    await expect(adapter).toTranscribeAs('when do you open')
    await expect(adapter).toSay('we open at ten')
  })

  test('a tool call runs the agent’s own tool code; toCallTool, toSay and the transcript see it', async () => {
    const calls: Array<{ party: number; time: string }> = []
    const { adapter } = await connected(booking, calls)
    await adapter.sendText('A table for two at seven, please.')
    await expect(adapter).toCallTool('book_table', { party: 2, time: '19:00' })
    await expect(adapter).toSay('booked, your reference is T2')
    expect(calls).toEqual([{ party: 2, time: '19:00' }])
    expect(adapter.toolCalls[0]).toMatchObject({ name: 'book_table', output: '{"ok":true,"ref":"T2"}' })
    expect(adapter.toolCalls[0]!.startedAt).not.toBeNull()
    expect(adapter.transcript).toMatchInlineSnapshot(`
      VoiceTranscript [
        user (text): A table for two at seven, please.
        agent: [tool call] book_table({"party":2,"time":"19:00"}) → {"ok":true,"ref":"T2"}
        agent: Booked, your reference is T2.
      ]
    `)
  })

  test('interrupt: toStopOnInterrupt', async () => {
    const { adapter } = await connected({ ...booking, latencyMs: 0 })
    await adapter.sendText('When do you open?')
    await expect(adapter).toStopOnInterrupt()
    // The SDK's own interrupt went out: the cancel and the truncation of what was played.
    const sent = adapter.timeline.filter((e) => e.direction === 'out').map((e) => e.type)
    expect(sent).toContain('response.cancel')
    expect(adapter.responses.at(-1)?.interruptedAt).not.toBeNull()
  })
})
