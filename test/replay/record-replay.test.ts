/**
 * Record and replay, end to end: a conversation recorded through the recording proxy against a fake server standing
 * in for the live API, then replayed with the network unavailable.
 */
import net from 'node:net'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { OpenAIRealtimeAdapter } from '../../src/adapter/index.js'
import { synthesizeSpeech } from '../../src/audio/synthetic-voice.js'
import { tone } from '../../src/audio/index.js'
import { RealtimeHandshakeError, RealtimeServerError } from '../../src/errors/index.js'
import { createFakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { formatTranscript } from '../../src/conversation/transcript-serializer.js'
import {
  createRecordingProxy,
  createReplayServer,
  readSessionRecording,
  recordingPaths,
  saveSessionRecording,
  type ReplayServer,
  type SessionRecording,
} from '../../src/replay/index.js'
import { ReplayMismatchError } from '../../src/replay/match.js'
import { settledSocketHandles, socketHandles } from '../helpers/raw-client.js'
import { speech } from '../helpers/voice.js'

// A canary: if any byte of it reaches a recording, the test fails.
const CANARY = 'sk-canary-Q7f2Lm9XvB3kT8wZp4Rn6YhJ'
const INSTRUCTIONS = `You are a restaurant host. Never repeat the key ${CANARY}.`
const LONG = 'We have a table by the window, a seasonal menu with fish and vegetables, and free parking behind the building.'

const upstreamOptions = (): FakeRealtimeServerOptions => ({
  apiKey: CANARY, // the upstream refuses any other key: the proxy must add it
  latencyMs: 120,
  paceMs: 20,
  reply: ({ turn }) => {
    if (turn === 0) return 'Sure, your table for two is booked for 7 pm.'
    // A payload that echoes the key (spoken as a tone, so the audio cannot carry it).
    if (turn === 1) return { text: `Noted, your key is ${CANARY}.`, audio: tone(440, 300).data }
    return LONG
  },
})

type Result = { pass: true } | { pass: false; message: string }
async function outcome(assertion: Promise<unknown>): Promise<Result> {
  try {
    await assertion
    return { pass: true }
  } catch (err) {
    return { pass: false, message: (err as Error).message }
  }
}
/** Results with the timings in failure messages blanked (they are compared separately, with a tolerance). */
const withoutTimings = (results: Record<string, Result>) =>
  Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.pass ? r : { pass: false, message: r.message.replace(/[+-]?\d+(\.\d+)? ms/g, '… ms') }]))

interface Conversation {
  results: Record<string, Result>
  latencies: number[]
  stoppedAfter: number | null
  transcript: string
}

/** The test: three turns, seven assertions (one of them failing on purpose, to compare failure messages too). */
async function converse(agent: OpenAIRealtimeAdapter, variant: { firstLine?: string; secondLine?: string } = {}): Promise<Conversation> {
  const results: Record<string, Result> = {}
  await agent.sendAudio(speech(variant.firstLine ?? 'book a table for two at seven pm'))
  results.respondsWithin = await outcome(expect(agent).toRespondWithin(800))
  results.says = await outcome(expect(agent).toSay('table for 2 is booked for seven pm'))
  results.heard = await outcome(expect(agent).toTranscribeAs('book a table for two at 7 pm'))
  results.saysNot = await outcome(expect(agent).toSay('your table is cancelled'))
  await agent.sendText(variant.secondLine ?? `my key is ${CANARY}, please note it`)
  results.notes = await outcome(expect(agent).toSay('noted'))
  await agent.sendText('tell me about a table by the window, the menu and the parking')
  results.stops = await outcome(expect(agent).toStopOnInterrupt({ within: 300 }))
  const last = agent.currentResponse!
  return {
    results,
    latencies: agent.turns.map((t) => t.response!.firstAudioAt! - t.response!.requestedAt),
    stoppedAfter: last.doneAt !== null && last.interruptedAt !== null ? last.doneAt - last.interruptedAt : null,
    transcript: formatTranscript(agent.transcript),
  }
}

