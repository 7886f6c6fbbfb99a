import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodeRecordingWav,
  encodeRecordingWav,
  parseRecording,
  readSessionRecording,
  recordingFileName,
  recordingPaths,
  serializeRecording,
  writeSessionRecording,
  type SessionRecording,
} from '../../src/replay/cassette.js'
import { decodeWav } from '../../src/audio/wav.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'expect-voice-format-'))
  dirs.push(d)
  return d
}

const sample = (): SessionRecording => ({
  version: 1,
  test: 'booking > books a table',
  audio: Buffer.from([1, 2, 3, 4, 5, 6, 7]),
  sessions: [
    {
      model: 'gpt-realtime-mini',
      events: [
        { t: 0, server: { type: 'session.created', event_id: 'event_001' } },
        { t: 2, client: { type: 'input_audio_buffer.append', audio: { $sha256: 'ab'.repeat(32), bytes: 9600, chunks: 2 } } },
        { t: 3, client: { type: 'response.create', event_id: 'evt_001' } },
        { t: 120, server: { type: 'response.output_audio.delta', item_id: 'item_001', delta: { $audio: '0:4' } } },
        { t: 125, server: { type: 'response.output_audio.delta', item_id: 'item_001', delta: { $audio: '4:3' } } },
        { t: 300, close: { by: 'client', code: 1000, reason: 'client disconnect' } },
      ],
    },
  ],
})

describe('recording file names and paths', () => {
  it('sits beside the test file, under __recordings__/<test file>/', () => {
    const p = recordingPaths({ testFile: '/repo/test/booking.test.ts', testName: 'booking > books a table' })
    expect(p.dir).toBe('/repo/test/__recordings__/booking.test.ts')
    expect(p.json).toBe('/repo/test/__recordings__/booking.test.ts/booking--books-a-table.voice.json')
    expect(p.wav).toBe('/repo/test/__recordings__/booking.test.ts/booking--books-a-table.voice.wav')
  })

  it('takes a relative or absolute dir and a name override', () => {
    expect(recordingPaths({ testFile: '/repo/test/a.test.ts', testName: 'x', dir: '../recs' }).json).toBe('/repo/recs/a.test.ts/x.voice.json')
    expect(recordingPaths({ testFile: '/repo/test/a.test.ts', testName: 'x', dir: '/abs' }).json).toBe('/abs/a.test.ts/x.voice.json')
    expect(recordingPaths({ testFile: '/repo/test/a.test.ts', testName: 'x', name: 'shared' }).json).toBe(
      '/repo/test/__recordings__/a.test.ts/shared.voice.json',
    )
  })

  it('makes safe, bounded names; long names keep a hash so they stay distinct', () => {
    expect(recordingFileName('Café: "two" / 7pm?')).toBe('Cafe-two-7pm')
    expect(recordingFileName('???')).toMatch(/^test-[0-9a-f]{8}$/)
    const a = recordingFileName('x'.repeat(150) + 'a')
    const b = recordingFileName('x'.repeat(150) + 'b')
    expect(a.length).toBeLessThanOrEqual(100)
    expect(a).not.toBe(b)
  })

  it('refuses bad options, naming them', () => {
    expect(() => recordingPaths({ testFile: '/a.test.ts', testName: 'x', dir: ' ' })).toThrow(/recordingsDir/)
    expect(() => recordingPaths({ testFile: '/a.test.ts', testName: 'x', name: '' })).toThrow(/recordingName/)
  })
})

