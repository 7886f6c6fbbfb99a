import WebSocket from 'ws'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { typecheckLiterals } from '../helpers/typecheck-literals.js'
import { speech, voiceAgent } from '../helpers/voice.js'

// Every frame the adapter puts on the wire, captured at the client socket's send().
function captureClientFrames(): unknown[] {
  const frames: unknown[] = []
  const send = WebSocket.prototype.send
  vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (this: WebSocket & { _isServer?: boolean }, data: unknown, ...rest: unknown[]) {
    if (this._isServer === false && typeof data === 'string') frames.push(JSON.parse(data))
    return (send as (...a: unknown[]) => void).call(this, data, ...rest)
  })
  return frames
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('adapter client events against the official SDK types', () => {
  it('every event the adapter sends type-checks as RealtimeClientEvent', async () => {
    const frames = captureClientFrames()
    const tools = [{ type: 'function' as const, name: 'book_table', description: 'Books a table', parameters: { type: 'object', properties: {} } }]
    const { agent } = await voiceAgent(
      {
        reply: (ctx) =>
          ctx.turn === 1
            ? { toolCalls: [{ name: 'book_table', arguments: { people: 2 } }] }
            : 'A long enough reply to be interrupted while it is still streaming.',
        paceMs: 10,
      },
      { instructions: 'Be brief.', tools, voice: 'marin', toolHandlers: 'manual' },
    )
    await agent.sendAudio(speech('book a table'))
    while ((await agent.recvAudio(2000)) !== null);
    await agent.sendText('book it')
    while ((await agent.recvAudio(2000)) !== null);
    await agent.sendToolResult(agent.toolCalls[0]!.callId, { ok: true })
    await agent.recvAudio(2000)
    await agent.interrupt()
    while ((await agent.recvAudio(2000)) !== null);

    const types = new Set(frames.map((f) => (f as { type: string }).type))
    expect([...types].sort()).toEqual([
      'conversation.item.create',
      'conversation.item.truncate',
      'input_audio_buffer.append',
      'input_audio_buffer.commit',
      'response.cancel',
      'response.create',
      'session.update',
    ])
    const problems = typecheckLiterals(frames, { typeName: 'RealtimeClientEvent', from: 'openai/resources/realtime/realtime' })
    expect(problems).toEqual([])
  }, 60_000)

  it('the check catches a malformed event (so it can fail)', () => {
    const problems = typecheckLiterals([{ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: 'off' } } } }], {
      typeName: 'RealtimeClientEvent',
      from: 'openai/resources/realtime/realtime',
    })
    expect(problems.length).toBeGreaterThan(0)
  }, 60_000)
})
