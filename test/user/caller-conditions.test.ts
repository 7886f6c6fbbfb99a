// The simulated caller in real conditions: phone lines, noise, lost packets, key presses and pauses, offline.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import '../../src/vitest.js'
import { createVoiceUser, InvalidOptionError, type VoiceUser } from '../../src/index.js'
import { applyConditions, writeWav } from '../../src/audio.js'
import { voiceAgent } from '../helpers/voice.js'
import { gaussianNoise, toPcm16 } from '../audio/helpers.js'

const LINE = 'I want to book a table for two at seven pm'

function track(user: VoiceUser): VoiceUser {
  onTestFinished(() => user.disconnect())
  return user
}

describe('user.say with caller conditions, against the fake server', () => {
  it('mild conditions: the fake still hears every word (toTranscribeAs passes)', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent, conditions: { noise: { snrDb: 35 }, gain: { db: -6 }, packetLoss: { rate: 0.05 } } }))
    await user.say(LINE)
    await expect(agent).toTranscribeAs('I want to book a table for 2 at 7 pm')
    await user.say(LINE, { conditions: { phoneLine: true } })
    await expect(agent).toTranscribeAs('I want to book a table for 2 at 7 pm')
    await user.say(LINE, { conditions: { phoneLine: { codec: 'alaw' }, gain: { db: -3 } } })
    await expect(agent).toTranscribeAs('I want to book a table for 2 at 7 pm')
  })

  it('strong noise and heavy loss: words drop, as a real recogniser loses them', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent }))
    await user.say(LINE, { conditions: { noise: { snrDb: 12 } } })
    await expect(agent).not.toTranscribeAs(LINE)
    const noisy = agent.turns[0]!.transcription ?? ''
    await user.say(LINE, { conditions: { packetLoss: { rate: 0.4, burst: 4 } } })
    await expect(agent).not.toTranscribeAs(LINE)
    const lossy = agent.turns[1]!.transcription ?? ''
    for (const heard of [noisy, lossy]) {
      const words = LINE.split(' ')
      // Fewer of the words, and none invented in their place beyond what was lost.
      expect(heard.split(' ').filter((w) => words.includes(w)).length).toBeLessThan(words.length - 2)
    }
  })

  it('the same line and seed give the same audio; each line of a user gets its own noise', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent, conditions: { noise: { snrDb: 20 }, seed: 9 } }))
    await user.say('hello there')
    await user.say('hello there')
    const sent = Buffer.concat(agent.turns[0]!.audio)
    const half = sent.length / 2
    const [first, second] = [sent.subarray(0, half), sent.subarray(half)]
    expect(first.equals(second)).toBe(false)
    const { synthesizeSpeech } = await import('../../src/audio/synthetic-voice.js')
    const expected = applyConditions({ data: synthesizeSpeech('hello there'), sampleRate: 24_000 }, { noise: { snrDb: 20 }, seed: 9 })
    expect(first.equals(expected.data)).toBe(true)
  })

  it('a noise recording given as a WAV file path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'expect-voice-noise-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'cafe.wav')
    await writeFile(path, writeWav({ data: toPcm16(gaussianNoise(8000, -30, 2)), sampleRate: 8000 }))
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent }))
    const result = await user.say('hello there', { conditions: { noise: { snrDb: 40, noise: path } } })
    expect(result.source).toBe('synthetic')
    await expect(agent).toTranscribeAs('hello there')
  })

  it('bad conditions fail where they are written, naming the option', async () => {
    const { agent } = await voiceAgent()
    expect(() => createVoiceUser({ agent, conditions: { noise: { snr: 10 } } as never })).toThrow(/unknown option "snr"/)
    expect(() => createVoiceUser({ agent, conditions: { packetLoss: { rate: 3 } } })).toThrow(InvalidOptionError)
    const user = track(createVoiceUser({ agent }))
    await expect(user.say('hi', { conditions: { gain: { db: 'loud' as never } } })).rejects.toThrow(/option "db"/)
    await expect(user.pause(-1)).rejects.toThrow(/user.pause\(ms\)/)
    await expect(user.pressKeys('1 2 z')).rejects.toThrow(/not a DTMF key: "z"/)
  })
})

describe('user.pressKeys and user.pause', () => {
  it('pressKeys sends DTMF; the fake announces each key and hands them to the reply', async () => {
    const { agent, connection } = await voiceAgent({ reply: ({ dtmf }) => (dtmf ? `You pressed ${dtmf.split('').join(' ')}` : 'Press a key.') })
    const user = track(createVoiceUser({ agent }))
    const result = await user.pressKeys('1 2 3 #', { conditions: { phoneLine: true } })
    expect(result).toMatchObject({ source: 'dtmf', text: '1 2 3 #', said: '123#', durationMs: 800 })
    await expect(agent).toSay('you pressed 1 2 3')
    const events = connection.sent.filter((e) => e.type === 'input_audio_buffer.dtmf_event_received')
    expect(events.map((e) => (e as { event?: string }).event)).toEqual(['1', '2', '3', '#'])
  })

  it('pause sends silence within the turn: two lines and a pause are one turn, heard as one', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent }))
    await user.say('book a table')
    const paused = await user.pause(700)
    expect(paused).toMatchObject({ source: 'silence', durationMs: 700, chunks: 35 })
    await user.say('for two')
    await expect(agent).toTranscribeAs('book a table for 2')
    expect(agent.turns).toHaveLength(1)
    // The pause is digital silence unless its conditions give a noise level.
    const sent = Buffer.concat(agent.turns[0]!.audio)
    expect(sent.length).toBeGreaterThan(700 * 48)
  })

  it('a pause carries noise given as a level, and leaves out noise given as an SNR', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent }))
    await user.pause(100, { conditions: { noise: { snrDb: 10 } } })
    expect(Buffer.concat(agent.turns[0]!.audio).every((b) => b === 0)).toBe(true)
    await user.pause(100, { conditions: { noise: { levelDb: -50 } } })
    expect(Buffer.concat(agent.turns[0]!.audio).some((b) => b !== 0)).toBe(true)
  })
})
