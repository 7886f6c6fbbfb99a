/** The adapter answering function calls: tools[].execute, toolHandlers, 'manual', failures, interrupts. */
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { formatTranscript, OpenAIRealtimeAdapter, ToolCallError, type FakeRealtimeServerOptions, type ToolHandlerContext } from '../../src/index.js'
import { TEST_API_KEY, voiceAgent } from '../helpers/voice.js'

const BOOK_TABLE = {
  type: 'function' as const,
  name: 'book_table',
  description: 'Books a table.',
  parameters: { type: 'object', properties: { party: { type: 'number' } } },
}

/** Calls book_table({ party: 2 }) (after saying "One moment."), then answers with the tool's result. */
const booking = (extra: FakeRealtimeServerOptions = {}): FakeRealtimeServerOptions => ({
  reply: {
    text: 'One moment.',
    toolCalls: [{ name: 'book_table', arguments: { party: 2 }, callId: 'call_book_000001' }],
    followUp: ({ toolOutputs }) => ((toolOutputs[0]?.value as { ok?: boolean })?.ok ? 'Your table for two is booked.' : 'That did not work.'),
  },
  ...extra,
})

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

/** Reads the rest of the turn's audio; resolves once recvAudio says it has ended. */
async function drain(agent: OpenAIRealtimeAdapter): Promise<void> {
  while ((await agent.recvAudio(5000)) !== null);
}

