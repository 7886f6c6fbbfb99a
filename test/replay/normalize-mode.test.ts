import { describe, expect, it } from 'vitest'
import { resolveRecordReplayMode, recordReplayEnvironment, type RecordReplayEnvironment } from '../../src/replay/mode.js'
import { buildSessionRecording, sameConversation, type CapturedSession } from '../../src/replay/normalize.js'
import { compareClientEvent } from '../../src/replay/match.js'
import { Scrubber } from '../../src/replay/scrub.js'

const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64')
const frame = (at: number, from: 'client' | 'server', event: object) => ({ at, from, data: JSON.stringify(event), binary: false })

function capture(ids: { item: string; resp: string }, obfuscation = 'abc'): CapturedSession {
  return {
    model: 'gpt-realtime-mini',
    openedAt: 1000,
    frames: [
      frame(1001, 'server', { type: 'session.created', event_id: 'event_XYZ1', session: { id: 'sess_Q1w2e3r4', expires_at: 1234 } }),
      frame(1010, 'client', { type: 'input_audio_buffer.append', audio: b64([1, 2, 3, 4]) }),
      frame(1011, 'client', { type: 'input_audio_buffer.append', audio: b64([5, 6]) }),
      frame(1012, 'client', { type: 'input_audio_buffer.commit' }),
      frame(1013, 'client', { type: 'response.create', event_id: 'evt_random_1' }),
      frame(1100, 'server', { type: 'response.created', event_id: 'event_XYZ2', response: { id: ids.resp } }),
      frame(1101, 'server', {
        type: 'response.output_audio_transcript.delta',
        event_id: 'event_XYZ3',
        response_id: ids.resp,
        item_id: ids.item,
        delta: 'Hi',
        obfuscation,
      }),
      frame(1102, 'server', {
        type: 'response.output_audio.delta',
        event_id: 'event_XYZ4',
        response_id: ids.resp,
        item_id: ids.item,
        delta: b64([9, 8, 7, 6]),
      }),
      frame(1103, 'server', { type: 'error', event_id: 'event_XYZ5', error: { message: `Item ${ids.item} not found`, event_id: 'evt_random_1' } }),
      { at: 1200, close: { by: 'client', code: 1000, reason: 'bye' } },
    ],
  }
}

describe('building a recording from captured frames', () => {
  const scrub = new Scrubber([])

  it('renumbers ids by prefix in order of appearance (in id fields and in text), drops obfuscation, splits out audio', () => {
    const rec = buildSessionRecording([capture({ item: 'item_Abc123XyZ', resp: 'resp_Zz9' })], { scrub, test: 't' })
    const events = rec.sessions[0]!.events
    expect(events.map((e) => e.t)).toEqual([1, 11, 12, 13, 100, 101, 102, 103, 200])
    expect(events[0]).toEqual({ t: 1, server: { type: 'session.created', event_id: 'event_001', session: { id: 'sess_001', expires_at: 1234 } } })
    // Two appends with nothing in between are one entry: their digest, bytes and chunk count.
    expect(events[1]).toMatchObject({ client: { type: 'input_audio_buffer.append', audio: { bytes: 6, chunks: 2 } } })
    expect(events[3]).toEqual({ t: 13, client: { type: 'response.create', event_id: 'evt_001' } })
    expect(events[5]).toEqual({
      t: 101,
      server: { type: 'response.output_audio_transcript.delta', event_id: 'event_003', response_id: 'resp_001', item_id: 'item_001', delta: 'Hi' },
    })
    expect(events[6]).toMatchObject({ server: { delta: { $audio: '0:4' } } })
    expect(events[7]).toMatchObject({ server: { error: { message: 'Item item_001 not found', event_id: 'evt_001' } } })
    expect(rec.audio).toEqual(Buffer.from([9, 8, 7, 6]))
  })

  it('gives the same recording for the same conversation with other ids and noise', () => {
    const a = buildSessionRecording([capture({ item: 'item_Abc123XyZ', resp: 'resp_Zz9' }, 'abc')], { scrub })
    const b = buildSessionRecording([capture({ item: 'item_Other999', resp: 'resp_Qq1' }, 'zzzzzzzz')], { scrub })
    expect(b).toEqual(a)
  })

  it('scrubs known secrets, key-looking strings and masked keys everywhere', () => {
    const secret = 'az-0123456789abcdefghij'
    const withSecrets = new Scrubber([secret])
    const rec = buildSessionRecording(
      [
        {
          model: null,
          openedAt: 0,
          frames: [
            frame(1, 'client', { type: 'session.update', session: { instructions: `my key is sk-proj-ABCDEFGHIJKLMNOPQRSTUV and ${secret}` } }),
            frame(2, 'server', { type: 'error', error: { message: 'Incorrect API key provided: sk-proj-********************STUV.' } }),
            frame(3, 'server', { type: 'error', error: { message: `key az-01234...ghij, api_key=abcdefgh12345678` } }),
            { at: 4, close: { by: 'server', code: 3000, reason: `invalid_request_error.invalid_api_key ${secret}` } },
          ],
        },
      ],
      { scrub: withSecrets },
    )
    const text = JSON.stringify(rec.sessions)
    expect(text).not.toContain('ABCDEFGHIJ')
    expect(text).not.toContain('STUV')
    expect(text).not.toContain(secret.slice(3, 11))
    expect(text).not.toContain('abcdefgh12345678')
    expect(text).toContain('my key is [redacted] and [redacted]')
  })
})

