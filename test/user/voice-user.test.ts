import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import '../../src/vitest.js'
import { AgentRole, createVoiceUser, synthesizeSpeech, VOICE_USER_PROMPT_PREFIX, type FakeRealtimeServer, type VoiceUser } from '../../src/index.js'
import { tone, writeWav } from '../../src/audio.js'
// Not exported by a public entry.
import { syntheticSpeechDurationMs } from '../../src/audio/synthetic-voice.js'
import { isLoopbackUrl, resolveVoiceMode } from '../../src/user/index.js'
import { fakeServer, speech, testAdapter, voiceAgent } from '../helpers/voice.js'

afterEach(() => {
  vi.unstubAllEnvs()
})

/** The user, disconnected when the test finishes (before the agent and the servers). */
function track(user: VoiceUser): VoiceUser {
  onTestFinished(() => user.disconnect())
  return user
}

/** A temporary directory, removed when the test finishes. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'expect-voice-user-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A fake "user model": it answers `Repeat exactly: <line>` by speaking the line (or what `say` returns). */
function simulatorServer(say: (line: string) => string = (line) => line): Promise<FakeRealtimeServer> {
  return fakeServer({
    reply: ({ userText }) => say((userText ?? '').replace(VOICE_USER_PROMPT_PREFIX, '')),
    chunkMs: 50,
  })
}

describe('createVoiceUser: the synthetic (fake) voice', () => {
  it('say() speaks the line into the agent, which hears it and answers', async () => {
    const { agent, connection } = await voiceAgent()
    const user = track(createVoiceUser({ agent }))
    expect(user.mode).toBe('fake') // the agent is on 127.0.0.1
    expect(user.simulator).toBeNull()
    const result = await user.say('I want to book a table')
    expect(result).toEqual({
      source: 'synthetic',
      text: 'I want to book a table',
      said: 'I want to book a table',
      durationMs: syntheticSpeechDurationMs('I want to book a table'),
      chunks: Math.ceil(syntheticSpeechDurationMs('I want to book a table') / 20),
    })
    await expect(agent).toTranscribeAs('I want to book a table', { maxWer: 0 })
    await expect(agent).toSay('You said: I want to book a table', { exact: true })
    expect(connection.inputAudio[0]!.equals(synthesizeSpeech('I want to book a table'))).toBe(true)
  })

  it('say() does not end the turn: two lines make one user turn, like sendAudio', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent, voice: 'fake' }))
    await user.say('table for two')
    await user.say('at seven')
    expect(agent.turns).toHaveLength(1)
    await expect(agent).toSay('You said: table for two at seven')
  })

  it('realtime: true paces the audio like a microphone (never faster than its duration)', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent, realtime: true, chunkMs: 40 }))
    const started = performance.now()
    const result = await user.say('hi there')
    expect(result.durationMs).toBe(syntheticSpeechDurationMs('hi there'))
    expect(performance.now() - started).toBeGreaterThanOrEqual(result.durationMs - 2)
    expect(result.chunks).toBe(Math.ceil(result.durationMs / 40))
  })

  it('sayAudio() plays a WAV file, WAV bytes, raw PCM16 and chunks at other rates', async () => {
    const dir = await tempDir()
    const path = join(dir, 'book.wav')
    await writeFile(path, writeWav(speech('book a table')))

    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent }))
    expect(await user.sayAudio(path)).toMatchObject({ source: 'file', durationMs: syntheticSpeechDurationMs('book a table') })
    await expect(agent).toTranscribeAs('book a table', { maxWer: 0 })

    const raw = tone(300, 250)
    expect(await user.sayAudio(raw.data)).toMatchObject({ source: 'audio', durationMs: 250 })
    expect(await user.sayAudio(writeWav(raw))).toMatchObject({ source: 'audio', durationMs: 250 })
    expect(await user.sayAudio(tone(300, 250, { rate: 16_000 }))).toMatchObject({ source: 'audio', durationMs: 250 })
    expect(agent.turns.at(-1)!.audioBytes).toBe(3 * 250 * 48)
    await expect(user.sayAudio(join(dir, 'missing.wav'))).rejects.toThrow(/missing\.wav/)
  })

  it('sayText() is a typed user turn', async () => {
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent }))
    expect(await user.sayText('two people please')).toMatchObject({ source: 'text', durationMs: 0 })
    await expect(agent).toSay('You said: two people please')
    expect(agent.transcript[0]).toMatchObject({ role: 'user', text: 'two people please' })
  })

  it('rejects bad input and use after disconnect', async () => {
    const { agent } = await voiceAgent()
    expect(() => createVoiceUser({ agent: {} as never })).toThrow(/option "agent" must be a voice agent adapter/)
    expect(() => createVoiceUser({ agent, voice: 'robot' as never })).toThrow(/option "voice" must be/)
    expect(() => createVoiceUser({ agent, chunkMs: 0 })).toThrow(/"chunkMs" must be a positive number/)
    expect(() => createVoiceUser({ agent, maxWer: -1 })).toThrow(/"maxWer" must be a number ≥ 0 or false/)
    const user = track(createVoiceUser({ agent }))
    await expect(user.say('  ')).rejects.toThrow(/text must be a non-empty string/)
    await expect(user.sayAudio(42 as never)).rejects.toThrow(/WAV file path, WAV or PCM16 bytes, or an AudioChunk/)
    await user.disconnect()
    await expect(user.say('hello')).rejects.toThrow(/disconnected/)
  })
})

