import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime'
import { describe, expect, onTestFinished, test } from 'vitest'
import { z } from 'zod'
import '../../src/vitest.js'
import { createFakeRealtimeServer, synthesizeSpeech, type FakeRealtimeServerOptions } from '../../src/index.js'
import { RealtimeSessionAdapter } from '../../src/agents.js'
import { splitAudio } from '../../src/audio.js'
import { InvalidOptionError, MissingApiKeyError, RealtimeConnectionClosedError, RealtimeServerError, ToolCallError } from '../../src/errors/index.js'

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
  test('two messages while a response is active: the SDK asks once for both, and the turn still ends', async () => {
    const { adapter } = await connected({ reply: 'We open at ten, every day of the week, and we close at eleven at night.', streamSpeed: 4 })
    await adapter.sendText('When do you open?')
    await adapter.recvAudio(2000)
    // Both wait for the active response; the SDK merges them into one response.create once it is done.
    await adapter.sendText('And on Sundays?')
    await adapter.sendText('And on holidays?')
    while ((await adapter.recvAudio(2000)) !== null);
    const creates = adapter.timeline.filter((e) => e.direction === 'out' && e.type === 'response.create')
    expect(creates).toHaveLength(2)
    await expect(adapter).toSay('we open at ten')
  })

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

  test('push-to-talk: the SDK configures semantic VAD, the adapter switches turn detection off after it', async () => {
    const { adapter, server } = await connected(booking)
    const updates = adapter.timeline.filter((e) => e.direction === 'out' && e.type === 'session.update')
    expect(updates.length).toBeGreaterThanOrEqual(2)
    await expect.poll(() => server.connections[0]?.session.turnDetection).toBeNull()
  })

  test('pushToTalk: false leaves the session’s own turn detection on', async () => {
    const server = await createFakeRealtimeServer(booking)
    const adapter = new RealtimeSessionAdapter(createBookingSession([]), { url: server.url, pushToTalk: false })
    onTestFinished(async () => {
      await adapter.disconnect()
      await server.close()
    })
    await adapter.connect()
    await expect.poll(() => server.connections[0]?.session.turnDetection).toMatchObject({ type: 'semantic_vad' })
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

  test('speaking over a response: the SDK holds the next response.create back, recvAudio reads the next answer', async () => {
    const { adapter } = await connected({
      reply: ({ userText }) => (/sunday/i.test(userText ?? '') ? 'Yes, on Sunday too.' : 'We open at ten, every day of the week, and we close at eleven.'),
      paceMs: 20,
    })
    await adapter.sendText('When do you open?')
    expect(await adapter.recvAudio(2000)).not.toBeNull() // the first answer is streaming
    for (const chunk of splitAudio(synthesizeSpeech('Are you open on Sunday?'), { chunkMs: 100 })) await adapter.sendAudio(chunk)
    while ((await adapter.recvAudio(5000)) !== null); // ends the audio turn while the first answer is still active
    expect(adapter.turns.map((t) => t.response?.status)).toEqual(['completed', 'completed'])
    expect(adapter.lastAgentTranscript).toBe('Yes, on Sunday too.')
  })

  test('a tool that answers while the response still speaks: the follow-up is still the turn’s answer', async () => {
    const calls: Array<{ party: number; time: string }> = []
    const { adapter } = await connected(
      {
        reply: {
          text: 'One moment while I check the book for you.',
          toolCalls: [{ name: 'book_table', arguments: { party: 2, time: '19:00' } }],
          followUp: ({ toolOutputs }) => `Booked, your reference is ${(toolOutputs[0]!.value as { ref: string }).ref}.`,
        },
        paceMs: 20,
      },
      calls,
    )
    await adapter.sendText('A table for two at seven, please.')
    await expect(adapter).toSay('booked, your reference is T2')
    const [first] = adapter.turns[0]!.responses
    // The output went out before the calling response was done: the SDK held the follow-up's response.create back.
    expect(adapter.toolCalls[0]!.endedAt!).toBeLessThan(first!.doneAt!)
    expect(adapter.turns[0]!.responses).toHaveLength(2)
  })

  test('a handoff runs in the SDK: the new agent answers in the same turn, turn detection stays off', async () => {
    const server = await createFakeRealtimeServer({
      reply: ({ userText }) =>
        /bill/i.test(userText ?? '') ? { toolCalls: [{ name: 'transfer_to_Billing', arguments: {} }], followUp: 'Billing here, how can I help?' } : 'Hello.',
    })
    const billing = new RealtimeAgent({ name: 'Billing', instructions: 'You handle bills.' })
    const host = new RealtimeAgent({ name: 'Host', instructions: 'You book tables.', handoffs: [billing] })
    const session = new RealtimeSession(host, { transport: 'websocket' })
    const adapter = new RealtimeSessionAdapter(session, { url: server.url })
    onTestFinished(async () => {
      await adapter.disconnect()
      await server.close()
    })
    await adapter.connect()
    await adapter.sendText('I have a question about my bill.')
    await expect(adapter).toCallTool('transfer_to_Billing')
    await expect(adapter).toSay('billing here')
    expect(session.currentAgent.name).toBe('Billing')
    expect(adapter.turns).toHaveLength(1)
    await expect.poll(() => server.connections[0]?.session.turnDetection).toBeNull()
    expect(server.connections[0]?.session.instructions).toBe('You handle bills.')
  })

  test('an output guardrail trips: the SDK cuts the answer off (an interrupt) and sends its feedback (a text turn)', async () => {
    const server = await createFakeRealtimeServer({
      reply: ({ turn }) =>
        turn === 0 ? 'The secret code is one two three four, and I will keep talking about it for a long while yet.' : 'Sorry, I cannot share that.',
      paceMs: 20,
    })
    const session = new RealtimeSession(new RealtimeAgent({ name: 'Host' }), {
      transport: 'websocket',
      outputGuardrails: [{ name: 'no secrets', execute: async ({ agentOutput }) => ({ tripwireTriggered: /secret/i.test(agentOutput), outputInfo: {} }) }],
      outputGuardrailSettings: { debounceTextLength: 10 },
    })
    const adapter = new RealtimeSessionAdapter(session, { url: server.url })
    onTestFinished(async () => {
      await adapter.disconnect()
      await server.close()
    })
    await adapter.connect()
    await adapter.sendText('What is the secret code?')
    // The SDK sends its feedback as a message of its own and asks for the answer once the cut response is done:
    // wait for that request, since the adapter cannot know that a message the SDK sends will get one.
    await expect.poll(() => adapter.turns[1]?.response ?? null).not.toBeNull()
    expect(adapter.turns).toHaveLength(2)
    expect(adapter.turns[0]!.response!.interruptedAt).not.toBeNull()
    expect(adapter.turns[1]!.input).toBe('text')
    await expect(adapter).toSay('sorry, I cannot share that')
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

describe('RealtimeSessionAdapter: failures are typed and named', () => {
  test('no key and no url: MissingApiKeyError', () => {
    const saved = process.env.OPENAI_API_KEY
    delete process.env.OPENAI_API_KEY
    try {
      expect(() => new RealtimeSessionAdapter(createBookingSession([]))).toThrow(MissingApiKeyError)
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved
    }
  })

  test('not a session: InvalidOptionError', () => {
    expect(() => new RealtimeSessionAdapter({} as never, { url: 'ws://127.0.0.1:1' })).toThrow(/must be a RealtimeSession/)
  })

  test('a session on another transport: InvalidOptionError from connect()', async () => {
    // What a WebRTC session offers: a transport without the WebSocket's `connectionState`.
    const transport = { on() {}, off() {}, sendEvent() {} }
    const session = { transport, connect: async () => {}, close() {}, sendAudio() {}, sendMessage() {}, interrupt() {}, on() {}, off() {} }
    const adapter = new RealtimeSessionAdapter(session, { url: 'ws://127.0.0.1:1' })
    await expect(adapter.connect()).rejects.toThrow(InvalidOptionError)
    await expect(adapter.connect()).rejects.toThrow(/closed/)
  })

  test('the url gets ?model= from the session', () => {
    const adapter = new RealtimeSessionAdapter(createBookingSession([]), { url: 'ws://127.0.0.1:1234/v1/realtime' })
    expect(adapter.url).toBe('ws://127.0.0.1:1234/v1/realtime?model=gpt-realtime-mini')
  })

  test('a server error fails the waiting matcher with it', async () => {
    const { adapter } = await connected({ reply: 'hi', faults: { errorOnResponseCreate: { type: 'server_error', code: 'overloaded', message: 'busy' } } })
    await adapter.sendText('Hello?')
    await expect(adapter.recvAudio(2000)).rejects.toThrow(RealtimeServerError)
  })

  test('a dropped connection fails the waiting recvAudio with RealtimeConnectionClosedError', async () => {
    const { adapter } = await connected({ reply: 'We open at ten, every day of the week.', faults: { closeAfterDeltas: { count: 1 } } })
    await adapter.sendText('When do you open?')
    const error = await (async () => {
      while (true) await adapter.recvAudio(2000)
    })().catch((err: unknown) => err)
    expect(error).toBeInstanceOf(RealtimeConnectionClosedError)
    expect((error as Error).message).toMatch(/connection closed while waiting for audio; received before the close: .*response.output_audio.delta/)
    await expect(adapter.sendText('Hello?')).rejects.toThrow(RealtimeConnectionClosedError)
  })

  test('a call of a tool the agent does not have: ToolCallError at once, naming the SDK’s error', async () => {
    const { adapter } = await connected({ reply: { toolCalls: [{ name: 'cancel_booking', arguments: {} }], followUp: 'Cancelled.' } })
    await adapter.sendText('Cancel my booking.')
    const error = await (async () => {
      while ((await adapter.recvAudio(5000)) !== null);
    })().catch((err: unknown) => err)
    expect(error).toBeInstanceOf(ToolCallError)
    expect((error as ToolCallError).toolName).toBe('cancel_booking')
    expect((error as Error).message).toMatch(/could not answer the call of cancel_booking .*not found/)
    expect(adapter.toolCalls[0]!.error).toMatch(/not found/)
  })

  test('expect-voice itself never imports the SDK (it stays an optional peer)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs')
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
    const importing = files.filter((f) => /from '@openai\/agents|import\('@openai\/agents|require\('@openai\/agents/.test(readFileSync(`src/${f}`, 'utf8')))
    expect(importing).toEqual([])
  })
})