describe('"nothing changed": re-recordings that leave the files alone', () => {
  const scrub = new Scrubber([])
  const build = (shift: (at: number, i: number) => number) => {
    const c = capture({ item: 'item_Abc123XyZ', resp: 'resp_Zz9' })
    c.frames = c.frames.map((f, i) => ({ ...f, at: shift(f.at, i) }))
    return buildSessionRecording([c], { scrub, test: 't' })
  }

  it('ignores small timing noise and volatile fields', () => {
    const base = build((at) => at)
    expect(
      sameConversation(
        base,
        build((at, i) => at + (i % 2 ? 7 : -3)),
      ),
    ).toBe(true)
    const volatile = build((at) => at)
    ;(volatile.sessions[0]!.events[0] as unknown as { server: { session: { expires_at: number } } }).server.session.expires_at = 99
    expect(sameConversation(base, volatile)).toBe(true)
  })

  it('sees changed latency, payloads and audio', () => {
    const base = build((at) => at)
    expect(
      sameConversation(
        base,
        build((at) => (at >= 1100 ? at + 400 : at)),
      ),
    ).toBe(false)
    const text = build((at) => at)
    ;(text.sessions[0]!.events[5] as unknown as { server: { delta: string } }).server.delta = 'Hello'
    expect(sameConversation(base, text)).toBe(false)
    const audio = build((at) => at)
    audio.audio = Buffer.from([9, 8, 7, 5])
    expect(sameConversation(base, audio)).toBe(false)
  })
})

describe('matching a client event against the recorded one', () => {
  it('binds ids the client makes up, accepts timing-dependent fields, reports paths', () => {
    const bindings = new Map<string, string>()
    expect(
      compareClientEvent(
        { type: 'conversation.item.create', event_id: 'evt_001', item: { id: 'item_005', content: [{ text: 'hi' }] } },
        { type: 'conversation.item.create', event_id: 'my-uuid', item: { id: 'item_mine', content: [{ text: 'hi' }] } },
        bindings,
      ),
    ).toEqual([])
    expect(bindings.get('item_005')).toBe('item_mine')
    expect(bindings.get('evt_001')).toBe('my-uuid')
    expect(
      compareClientEvent(
        { type: 'conversation.item.truncate', item_id: 'item_005', audio_end_ms: 1200 },
        { type: 'conversation.item.truncate', item_id: 'item_mine', audio_end_ms: 1500 },
        bindings,
      ),
    ).toEqual([])
    expect(
      compareClientEvent({ type: 'conversation.item.truncate', item_id: 'item_005' }, { type: 'conversation.item.truncate', item_id: 'item_other' }, bindings),
    ).toEqual([{ path: 'item_id', recorded: 'item_005 (= item_mine in this run)', actual: 'item_other' }])
    const diffs = compareClientEvent(
      { type: 'x', item: { content: [{ text: 'two' }], extra: 1 } },
      { type: 'x', item: { content: [{ text: 'three' }, { text: '!' }] } },
      bindings,
    )
    expect(diffs).toEqual([
      { path: 'item.content.length', recorded: 1, actual: 2 },
      { path: 'item.content[0].text', recorded: 'two', actual: 'three' },
      { path: 'item.extra', recorded: 1, actual: undefined },
    ])
  })
})