/** Per response.create: ms to the first audio delta after it, as recorded at the proxy. */
function proxyLatencies(rec: SessionRecording): number[] {
  const out: number[] = []
  let created: number | null = null
  for (const e of rec.sessions[0]!.events) {
    if ('client' in e && e.client.type === 'response.create') created = e.t
    if ('server' in e && e.server.type === 'response.output_audio.delta' && created !== null) {
      out.push(e.t - created)
      created = null
    }
  }
  return out
}

const adapter = (url: string) => new OpenAIRealtimeAdapter({ url, apiKey: '', instructions: INSTRUCTIONS })

/** Every socket this process dials, and a switch that makes every destination but one unreachable. */
const dialled: string[] = []
let allowedPort: number | null = null
const originalConnect = net.Socket.prototype.connect
function installNetworkGuard(): void {
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; port?: number } | number | string
    const port = typeof first === 'object' && first ? Number(first.port) : Number(first)
    const host = typeof first === 'object' && first ? (first.host ?? 'localhost') : String(args[1] ?? 'localhost')
    dialled.push(`${host}:${port}`)
    if (allowedPort !== null && port !== allowedPort) {
      process.nextTick(() => this.destroy(Object.assign(new Error(`network unavailable in this test: ${host}:${port}`), { code: 'ENETUNREACH' })))
      return this
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args)
  } as typeof net.Socket.prototype.connect
}

let dir = ''
let paths: { json: string; wav: string }
let recorded: Conversation
let recordedDurationMs = 0
let upstreamAuthorization: string | undefined
let baseline = 0
const servers: Array<{ close(): Promise<void> }> = []
const agents: OpenAIRealtimeAdapter[] = []

beforeAll(async () => {
  baseline = socketHandles()
  dir = await mkdtemp(join(tmpdir(), 'expect-voice-rr-'))
  paths = recordingPaths({ testFile: join(dir, 'booking.test.ts'), testName: 'books a table' })
  const upstream = await createFakeRealtimeServer(upstreamOptions())
  const proxy = await createRecordingProxy({ upstream: upstream.url, apiKey: CANARY })
  const agent = adapter(proxy.url)
  const started = performance.now()
  try {
    await agent.connect()
    recorded = await converse(agent)
  } finally {
    await agent.disconnect()
    recordedDurationMs = performance.now() - started
    await proxy.close()
    upstreamAuthorization = upstream.connections[0]?.headers.authorization
    await upstream.close()
  }
  await saveSessionRecording(paths, proxy.recording({ test: 'books a table' }))
}, 30_000)

afterEach(async () => {
  for (const a of agents.splice(0)) await a.disconnect()
  for (const s of servers.splice(0)) await s.close()
  allowedPort = null
})

afterAll(async () => {
  net.Socket.prototype.connect = originalConnect
  await rm(dir, { recursive: true, force: true })
  expect(await settledSocketHandles(baseline), `TCP handles leaked: ${process.getActiveResourcesInfo().join(', ')}`).toBe(baseline)
})

async function replay(pacing: 'recorded' | 'fast', options: { blockNetwork?: boolean } = {}): Promise<{ server: ReplayServer; agent: OpenAIRealtimeAdapter }> {
  const server = await createReplayServer(paths.json, { pacing, rerecord: 'EXPECT_VOICE_UPDATE=1 npx vitest run booking.test.ts -t "books a table"' })
  servers.push(server)
  if (options.blockNetwork) {
    installNetworkGuard()
    allowedPort = server.port
  }
  const agent = adapter(server.url)
  agents.push(agent)
  await agent.connect()
  return { server, agent }
}