describe('createVoiceUser: a live simulator session (here a fake "user model" server)', () => {
  it('connects lazily, asks the USER-role session to repeat the line and streams its audio into the agent', async () => {
    const sim = await simulatorServer()
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent, voice: { url: sim.url, apiKey: 'sk-test-simulator-000000' } }))
    expect(user.mode).toBe('live')
    expect(sim.connections).toHaveLength(0) // nothing until the first say()

    const result = await user.say('I want to book a table')
    expect(result).toMatchObject({ source: 'simulator', text: 'I want to book a table', said: 'I want to book a table' })
    expect(result.durationMs).toBe(syntheticSpeechDurationMs('I want to book a table'))
    expect(user.simulator?.role).toBe(AgentRole.USER)

    const conn = sim.connections[0]!
    const update = conn.received.find((e) => e.type === 'session.update') as unknown as { session: { instructions: string } }
    expect(update.session.instructions).toMatch(/Say exactly that line, word for word/)
    const item = conn.received.find((e) => e.type === 'conversation.item.create') as unknown as { item: { content: Array<{ text: string }> } }
    expect(item.item.content[0]!.text).toBe('Repeat exactly: I want to book a table')

    // The agent under test heard the simulator's voice.
    await expect(agent).toTranscribeAs('I want to book a table', { maxWer: 0 })
    await expect(agent).toSay('You said: I want to book a table')

    await user.say('for two')
    expect(sim.connections).toHaveLength(1) // one session for every line
    await user.disconnect()
    await conn.waitForClose()
    expect(conn.closed).toBe(true)
  })

  it('throws, naming both, when the simulator says something else', async () => {
    const sim = await simulatorServer(() => 'Sorry, I cannot help with that request.')
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent, voice: { url: sim.url, apiKey: 'sk-test-simulator-000000' } }))
    await expect(user.say('book a table for two')).rejects.toThrow(
      /asked to say "book a table for two" but said "Sorry, I cannot help with that request\." \(word error rate \d\.\d\d > maxWer 0\.5\)/,
    )
    const lenient = track(createVoiceUser({ agent, voice: { url: sim.url, apiKey: 'sk-test-simulator-000000' }, maxWer: false }))
    expect(await lenient.say('book a table for two')).toMatchObject({ said: 'Sorry, I cannot help with that request.' })
  })

  it('uses a simulator adapter you pass, and leaves it connected', async () => {
    const sim = await simulatorServer()
    const { agent } = await voiceAgent()
    const mine = testAdapter(sim.url, { apiKey: 'sk-test-simulator-000000', role: AgentRole.USER })
    const user = track(createVoiceUser({ agent, voice: mine }))
    await user.say('hello there')
    await user.disconnect()
    expect(mine.connected).toBe(true)
    await mine.disconnect()
  })

  it('explains what to do when the live simulator has no key', async () => {
    vi.stubEnv('OPENAI_API_KEY', '')
    const { agent } = await voiceAgent()
    const user = track(createVoiceUser({ agent, voice: 'live' }))
    await expect(user.say('hello')).rejects.toThrow(/needs the live Realtime API[\s\S]*OPENAI_API_KEY[\s\S]*voice: 'fake'/)
  })
})

describe('choosing the voice', () => {
  it("'auto' is the synthetic voice on loopback addresses, the live simulator elsewhere", () => {
    const at = (url: string) => ({ url, sendAudio: async () => {}, recvAudio: async () => null, interrupt: async () => {} }) as never
    expect(resolveVoiceMode(at('ws://127.0.0.1:4567/v1/realtime?model=m'), 'auto')).toBe('fake')
    expect(resolveVoiceMode(at('ws://localhost:4567/v1/realtime'), undefined)).toBe('fake')
    expect(resolveVoiceMode(at('wss://[::1]:4567/v1/realtime'), undefined)).toBe('fake')
    expect(resolveVoiceMode(at('wss://api.openai.com/v1/realtime?model=gpt-realtime-mini'), undefined)).toBe('live')
    expect(resolveVoiceMode(at('wss://127.0.0.1.example.com/v1/realtime'), undefined)).toBe('live')
    expect(resolveVoiceMode({} as never, undefined)).toBe('live') // an adapter with no URL: assume a real agent
    expect(resolveVoiceMode(at('wss://api.openai.com/v1'), 'fake')).toBe('fake')
    expect(resolveVoiceMode(at('ws://127.0.0.1:1/v1'), 'live')).toBe('live')
    expect(isLoopbackUrl('http://127.1.2.3:80')).toBe(true)
    expect(isLoopbackUrl('not a url')).toBe(false)
  })
})
