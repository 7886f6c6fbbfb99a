import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { recordConversation } from '../../src/reports/index.js'
import { appendNoteToError } from '../../src/runners/failure-recording.js'
import { transcribeSyntheticSpeech } from '../../src/audio/synthetic-voice.js'
import { createVoiceUser } from '../../src/user/index.js'
import { readPcm16Wav } from '../helpers/wav-info.js'
import { parseXml } from '../helpers/xml.js'
import { voiceAgent } from '../helpers/voice.js'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

describe('recordConversation (outside the fixtures)', () => {
  it('writes <name>.wav and <name>.timeline.svg of an adapter’s conversation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'expect-voice-rec-'))
    dirs.push(dir)
    const { agent } = await voiceAgent({ reply: 'We open at ten.', latencyMs: 30 })
    await createVoiceUser({ agent }).say('when do you open')
    while ((await agent.recvAudio(5000)) !== null);
    const rec = await recordConversation(agent, { name: 'opening hours / sunday', dir })
    expect(rec.wav).toBe(join(dir, 'opening-hours-sunday.wav'))
    expect(existsSync(rec.timeline)).toBe(true)
    const wav = readPcm16Wav(await readFile(rec.wav))
    expect(wav.durationMs).toBeCloseTo(rec.durationMs, 0)
    expect(transcribeSyntheticSpeech(Buffer.from(wav.channelData[0]!.buffer))).toBe('when do you open')
    expect(transcribeSyntheticSpeech(Buffer.from(wav.channelData[1]!.buffer))).toBe('We open at ten.')
    expect(parseXml(await readFile(rec.timeline, 'utf8')).name).toBe('svg')
    await expect(recordConversation(agent, { name: '///', dir })).rejects.toThrow(/"name" must contain a letter or digit/)
  })
})

describe('appendNoteToError', () => {
  const note = 'Voice recording of this test:\n  audio: a $& b.wav'

  it('appends once, to the message and to the message part of the stack', () => {
    const err = new Error('expected table')
    expect(appendNoteToError(err, note)).toBe(true)
    expect(appendNoteToError(err, note)).toBe(true)
    expect(err.message).toBe(`expected table\n\n${note}`)
    expect(err.stack!.startsWith(`Error: expected table\n\n${note}\n    at `)).toBe(true)
    expect(err.stack!.match(/Voice recording/g)).toHaveLength(1)
  })

  it('works on an error whose stack was already read, and on serialised errors', () => {
    const err = new Error('boom')
    void err.stack
    appendNoteToError(err, note)
    expect(err.stack!.match(/Voice recording/g)).toHaveLength(1)
    const serialised = { message: 'boom', stack: 'AssertionError: boom\n    at x (y.ts:1:1)' }
    appendNoteToError(serialised, note)
    expect(serialised.stack).toBe(`AssertionError: boom\n\n${note}\n    at x (y.ts:1:1)`)
    expect(appendNoteToError('a string', note)).toBe(false)
    expect(appendNoteToError(Object.freeze({ message: 'frozen' }), note)).toBe(false)
  })
})