describe('serialisation', () => {
  it('writes one event per line, with the audio file named in each reference', () => {
    const text = serializeRecording(sample(), 'books.voice.wav')
    const lines = text.split('\n')
    expect(lines[0]).toBe('{')
    expect(lines.filter((l) => l.trimStart().startsWith('{"t":'))).toHaveLength(6)
    expect(text).toContain('{"t":120,"server":{"type":"response.output_audio.delta","item_id":"item_001","delta":{"$audio":"books.voice.wav#0:4"}}},')
    expect(text).toContain('"audio": {"file":"books.voice.wav","format":"pcm16","sampleRate":24000,"channels":1,"bytes":7,')
    expect(JSON.parse(text).sessions[0].events).toHaveLength(6)
  })

  it('parses back to the same recording (audio references without the file name), with line numbers', () => {
    const rec = sample()
    const parsed = parseRecording(serializeRecording(rec, 'books.voice.wav'))
    expect(parsed.sessions[0]!.events).toEqual(rec.sessions[0]!.events)
    expect(parsed.test).toBe(rec.test)
    const lines = parsed.sessions[0]!.lines!
    expect(lines).toHaveLength(6)
    expect(lines[1]! - lines[0]!).toBe(1)
  })

  it('says what is wrong with a file that is not a recording', () => {
    expect(() => parseRecording('{"a":1', 'x.voice.json')).toThrow(/x\.voice\.json: not valid JSON/)
    expect(() => parseRecording('{"expectVoiceRecording":2,"sessions":[]}', 'x')).toThrow(/this version reads 1/)
    expect(() => parseRecording('{"expectVoiceRecording":1,"sessions":[{"model":null,"events":[{"client":{}}]}]}', 'x')).toThrow(/no time "t"/)
    expect(() => parseRecording('{"expectVoiceRecording":1,"sessions":[{"model":null,"events":[{"t":1,"client":{},"server":{}}]}]}', 'x')).toThrow(
      /exactly one of/,
    )
  })
})

describe('the WAV sidecar', () => {
  it('holds the agent audio byte for byte, also with an odd length, and plays as PCM16 24 kHz mono', () => {
    const pcm = Buffer.from([1, 0, 2, 0, 3])
    const wav = encodeRecordingWav(pcm)
    expect(wav.length % 2).toBe(0)
    expect(decodeRecordingWav(wav, 'x')).toEqual(pcm)
    const even = encodeRecordingWav(Buffer.from([1, 0, 2, 0]))
    expect(decodeWav(even).data).toEqual(Buffer.from([1, 0, 2, 0]))
    expect(decodeWav(even).source).toMatchObject({ sampleRate: 24000, channels: 1, bitsPerSample: 16 })
  })

  it('round-trips through the files, and refuses a WAV that does not match the recording', async () => {
    const dir = await tmp()
    const paths = { json: join(dir, 'a', 'r.voice.json'), wav: join(dir, 'a', 'r.voice.wav') }
    const result = await writeSessionRecording(paths, sample())
    expect(result).toEqual({ written: true, json: paths.json, wav: paths.wav })
    const back = await readSessionRecording(paths.json)
    expect(back.audio).toEqual(sample().audio)
    expect(back.sessions[0]!.events).toEqual(sample().sessions[0]!.events)

    await writeFile(paths.wav, encodeRecordingWav(Buffer.from([9, 9, 9, 9, 9, 9, 9])))
    await expect(readSessionRecording(paths.json)).rejects.toThrow(/does not hold the audio r\.voice\.json was recorded with/)
    await rm(paths.wav)
    await expect(readSessionRecording(paths.json)).rejects.toThrow(/its audio file .*r\.voice\.wav cannot be read/)
  })

  it('writes no WAV (and removes a stale one) when there is no agent audio', async () => {
    const dir = await tmp()
    const paths = { json: join(dir, 'r.voice.json'), wav: join(dir, 'r.voice.wav') }
    await writeSessionRecording(paths, sample())
    const silent = { ...sample(), audio: Buffer.alloc(0), sessions: [{ model: null, events: [{ t: 0, client: { type: 'response.create' } }] }] }
    expect((await writeSessionRecording(paths, silent)).wav).toBeNull()
    await expect(readFile(paths.wav)).rejects.toThrow(/ENOENT/)
    expect((await readSessionRecording(paths.json)).audio.length).toBe(0)
  })

  it('refuses audio references outside the recorded audio', async () => {
    const dir = await tmp()
    const paths = { json: join(dir, 'r.voice.json'), wav: join(dir, 'r.voice.wav') }
    const rec = sample()
    rec.sessions[0]!.events.push({ t: 400, server: { type: 'response.output_audio.delta', delta: { $audio: '5:10' } } })
    await writeSessionRecording(paths, rec)
    await expect(readSessionRecording(paths.json)).rejects.toThrow(/"5:10" is outside the recorded audio \(7 bytes\)/)
  })
})
