/**
 * Verdicts and transcriptions replay: the judge's `POST /v1/responses` and the transcriber's `POST
 * /v1/audio/transcriptions` go beside the realtime socket (their base URL is derived from the agent's), so the
 * recording proxy records them and the replay server answers them, with no key and no network. A request that
 * changed (the conversation, the criteria, the judge model, the audio) fails with the replay diff.
 */
import { createServer, request } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import {
  createFakeRealtimeServer,
  ExpectVoiceError,
  HttpEndpointError,
  HttpEndpointTimeoutError,
  OpenAIRealtimeAdapter,
  type FakeJudgeRequest,
} from '../../src/index.js'
import { createRecordingProxy, createReplayServer, type SessionRecording } from '../../src/replay.js'
import { parseRecording } from '../../src/replay/cassette.js'
import { openVoiceSession } from '../../src/runners/voice-session.js'
import { closedAfterTest, stripAnsi } from '../helpers/voice.js'

const CANARY = 'sk-canary-JUDGEREPLAY0123456789abcdefWXYZ'
const REPLY = 'Sure, a table for two at 7 pm. I cannot promise a window seat.'
const judge = ({ transcript }: FakeJudgeRequest) => ({
  pass: /two/.test(transcript) && /7 pm/.test(transcript),
  reason: 'Party size and time confirmed.',
  criteria: [{ criterion: 'confirms party size and time', pass: true, evidence: ['a table for two at 7 pm'] }],
})

async function converse(url: string, criteria = 'confirms party size and time', model?: string): Promise<void> {
  const agent = new OpenAIRealtimeAdapter({ url, apiKey: '' })
  await closedAfterTest(
    async () => agent.connect(),
    () => agent.disconnect(),
  )
  await agent.sendText('a table for two at seven')
  await expect(agent).toFulfill(criteria, model ? { model } : {})
  await expect(agent).toSay('table for two at seven pm', { from: 'audio' })
  await expect(agent).toSoundLikeItsTranscript()
  await agent.disconnect()
}

/** Records one judged conversation through the recording proxy, with the fake server (checking the key) standing in for live. */
async function record(): Promise<SessionRecording> {
  const fake = await closedAfterTest(
    () => createFakeRealtimeServer({ reply: REPLY, judge, apiKey: CANARY, paceMs: 0, msPerChar: 10 }),
    (s) => s.close(),
  )
  const proxy = await closedAfterTest(
    () => createRecordingProxy({ upstream: fake.url, apiKey: CANARY }),
    (p) => p.close(),
  )
  await converse(proxy.url)
  await proxy.close()
  return proxy.recording({ test: 'judged' })
}