describe('choosing the mode', () => {
  const env = (e: Partial<RecordReplayEnvironment> = {}): RecordReplayEnvironment => ({ update: null, ...e })
  const decide = (input: Partial<Parameters<typeof resolveRecordReplayMode>[0]>) =>
    resolveRecordReplayMode({ recordingExists: false, hasTarget: false, env: env(), ...input }).mode

  it('auto: replay when recorded, else live when there is a target, else nothing', () => {
    expect(decide({ recordingExists: true, hasTarget: true })).toBe('replay')
    expect(decide({ hasTarget: true })).toBe('live')
    expect(decide({})).toBeNull()
  })

  it('the test’s own mode beats EXPECT_VOICE_MODE; EXPECT_VOICE_MODE beats auto', () => {
    expect(decide({ env: env({ mode: 'fake' }), recordingExists: true })).toBe('fake')
    expect(decide({ mode: 'live', env: env({ mode: 'fake' }) })).toBe('live')
    expect(decide({ mode: 'auto', env: env({ mode: 'fake' }), hasTarget: true })).toBe('live')
  })

  it('EXPECT_VOICE_UPDATE=1 re-records what would replay; =new records what has no recording', () => {
    expect(decide({ env: env({ update: 'all' }), recordingExists: true })).toBe('record')
    expect(decide({ mode: 'replay', env: env({ update: 'all' }) })).toBe('record')
    expect(decide({ mode: 'live', env: env({ update: 'all' }) })).toBe('live')
    expect(decide({ mode: 'fake', env: env({ update: 'all' }) })).toBe('fake')
    expect(decide({ env: env({ update: 'new' }), recordingExists: true })).toBe('replay')
    expect(decide({ env: env({ update: 'new' }) })).toBe('record')
  })

  it('fixtures with their own fake server stay fake unless the test sets a mode', () => {
    expect(decide({ ownFakeServer: true, env: env({ mode: 'record', update: 'all' }), recordingExists: true })).toBe('fake')
    expect(decide({ ownFakeServer: true, mode: 'record' })).toBe('record')
  })

  it('reads the environment, refusing bad values by name', () => {
    expect(recordReplayEnvironment({ EXPECT_VOICE_MODE: 'Replay', EXPECT_VOICE_UPDATE: '1', EXPECT_VOICE_PACING: 'fast' })).toEqual({
      mode: 'replay',
      update: 'all',
      pacing: 'fast',
    })
    expect(recordReplayEnvironment({ EXPECT_VOICE_UPDATE: 'new' }).update).toBe('new')
    expect(recordReplayEnvironment({ EXPECT_VOICE_UPDATE: '0' }).update).toBeNull()
    expect(() => recordReplayEnvironment({ EXPECT_VOICE_MODE: 'playback' })).toThrow(/EXPECT_VOICE_MODE must be one of auto, live, record, replay, fake/)
    expect(() => recordReplayEnvironment({ EXPECT_VOICE_UPDATE: 'please' })).toThrow(/EXPECT_VOICE_UPDATE/)
    expect(() => recordReplayEnvironment({ EXPECT_VOICE_PACING: 'slow' })).toThrow(/EXPECT_VOICE_PACING/)
    expect(() => resolveRecordReplayMode({ mode: 'nope' as never, recordingExists: false, hasTarget: false, env: env() })).toThrow(/option "mode"/)
  })
})
