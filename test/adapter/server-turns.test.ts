// Server turn detection: the server ends the caller's turns; the adapter reads the responses it starts.
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { createVoiceUser, InvalidOptionError } from '../../src/index.js'
import { drain } from '../helpers/drain.js'
import { testAdapter, voiceAgent } from '../helpers/voice.js'

describe('turnDetection (server VAD)', () => {
  it('sends it in session.update, never commits, and reads each answer the server starts, turn after turn', async () => {
    const { agent, connection } = await voiceAgent(
      { reply: ({ userText }) => `You said ${userText}.` },
      { turnDetection: { type: 'server_vad', silence_duration_ms: 300 } },
    )
    expect(connection.session.turnDetection).toMatchObject({ type: 'server_vad', silence_duration_ms: 300 })
    const user = createVoiceUser({ agent, voice: 'fake' })
    for (const line of ['hello there', 'a table for two']) {
      await user.say(line)
      await user.pause(400)
      // Read at once: the server has not even committed yet, and the previous answer has ended.
      const chunks = await drain(agent, 5000)
      expect(chunks.length).toBeGreaterThan(0)
      expect(agent.lastAgentTranscript).toBe(`You said ${line}.`)
    }
    expect(agent.turns.map((t) => [t.transcription, t.response?.transcript])).toEqual([
      ['hello there', 'You said hello there.'],
      ['a table for two', 'You said a table for two.'],
    ])
    expect(connection.received.filter((e) => e.type === 'input_audio_buffer.commit' || e.type === 'response.create')).toEqual([])
    await user.disconnect()
  })

  it('a recvAudio while the caller has not stopped talking times out saying so', async () => {
    const { agent } = await voiceAgent({ reply: 'Hi.' }, { turnDetection: { type: 'server_vad' } })
    const user = createVoiceUser({ agent, voice: 'fake' })
    await user.say('hello there') // no silence after it: the server's VAD never hears the caller stop
    await expect(agent.recvAudio(300)).rejects.toThrow(/waiting for the server's turn detection to end the caller's turn \(send silence after the speech\)/)
    await user.disconnect()
  })

  it('rejects a turnDetection that is not server_vad or semantic_vad', () => {
    expect(() => testAdapter('ws://127.0.0.1:1/v1/realtime', { turnDetection: { type: 'push' } as never })).toThrow(InvalidOptionError)
    expect(() => testAdapter('ws://127.0.0.1:1/v1/realtime', { turnDetection: 'server_vad' as never })).toThrow(/option "turnDetection"/)
  })
})