describe('recording through the proxy', () => {
  it('the recorded conversation is the one the test expects (the baseline for the comparisons below)', () => {
    expect(recorded.results).toMatchObject({
      respondsWithin: { pass: true },
      says: { pass: true },
      heard: { pass: true },
      saysNot: { pass: false },
      notes: { pass: true },
      stops: { pass: true },
    })
    expect(recorded.latencies.every((ms) => ms >= 120)).toBe(true)
  })

  it('adds the key on the upstream leg only (the upstream refuses any other key)', () => {
    expect(upstreamAuthorization).toBe('Bearer [redacted]')
  })

  it('writes no trace of the key: byte search over every file, for the key and for pieces of it', async () => {
    const files = await readdir(paths.json.replace(/\/[^/]+$/, ''))
    expect(files.sort()).toEqual(['books-a-table.voice.json', 'books-a-table.voice.wav'])
    const pieces = [CANARY, CANARY.slice(10), CANARY.slice(10, 20), CANARY.slice(-12), 'sk-canar']
    for (const file of files) {
      const bytes = await readFile(join(paths.json, '..', file))
      for (const piece of pieces) expect(bytes.includes(Buffer.from(piece)), `${file} contains "${piece}"`).toBe(false)
      expect(bytes.includes(Buffer.from('Bearer')), `${file} contains an Authorization header`).toBe(false)
    }
    const json = await readFile(paths.json, 'utf8')
    expect(json).toContain('Never repeat the key [redacted].')
    expect(json).toContain('Noted, your key is [redacted].')
  })

  it('is human-readable: one event per line, relative times, renumbered ids, audio in the WAV', async () => {
    const json = await readFile(paths.json, 'utf8')
    const lines = json.split('\n').filter((l) => l.trimStart().startsWith('{"t":'))
    expect(lines.length).toBeGreaterThan(50)
    expect(json).toMatch(/"item_id":"item_001"/)
    expect(json).not.toMatch(/FAKE\d/) // the fake server's own ids are gone
    expect(json).toMatch(/"delta":\{"\$audio":"books-a-table\.voice\.wav#\d+:\d+"\}/)
    expect(json).toMatch(/"audio":\{"\$sha256":"[0-9a-f]{64}","bytes":\d+\}/)
    expect(json).not.toMatch(/"delta":"[A-Za-z0-9+/]{200,}/) // no base64 audio in the JSON
    const rec = await readSessionRecording(paths.json)
    const wav = await stat(paths.wav)
    expect(wav.size).toBe(44 + rec.audio.length)
    expect(json.length).toBeLessThan(rec.audio.length) // the events are smaller than the audio they describe
  })
})

describe('replay', () => {
  it('with the network unavailable, gives the same matcher results and, with recorded pacing, the recorded latencies', async () => {
    const { server, agent } = await replay('recorded', { blockNetwork: true })
    // The guard works: nothing but the replay server can be reached.
    const probe = new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:9/v1/realtime', apiKey: '', connectTimeoutMs: 2000 })
    await expect(probe.connect()).rejects.toThrow(/network unavailable in this test/)
    dialled.length = 0
    const replayed = await converse(agent)
    await agent.disconnect()
    expect(withoutTimings(replayed.results)).toEqual(withoutTimings(recorded.results))
    expect(replayed.transcript).toBe(recorded.transcript)
    // The latency as the proxy saw it (response.create in, first audio delta out) is what replay reproduces: never
    // earlier, and later only by loopback and timer slack (a few ms; the bound is loose for loaded CI machines, the
    // accuracy is measured by bench/replay.mjs).
    const atProxy = proxyLatencies(await readSessionRecording(paths.json))
    expect(atProxy).toHaveLength(3)
    replayed.latencies.forEach((ms, i) => {
      expect(ms, `turn ${i + 1}: ${ms.toFixed(1)} ms, recorded ${atProxy[i]} ms at the proxy`).toBeGreaterThanOrEqual(atProxy[i]! - 1.5)
      expect(ms, `turn ${i + 1}: ${ms.toFixed(1)} ms, recorded ${atProxy[i]} ms at the proxy`).toBeLessThan(atProxy[i]! + 150)
    })
    expect(
      dialled.every((d) => d.endsWith(`:${server.port}`)),
      dialled.join(', '),
    ).toBe(true)
    server.verify()
  })

  it('with fast pacing, gives the same matcher results in a fraction of the time', async () => {
    const started = performance.now()
    const { server, agent } = await replay('fast')
    const replayed = await converse(agent)
    await agent.disconnect()
    const took = performance.now() - started
    expect(withoutTimings(replayed.results)).toEqual(withoutTimings(recorded.results))
    expect(replayed.transcript).toBe(recorded.transcript)
    expect(Math.max(...replayed.latencies)).toBeLessThan(Math.min(...recorded.latencies))
    expect(took).toBeLessThan(recordedDurationMs / 2)
    server.verify()
  })

  it('fails with a diff naming the first differing event when the test now says something else', async () => {
    const { server, agent } = await replay('fast')
    const replayed = await converse(agent, { secondLine: 'my key is lost, please note it' })
    expect(replayed.results.notes).toMatchObject({ pass: false })
    const mismatch = server.mismatch!
    expect(mismatch).toBeInstanceOf(ReplayMismatchError)
    expect(mismatch.kind).toBe('different')
    expect(mismatch.message).toMatch(/First differing event: client event #5, conversation\.item\.create \(recorded at \d+\.\d\d s, line \d+\)/)
    expect(mismatch.message).toContain('item.content[0].text: "my key is [redacted], please note it" → "my key is lost, please note it"')
    expect(mismatch.message).toContain('Recording: ')
    expect(mismatch.message).toContain('EXPECT_VOICE_UPDATE=1 npx vitest run booking.test.ts -t "books a table"')
    // The client saw it as a server error carrying the same diff, so the failing matcher shows it.
    expect((replayed.results.notes as { message: string }).message).toContain('First differing event: client event #5')
    expect(() => server.verify()).toThrow(mismatch.message)
  })

  it('fails naming the audio when the test now sends different audio, or less of it', async () => {
    const { server, agent } = await replay('fast')
    await agent.sendAudio(speech('book a table for six at seven pm')) // other words, as long as the recorded ones
    const err = await agent.recvAudio(2000).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RealtimeServerError)
    expect((err as RealtimeServerError).code).toBe('expect_voice_replay_mismatch')
    expect(server.mismatch!.message).toMatch(/First differing event: client event #2, input_audio_buffer\.append/)
    expect(server.mismatch!.message).toMatch(
      /the test sent different audio: (\d\.\d\d) s \(sha256 [0-9a-f]{12}…\) where the recording has \1 s of audio \(sha256 [0-9a-f]{12}…\)/,
    )

    const shorter = await replay('fast')
    await shorter.agent.sendAudio(speech('book a table'))
    await expect(shorter.agent.recvAudio(2000)).rejects.toThrow(
      /the test sent \d\.\d\d s of audio, then input_audio_buffer\.commit; the recording has \d\.\d\d s of audio/,
    )
  })

  it('fails when the test sends more than was recorded, or ends early', async () => {
    const more = await replay('fast')
    await converse(more.agent)
    await more.agent.sendText('one more thing')
    await expect(more.agent.recvAudio(2000)).rejects.toThrow(/the recording has the point where the client closed the connection/)
    expect(more.server.mismatch!.kind).toBe('extra')

    const less = await replay('fast')
    await less.agent.sendAudio(speech('book a table for two at seven pm'))
    await expect(less.agent).toRespondWithin(800)
    await less.agent.disconnect()
    expect(() => less.server.verify()).toThrow(/The test ended before sending client event #5, conversation\.item\.create/)
  })

  it('fails at connect when the model changed', async () => {
    const server = await createReplayServer(paths.json)
    servers.push(server)
    const agent = new OpenAIRealtimeAdapter({ url: server.url, apiKey: '', model: 'gpt-realtime', instructions: INSTRUCTIONS })
    agents.push(agent)
    await expect(agent.connect()).rejects.toThrow(/\?model=gpt-realtime, the recording used \?model=gpt-realtime-mini/)
    expect(server.mismatch?.differences).toEqual([{ path: 'model', recorded: 'gpt-realtime-mini', actual: 'gpt-realtime' }])
  })

  it('matches streamed audio however the test chunks it', async () => {
    const { server, agent } = await replay('fast')
    const audio = synthesizeSpeech('book a table for two at seven pm')
    for (let i = 0; i < audio.length; i += 962) await agent.sendAudio({ data: audio.subarray(i, i + 962), sampleRate: 24_000 })
    await expect(agent).toRespondWithin(800)
    expect(server.mismatch).toBeNull()
  })
})

describe('stability', () => {
  it('re-recording an unchanged conversation leaves the files byte for byte as they were; a changed one is written', async () => {
    const local = await mkdtemp(join(tmpdir(), 'expect-voice-stable-'))
    try {
      const target = recordingPaths({ testFile: join(local, 'a.test.ts'), testName: 'two turns' })
      const record = async (changed = false): Promise<SessionRecording> => {
        const base = upstreamOptions()
        const reply = changed ? () => 'Sorry, we are fully booked.' : base.reply
        const upstream = await createFakeRealtimeServer({ ...base, reply, paceMs: 0 })
        const proxy = await createRecordingProxy({ upstream: upstream.url, apiKey: CANARY })
        const agent = adapter(proxy.url)
        try {
          await agent.connect()
          await agent.sendAudio(speech('book a table for two at seven pm'))
          await expect(agent).toSay('booked')
          await agent.sendText('thanks')
          await expect(agent).toSay(changed ? 'booked' : 'noted')
        } finally {
          await agent.disconnect()
          await proxy.close()
          await upstream.close()
        }
        return proxy.recording({ test: 'two turns' })
      }
      expect((await saveSessionRecording(target, await record())).written).toBe(true)
      const before = [await readFile(target.json), await readFile(target.wav), (await stat(target.json)).mtimeMs]
      const again = await saveSessionRecording(target, await record())
      expect(again.written).toBe(false)
      expect([await readFile(target.json), await readFile(target.wav), (await stat(target.json)).mtimeMs]).toEqual(before)
      // ...and a changed conversation is written.
      expect((await saveSessionRecording(target, await record(true))).written).toBe(true)
      expect(await readFile(target.json, 'utf8')).toContain('fully booked')
    } finally {
      await rm(local, { recursive: true, force: true })
    }
  }, 20_000)
})

describe('the proxy at the edges', () => {
  it('passes an HTTP refusal through (and replays it), and records a refused key without a trace of it', async () => {
    const refusing = await createFakeRealtimeServer({ rejectHandshake: { status: 429 } })
    servers.push(refusing)
    const proxy = await createRecordingProxy({ upstream: refusing.url, apiKey: CANARY })
    servers.push(proxy)
    const agent = new OpenAIRealtimeAdapter({ url: proxy.url, apiKey: '' })
    await expect(agent.connect()).rejects.toThrow(RealtimeHandshakeError)
    const rec = proxy.recording()
    expect(rec.sessions[0]!.refused).toMatchObject({ status: 429 })
    const replayServer = await createReplayServer(rec)
    servers.push(replayServer)
    await expect(new OpenAIRealtimeAdapter({ url: replayServer.url, apiKey: '' }).connect()).rejects.toThrow(/HTTP 429/)

    const wrongKey = await createFakeRealtimeServer({ apiKey: 'sk-the-right-key-0000000000000' })
    servers.push(wrongKey)
    const proxy2 = await createRecordingProxy({ upstream: wrongKey.url, apiKey: CANARY })
    servers.push(proxy2)
    await expect(new OpenAIRealtimeAdapter({ url: proxy2.url, apiKey: '' }).connect()).rejects.toThrow(/invalid_api_key/)
    await proxy2.close()
    const text = JSON.stringify(proxy2.recording().sessions)
    expect(text).toMatch(/invalid_api_key/)
    expect(text).not.toContain('sk-canar')
    expect(text).not.toContain(CANARY.slice(-4))
  })

  it('records a TLS upstream (wsOptions.ca), serves wss:// itself, and replays several connections in order', async () => {
    const upstream = await createFakeRealtimeServer({ tls: true, reply: ({ connectionId }) => `Connection ${connectionId}.` })
    servers.push(upstream)
    const proxy = await createRecordingProxy({ upstream: upstream.url, apiKey: CANARY, wsOptions: { ca: upstream.ca }, tls: true })
    servers.push(proxy)
    expect(proxy.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/)
    for (const line of ['first', 'second']) {
      const agent = new OpenAIRealtimeAdapter({ url: proxy.url, apiKey: '', wsOptions: { ca: proxy.ca } })
      agents.push(agent)
      await agent.connect()
      await agent.sendText(line)
      await expect(agent).toSay(line === 'first' ? 'connection 1' : 'connection 2')
      await agent.disconnect()
    }
    await proxy.close()
    const rec = proxy.recording()
    expect(rec.sessions).toHaveLength(2)

    const server = await createReplayServer(rec, { pacing: 'fast', tls: true })
    servers.push(server)
    for (const line of ['first', 'second']) {
      const agent = new OpenAIRealtimeAdapter({ url: server.url, apiKey: '', wsOptions: { ca: server.ca } })
      agents.push(agent)
      await agent.connect()
      await agent.sendText(line)
      await expect(agent).toSay(line === 'first' ? 'connection 1' : 'connection 2')
      await agent.disconnect()
    }
    server.verify()

    // A third connection is not in the recording; a replay that opens only one misses the second.
    const extra = new OpenAIRealtimeAdapter({ url: server.url, apiKey: '', wsOptions: { ca: server.ca } })
    agents.push(extra)
    await expect(extra.connect()).rejects.toThrow(/the test opened connection 3, but the recording has only 2/)
    const partial = await createReplayServer(rec, { pacing: 'fast' })
    servers.push(partial)
    const one = new OpenAIRealtimeAdapter({ url: partial.url, apiKey: '' })
    agents.push(one)
    await one.connect()
    await one.sendText('first')
    await expect(one).toSay('connection 1')
    await one.disconnect()
    expect(() => partial.verify()).toThrow(/The recording has 2 connections; the test opened only 1/)
  })

  it('drops a hanging upstream leg when it closes (the fixtures close the proxy when connect fails)', async () => {
    const held = new Set<net.Socket>()
    const silent = net.createServer((socket) => {
      socket.resume() // read (and ignore) the upgrade request, so a close from the other end is noticed
      held.add(socket)
      socket.on('close', () => held.delete(socket))
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of held) s.destroy()
          silent.close(() => resolve())
        }),
    })
    const proxy = await createRecordingProxy({ upstream: `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}/v1/realtime`, apiKey: CANARY })
    servers.push(proxy)
    const agent = new OpenAIRealtimeAdapter({ url: proxy.url, apiKey: '', connectTimeoutMs: 200 })
    await expect(agent.connect()).rejects.toThrow(/timed out/)
    expect(held.size).toBe(1)
    await proxy.close()
    const deadline = performance.now() + 2000
    while (held.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(held.size, 'the proxy kept its upstream socket open').toBe(0)
  })

  it('answers 502, naming the upstream, when the upstream cannot be reached', async () => {
    const proxy = await createRecordingProxy({ upstream: 'ws://127.0.0.1:9/v1/realtime', apiKey: CANARY })
    servers.push(proxy)
    const err = await new OpenAIRealtimeAdapter({ url: proxy.url, apiKey: '' }).connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RealtimeHandshakeError)
    expect((err as RealtimeHandshakeError).status).toBe(502)
    expect((err as Error).message).toContain('could not reach ws://127.0.0.1:9/v1/realtime')
  })
})