describe('replaying verdicts and transcriptions', () => {
  it('records the judge’s request and verdict and the transcription, with no key in them', async () => {
    const recording = await record()
    expect(recording.http?.map((e) => `${e.request.path} ${e.response.status}`)).toEqual(['/v1/responses 200', '/v1/audio/transcriptions 200'])
    const [verdict, transcription] = recording.http!
    expect(verdict!.request.body.model).toBe('gpt-4.1-mini')
    expect(JSON.stringify(verdict!.request.body)).toContain('agent: Sure, a table for two at 7 pm.')
    expect(transcription!.request.body).toMatchObject({ model: 'gpt-4o-mini-transcribe', file: { bytes: expect.any(Number), filename: 'response.wav' } })
    expect(transcription!.response.body).toEqual({ text: REPLY })
    expect(JSON.stringify(recording.http)).not.toMatch(/canary|JUDGEREPLAY|Bearer/i)
  })

  it('replays them with no key and no upstream at all', async () => {
    const recording = await record()
    const replay = await closedAfterTest(
      () => createReplayServer(recording, { pacing: 'fast' }),
      (s) => s.close(),
    )
    await converse(replay.url)
    expect(replay.mismatch).toBeNull()
    replay.verify()
  })

  it('a changed conversation invalidates the recorded verdict: the replay diff names the line', async () => {
    const recording = await record()
    // The agent's recorded words, edited: the conversation the judge is asked about is no longer the recorded one.
    const edited = JSON.parse(JSON.stringify(recording).replaceAll('a table for two at 7 pm', 'a table for three at 7 pm')) as SessionRecording
    edited.audio = recording.audio
    edited.http = recording.http
    const replay = await closedAfterTest(
      () => createReplayServer(edited, { pacing: 'fast', source: 'judged.voice.json', rerecord: 'EXPECT_VOICE_UPDATE=1 npx vitest run judged.test.ts' }),
      (s) => s.close(),
    )
    const agent = new OpenAIRealtimeAdapter({ url: replay.url, apiKey: '' })
    await closedAfterTest(
      () => agent.connect(),
      () => agent.disconnect(),
    )
    await agent.sendText('a table for two at seven')
    const err = (await expect(agent)
      .toFulfill('confirms party size and time')
      .catch((e: unknown) => e)) as HttpEndpointError
    expect(err).toBeInstanceOf(HttpEndpointError)
    expect(err.status).toBe(409)
    expect(stripAnsi(err.message).replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<port>')).toMatchSnapshot()
    expect(replay.mismatch?.kind).toBe('different')
  })

  it('changed criteria, or another judge model, fail the replay too', async () => {
    const recording = await record()
    for (const [criteria, model, path] of [
      ['confirms the party size only', undefined, 'input[0].content[0].text'],
      ['confirms party size and time', 'gpt-4.1', 'model'],
    ] as const) {
      const replay = await closedAfterTest(
        () => createReplayServer(recording, { pacing: 'fast' }),
        (s) => s.close(),
      )
      const agent = new OpenAIRealtimeAdapter({ url: replay.url, apiKey: '' })
      await closedAfterTest(
        () => agent.connect(),
        () => agent.disconnect(),
      )
      await agent.sendText('a table for two at seven')
      await expect(expect(agent).toFulfill(criteria, model ? { model } : {})).rejects.toThrow(/expect-voice replay: the test no longer does what it did/)
      expect(replay.mismatch?.differences[0]?.path).toBe(path)
    }
  })

  it('another transcription model fails the replay of the transcription', async () => {
    const recording = await record()
    const replay = await closedAfterTest(
      () => createReplayServer(recording, { pacing: 'fast' }),
      (s) => s.close(),
    )
    const agent = new OpenAIRealtimeAdapter({ url: replay.url, apiKey: '' })
    await closedAfterTest(
      () => agent.connect(),
      () => agent.disconnect(),
    )
    await agent.sendText('a table for two at seven')
    await expect(agent).toFulfill('confirms party size and time')
    const err = (await expect(agent)
      .toSay('table for two', { from: 'audio', transcriptionModel: 'whisper-1' })
      .catch((e: unknown) => e)) as Error
    expect(err.message).toContain('First differing event: HTTP request #2, POST /v1/audio/transcriptions (the transcriber, model gpt-4o-mini-transcribe)')
    expect(err.message).toContain('  model (the model): "gpt-4o-mini-transcribe" → "whisper-1"')
  })

  it('a recorded verdict the replay never asked for fails verify()', async () => {
    const recording = await record()
    const replay = await closedAfterTest(
      () => createReplayServer(recording, { pacing: 'fast' }),
      (s) => s.close(),
    )
    const agent = new OpenAIRealtimeAdapter({ url: replay.url, apiKey: '' })
    await agent.connect()
    await agent.sendText('a table for two at seven')
    await expect(agent).toSay('table for two')
    await agent.disconnect()
    expect(() => replay.verify()).toThrow(/The test ended before making HTTP request #1, POST \/v1\/responses \(the judge, model gpt-4\.1-mini\)/)
  })
})

describe('the fixtures: recorded against the fake server standing in for live, replayed with no server at all', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'expect-voice-judge-rr-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('records the verdict beside the conversation, then replays it', async () => {
    const ctx = { runner: 'vitest' as const, testFile: join(dir, 'judged.test.ts'), testName: 'judged booking' }
    const fake = await closedAfterTest(
      () => createFakeRealtimeServer({ reply: REPLY, judge, paceMs: 0, msPerChar: 10 }),
      (s) => s.close(),
    )
    const recorded = await openVoiceSession({ mode: 'record', url: fake.url, apiKey: CANARY }, ctx)
    await recorded.agent.sendText('a table for two at seven')
    await expect(recorded.agent).toFulfill('confirms party size and time')
    await recorded.agent.disconnect()
    await recorded.finish({ failed: false })
    await fake.close()
    const file = await readFile(recorded.recordingPath!, 'utf8')
    expect(file).toContain('"http": [')
    expect(file).not.toMatch(/canary|JUDGEREPLAY/i)

    const replayed = await openVoiceSession({ mode: 'replay' }, ctx)
    expect(replayed.mode).toBe('replay')
    await replayed.agent.sendText('a table for two at seven')
    await expect(replayed.agent).toFulfill('confirms party size and time')
    await replayed.agent.disconnect()
    await replayed.finish({ failed: false })
  })

  it('a verdict the client gave up on is recorded as abandoned, and replays as no answer: the same timeout, no crash', async () => {
    const ctx = { runner: 'vitest' as const, testFile: join(dir, 'abandoned.test.ts'), testName: 'judge too slow' }
    const fake = await closedAfterTest(
      () => createFakeRealtimeServer({ reply: REPLY, judge, paceMs: 0, msPerChar: 10, faults: { http: { delayMs: 400 } } }),
      (s) => s.close(),
    )
    const recorded = await openVoiceSession({ mode: 'record', url: fake.url, apiKey: CANARY }, ctx)
    await recorded.agent.sendText('a table for two at seven')
    await expect(expect(recorded.agent).toFulfill('confirms party size and time', { timeout: 100 })).rejects.toBeInstanceOf(HttpEndpointTimeoutError)
    await recorded.agent.disconnect()
    await recorded.finish({ failed: false })
    await fake.close()
    const file = await readFile(recorded.recordingPath!, 'utf8')
    expect(file).toMatch(/"path":"\/v1\/responses",.*"response":\{"aborted":true\}\}/)
    expect(file).not.toContain('"status":0')

    const replayed = await openVoiceSession({ mode: 'replay' }, ctx)
    await replayed.agent.sendText('a table for two at seven')
    const err = await expect(replayed.agent)
      .toFulfill('confirms party size and time', { timeout: 100 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HttpEndpointTimeoutError)
    expect((err as Error).message).toMatch(/did not answer within 100 ms \(nothing arrived\)/)
    await replayed.agent.disconnect()
    await replayed.finish({ failed: false })
  })
})