describe('tool handlers', () => {
  it('runs tools[].execute, sends its output, asks for the follow-up on the same turn; execute never goes on the wire', async () => {
    const seen: Array<{ args: unknown; ctx: ToolHandlerContext }> = []
    const { agent, connection } = await voiceAgent(booking(), {
      tools: [{ ...BOOK_TABLE, execute: (args, ctx) => (seen.push({ args, ctx }), { ok: true }) }],
    })
    await agent.sendText('A table for two, please.')
    await expect(agent).toSay('your table for two is booked')
    expect(seen).toHaveLength(1)
    expect(seen[0]!.args).toEqual({ party: 2 })
    expect(seen[0]!.ctx).toMatchObject({ callId: 'call_book_000001', name: 'book_table' })
    expect(seen[0]!.ctx.signal).toBeInstanceOf(AbortSignal)

    const update = connection.received.find((e) => e.type === 'session.update') as unknown as { session: { tools: unknown[] } }
    expect(update.session.tools).toEqual([BOOK_TABLE])
    expect(agent.tools).toEqual([BOOK_TABLE])

    // Live-like order: the output after the tool's response is done, then one response.create.
    const types = connection.received.map((e) => (e.type === 'conversation.item.create' ? `item ${(e.item as { type: string }).type}` : e.type))
    expect(types.slice(types.indexOf('item message'))).toEqual(['item message', 'response.create', 'item function_call_output', 'response.create'])
    expect(connection.received).toContainEqual({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: 'call_book_000001', output: '{"ok":true}' },
    })

    expect(agent.turns).toHaveLength(1)
    const [turn] = agent.turns
    expect(turn!.responses).toHaveLength(2)
    expect(turn!.response).toBe(turn!.responses[1])
    const call = agent.toolCalls[0]!
    expect(call.output).toBe('{"ok":true}')
    expect(call.startedAt).toBeGreaterThanOrEqual(call.receivedAt)
    expect(call.endedAt).toBeGreaterThanOrEqual(call.startedAt!)
    expect(formatTranscript(agent.transcript)).toBe(
      [
        'user (text): A table for two, please.',
        'agent: [tool call] book_table({"party":2}) → {"ok":true}',
        'agent: One moment.',
        'agent: Your table for two is booked.',
      ].join('\n'),
    )
  })

  it('toRespondWithin measures the first audio of the turn, whichever response it came in, and shows the tool time', async () => {
    const { agent } = await voiceAgent(
      { reply: { toolCalls: [{ name: 'book_table', arguments: { party: 2 } }], followUp: 'Booked.' } },
      { toolHandlers: { book_table: () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 150)) } },
    )
    await agent.sendText('A table for two.')
    // The answer comes after the 150 ms handler: first audio later than 150 ms after the end of the turn.
    await expect(agent).not.toRespondWithin(140)
    const [turn] = agent.turns
    const firstAudio = turn!.responses[1]!.firstAudioAt!
    expect(turn!.responses[0]!.firstAudioAt).toBeNull()
    expect(firstAudio - turn!.endedAt!).toBeGreaterThan(140)
    const message = await rejectionOf(expect(agent).toRespondWithin(100))
    expect((message as Error).message).toMatch(/tool call {9}book_table \+\d+ ms; handler \+\d+ ms → \+\d+ ms \(\d+ ms\)/)
  })

  it('takes handlers from toolHandlers, async ones included', async () => {
    const { agent } = await voiceAgent(booking(), { toolHandlers: { book_table: async ({ party }: { party: number }) => ({ ok: party === 2 }) } })
    await agent.sendText('A table for two.')
    await expect(agent).toCallTool('book_table', { party: 2 })
    await expect(agent).toSay('your table for two is booked')
  })

  it('a handler that throws fails the waiting call with a ToolCallError naming the tool, the call and the error', async () => {
    const { agent, connection } = await voiceAgent(booking(), {
      toolHandlers: {
        book_table: () => {
          throw new RangeError('no tables left')
        },
      },
    })
    await agent.sendText('A table for two.')
    const err = await rejectionOf(expect(agent).toSay('booked'))
    expect(err).toBeInstanceOf(ToolCallError)
    expect(err).toMatchObject({ toolName: 'book_table', callId: 'call_book_000001', reason: 'threw' })
    expect((err as Error).message).toBe('tool "book_table" (call call_book_000001): the handler threw: RangeError: no tables left')
    expect((err as Error).cause).toBeInstanceOf(RangeError)
    // No output and no follow-up: the turn ends with the failed call.
    expect(connection.received.filter((e) => e.type === 'response.create')).toHaveLength(1)
    await drain(agent)
    expect(formatTranscript(agent.transcript)).toContain('agent: [tool call] book_table({"party":2}) [failed]')
  })

  it('a rejected promise is a failure like a throw (never an unhandled rejection)', async () => {
    const { agent } = await voiceAgent(booking(), { toolHandlers: { book_table: () => Promise.reject(new Error('db down')) } })
    await agent.sendText('A table for two.')
    const err = await rejectionOf(expect(agent).toCallTool('book_table'))
    expect(err).toBeInstanceOf(ToolCallError)
    expect((err as Error).message).toContain('the handler threw: Error: db down')
  })

  it('a handler that never settles times out after toolTimeoutMs, and its signal is aborted', async () => {
    let signal: AbortSignal | undefined
    const { agent } = await voiceAgent(booking(), {
      toolTimeoutMs: 100,
      toolHandlers: {
        book_table: (_args, ctx) => {
          signal = ctx.signal
          return new Promise(() => {})
        },
      },
    })
    await agent.sendText('A table for two.')
    const err = await rejectionOf(drain(agent))
    expect(err).toBeInstanceOf(ToolCallError)
    expect(err).toMatchObject({ reason: 'timeout', toolName: 'book_table' })
    expect((err as Error).message).toBe('tool "book_table" (call call_book_000001): the handler did not settle within 100 ms (toolTimeoutMs)')
    expect(signal?.aborted).toBe(true)
  })

  it('a call with no handler fails clearly, naming the ways to answer it', async () => {
    const { agent } = await voiceAgent(booking(), { toolHandlers: { other_tool: () => 1 } })
    await agent.sendText('A table for two.')
    const err = await rejectionOf(expect(agent).toSay('booked'))
    expect(err).toBeInstanceOf(ToolCallError)
    expect(err).toMatchObject({ reason: 'no-handler' })
    expect((err as Error).message).toBe(
      'tool "book_table" (call call_book_000001) has no handler (handlers: other_tool): give the tool an `execute` in `tools`, ' +
        "or `toolHandlers: { book_table: (args) => … }`; or pass `toolHandlers: 'manual'` and answer it with `agent.sendToolResult(callId, output)`",
    )
  })

  it("toolHandlers: 'manual' leaves the call to the test, whose sendToolResult answers on the same turn", async () => {
    const { agent } = await voiceAgent(booking(), { toolHandlers: 'manual' })
    await agent.sendText('A table for two.')
    await expect(agent).toCallTool('book_table', { party: 2 })
    await expect(agent).toSay('one moment')
    await agent.sendToolResult('call_book_000001', { ok: true })
    await expect(agent).toSay('your table for two is booked')
    expect(agent.turns).toHaveLength(1)
    expect(formatTranscript(agent.transcript)).toContain('agent: [tool call] book_table({"party":2}) → {"ok":true}')
  })

  it('arguments that are not valid JSON fail the call (the handler is not run)', async () => {
    let ran = false
    const { agent } = await voiceAgent(
      { reply: { toolCalls: [{ name: 'book_table', arguments: '{"party": 2,' }] } },
      { toolHandlers: { book_table: () => (ran = true) } },
    )
    await agent.sendText('A table for two.')
    const err = await rejectionOf(expect(agent).toCallTool('book_table'))
    expect(err).toMatchObject({ reason: 'invalid-arguments' })
    expect((err as Error).message).toContain('its arguments are not valid JSON: "{\\"party\\": 2,"')
    expect(ran).toBe(false)
  })

  it('an interrupt during the follow-up response stops it; the transcript shows the call, its result and the cut answer', async () => {
    const { agent } = await voiceAgent(
      {
        reply: {
          toolCalls: [{ name: 'book_table', arguments: { party: 2 }, callId: 'call_book_000001' }],
          followUp: 'Your table for two is booked for seven o clock tonight, and we look forward to seeing you then.',
        },
      },
      { toolHandlers: { book_table: () => ({ ok: true }) } },
    )
    await agent.sendText('A table for two.')
    await expect(agent).toStopOnInterrupt()
    const [turn] = agent.turns
    expect(turn!.responses[1]!.status).toBe('cancelled')
    expect(agent.transcript).toMatchSnapshot()
  })

  it('an interrupt while a handler runs aborts it: no output, no follow-up, no error', async () => {
    let signal: AbortSignal | undefined
    let started!: () => void
    const running = new Promise<void>((resolve) => (started = resolve))
    const { agent, connection } = await voiceAgent(
      { reply: { toolCalls: [{ name: 'book_table', arguments: { party: 2 } }], followUp: 'Booked.' } },
      {
        toolHandlers: {
          book_table: (_args, ctx) => {
            signal = ctx.signal
            started()
            return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ ok: false })))
          },
        },
      },
    )
    await agent.sendText('A table for two.')
    await running
    await agent.interrupt()
    expect(signal?.aborted).toBe(true)
    expect(await agent.recvAudio(1000)).toBeNull()
    expect(connection.received.filter((e) => e.type === 'conversation.item.create' && (e.item as { type: string }).type === 'function_call_output')).toEqual([])
    expect(agent.turns[0]!.responses).toHaveLength(1)
  })

  it('redacts the agent key from tool arguments and results in the transcript and in matcher messages', async () => {
    const { agent } = await voiceAgent(
      { reply: { toolCalls: [{ name: 'book_table', arguments: { note: TEST_API_KEY } }], followUp: 'Booked.' } },
      { toolHandlers: { book_table: () => ({ echoed: TEST_API_KEY }) } },
    )
    await agent.sendText('A table for two.')
    await expect(agent).toSay('booked')
    const text = formatTranscript(agent.transcript)
    expect(text).toContain('agent: [tool call] book_table({"note":"[redacted]"}) → {"echoed":"[redacted]"}')
    expect(text).not.toContain(TEST_API_KEY)
    const failure = (await rejectionOf(expect(agent).toCallTool('other_tool'))) as Error & { actual?: unknown }
    expect(failure.message).toContain('→ {"echoed":"[redacted]"}')
    expect(failure.message).not.toContain(TEST_API_KEY)
    // `actual` (the calls, as objects) reaches JSON reports as it is: redacted too.
    expect(JSON.stringify(failure.actual)).toContain('[redacted]')
    expect(JSON.stringify(failure.actual)).not.toContain(TEST_API_KEY)
  })

  it('rejects bad tool options with typed errors', () => {
    const url = 'ws://127.0.0.1:1/v1/realtime'
    const make = (options: object) => () => new OpenAIRealtimeAdapter({ url, apiKey: TEST_API_KEY, ...options })
    expect(make({ toolHandlers: 'auto' })).toThrow(/option "toolHandlers" must be an object of functions by tool name, or 'manual', got "auto"/)
    expect(make({ toolHandlers: { f: 1 } })).toThrow(/option "toolHandlers.f" must be a function, got number/)
    expect(make({ tools: [{ ...BOOK_TABLE, execute: 'x' }] })).toThrow(/option "tools\[0\].execute" \(book_table\) must be a function/)
    expect(make({ tools: [{ ...BOOK_TABLE, execute: () => 1 }], toolHandlers: { book_table: () => 2 } })).toThrow(/tool "book_table" has two handlers/)
    expect(make({ toolTimeoutMs: 0 })).toThrow(/option "toolTimeoutMs" must be a positive number of ms, got 0/)
  })
})
