import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { InvalidOptionError } from '../../src/errors/index.js'
import { createVoiceUser } from '../../src/user/index.js'
import type { FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { failureOf, stableFailureOf, voiceAgent } from '../helpers/voice.js'

const LONG = 'Our opening hours are from noon to eleven every day, and the kitchen closes an hour before that, on weekdays.'

/** An agent on the fake server with server VAD; it answers "eight" when it hears it, else the long reply. */
async function bargeable(server: FakeRealtimeServerOptions = {}) {
  const { agent, connection } = await voiceAgent(
    { reply: ({ userText }) => (userText?.includes('eight') ? 'Sure, a table for eight.' : LONG), ...server },
    { turnDetection: { type: 'server_vad' } },
  )
  const user = createVoiceUser({ agent, voice: 'fake' })
  // The first turn ends by the server's VAD: speech, then a pause longer than its 200 ms of silence.
  await user.say('when are you open')
  await user.pause(300)
  return { agent, user, connection }
}

describe('toYieldToCaller', () => {
  it('passes when the server cancels on the caller speaking and the agent answers the new words', async () => {
    const { agent, user, connection } = await bargeable()
    await expect(agent).toYieldToCaller(() => user.say('make it eight'), { answers: 'table for 8' })
    const [first, second] = agent.turns
    expect(first!.response!.status).toBe('cancelled')
    // The barge-in is the response's interruption: the run report's "interrupt stop" counts it.
    expect(first!.response!.interruptedAt).not.toBeNull()
    expect(first!.response!.doneAt! - first!.response!.interruptedAt!).toBeGreaterThanOrEqual(0)
    expect(second!.transcription).toBe('make it eight')
    expect(second!.response!.transcript).toBe('Sure, a table for eight.')
    // The server heard the caller over the agent: speech_started, then the cancel of the playing response.
    const types = connection.sent.map((e) => e.type)
    expect(types.filter((t) => t === 'input_audio_buffer.speech_started')).toHaveLength(2)
    expect(connection.received.filter((e) => e.type === 'input_audio_buffer.commit')).toHaveLength(0)
  })

  it('fails when the agent talks on over the caller, stating the audio after the barge-in; .not passes then', async () => {
    const { agent, user } = await bargeable({ honourCancel: false })
    const message = await stableFailureOf(
      expect(agent).toYieldToCaller(() => user.say('make it eight'), { within: 100 }),
      ['within 100 ms', 'than 100 ms'],
    )
    // How many chunks came late depends on where the stream was when the caller spoke.
    expect(message.replace(/\(\d+ chunks? later/, '(<k> chunks later')).toMatchSnapshot()
    // The same agent, asked again: it talks over the caller again, so .not passes.
    await user.say('when are you open')
    await user.pause(300)
    await expect(agent).not.toYieldToCaller(() => user.say('make it nine'), { within: 50 })
  })

  it('fails when the answer does not say what was expected', async () => {
    const { agent, user } = await bargeable()
    const message = await stableFailureOf(expect(agent).toYieldToCaller(() => user.say('make it eight'), { answers: /nine/ }))
    expect(message).toMatchSnapshot()
    const notMessage = await stableFailureOf(
      (async () => {
        const again = await bargeable()
        await expect(again.agent).not.toYieldToCaller(() => again.user.say('make it eight'))
      })(),
    )
    expect(notMessage).toMatchSnapshot()
  })

  it('says that no barge-in is possible without the server turn detection', async () => {
    const { agent } = await voiceAgent({ reply: LONG })
    const user = createVoiceUser({ agent, voice: 'fake' })
    await user.say('when are you open')
    const message = await failureOf(expect(agent).toYieldToCaller(() => user.say('make it eight')))
    expect(message).toContain("No barge-in is possible: the adapter's turn detection is off")
    // A precondition failure fails with .not too.
    expect(await failureOf(expect(agent).not.toYieldToCaller(() => user.say('make it eight')))).toContain('No barge-in is possible')
  })

  it('rejects bad options, naming them', async () => {
    const { agent } = await voiceAgent({ reply: LONG }, { turnDetection: { type: 'server_vad' } })
    await expect(expect(agent).toYieldToCaller('say this' as never)).rejects.toThrow(InvalidOptionError)
    await expect(expect(agent).toYieldToCaller(() => {}, { within: -1 })).rejects.toThrow(/option "within"/)
    await expect(expect(agent).toYieldToCaller(() => {}, { answers: 3 as never })).rejects.toThrow(/option "answers"/)
  })
})