describe('the recording proxy and an upstream answer over 1 MiB', () => {
  it('answers HTTP 502 naming the limit, and records that, not a cut body', async () => {
    const huge = JSON.stringify({ output: [{ type: 'message', content: [{ type: 'output_text', text: 'x'.repeat(2 * 1024 * 1024) }] }] })
    const upstream = await closedAfterTest(
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer((req, res) => {
            req.resume()
            req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(huge))
          })
          server.listen(0, '127.0.0.1', () => resolve(server))
        }),
      (server) => new Promise((resolve) => server.close(resolve)),
    )
    const port = (upstream.address() as { port: number }).port
    const proxy = await closedAfterTest(
      () => createRecordingProxy({ upstream: `http://127.0.0.1:${port}/v1`, apiKey: '' }),
      (p) => p.close(),
    )
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${proxy.baseURL}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, body }))
      })
      req.on('error', reject)
      req.end('{"model":"gpt-4.1-mini"}')
    })
    const message = `expect-voice recording proxy: the answer of http://127.0.0.1:${port}/v1/responses (HTTP 200) is over 1048576 bytes (1 MiB), the most the proxy forwards and records; a verdict or a transcription is a few KiB`
    expect(answer.status).toBe(502)
    expect(JSON.parse(answer.body)).toEqual({ error: { message, type: 'server_error', code: 'answer_too_large', param: null } })
    expect(proxy.recording().http?.[0]?.response).toEqual({
      status: 502,
      body: { error: { message, type: 'server_error', code: 'answer_too_large', param: null } },
    })
  })
})

describe('reading recorded HTTP exchanges', () => {
  const withResponse = (response: unknown) =>
    JSON.stringify({
      expectVoiceRecording: 1,
      sessions: [],
      http: [{ request: { method: 'POST', path: '/v1/responses', body: {} }, response }],
    })

  it('takes an HTTP status from 100 to 599, or {"aborted":true}, and names anything else', () => {
    expect(parseRecording(withResponse({ status: 429, body: { error: {} } }), 'x').http![0]!.response).toEqual({ status: 429, body: { error: {} } })
    expect(parseRecording(withResponse({ aborted: true }), 'x').http![0]!.response).toEqual({ aborted: true })
    for (const [response, why] of [
      [{ status: 0, body: null }, 'http[0].response.status is 0, not an HTTP status from 100 to 599'],
      [{ status: 600, body: null }, 'http[0].response.status is 600, not an HTTP status from 100 to 599'],
      [{ status: 200.5, body: null }, 'http[0].response.status is 200.5, not an HTTP status from 100 to 599'],
      [{ status: '200', body: null }, 'http[0].response.status is "200", not an HTTP status from 100 to 599'],
      [{ body: null }, 'http[0].response.status is absent, not an HTTP status from 100 to 599'],
      [{ aborted: false }, 'http[0].response: an abandoned exchange is exactly {"aborted":true}'],
    ] as const) {
      expect(() => parseRecording(withResponse(response), 'judged.voice.json')).toThrow(ExpectVoiceError)
      expect(() => parseRecording(withResponse(response), 'judged.voice.json')).toThrow(`judged.voice.json: not an expect-voice recording (${why})`)
    }
  })
})
