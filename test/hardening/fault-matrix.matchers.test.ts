/**
 * Fault matrix, matcher side (issue #7, item 1): each fault × each matcher is its own test. Every cell ends in a
 * documented pass, a matcher failure whose message says what happened, or a typed library error, within the
 * matcher's `timeout` (+ 250 ms of slack), never a hang.
 */
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import '../../src/vitest.js'
import {
  ExpectVoiceError,
  RealtimeConnectionClosedError,
  RealtimeServerError,
  type FakeRealtimeServerOptions,
  type OpenAIRealtimeAdapter,
} from '../../src/index.js'
import { drain } from '../helpers/drain.js'
import { printTimings, recordTiming, settle } from '../helpers/outcome.js'
import { scriptedResponder, scriptedVoiceAgent, type Json, type StreamItem } from '../helpers/scripted.js'
import { speech, stripAnsi, voiceAgent } from '../helpers/voice.js'

const USER = 'book a table for two please'
const REPLY = 'Your table for two is booked.'
const SLACK = 250
/** Default matcher timeout in this file: long enough for every stream here to end, short enough to fail fast. */
const TIMEOUT = 3000

type MatcherName = 'toRespondWithin' | 'toSay' | 'toTranscribeAs' | 'toStopOnInterrupt'
const MATCHERS: MatcherName[] = ['toRespondWithin', 'toSay', 'toTranscribeAs', 'toStopOnInterrupt']

const call: Record<MatcherName, (agent: OpenAIRealtimeAdapter, timeout: number) => Promise<unknown>> = {
  // Budgets are generous on purpose: the faults, not the timing, decide the outcome.
  toRespondWithin: (agent, timeout) => expect(agent).toRespondWithin(10_000, { timeout }),
  toSay: (agent, timeout) => expect(agent).toSay(REPLY, { timeout }),
  toTranscribeAs: (agent, timeout) => expect(agent).toTranscribeAs(USER, { timeout }),
  toStopOnInterrupt: (agent, timeout) => expect(agent).toStopOnInterrupt({ within: 1000, timeout }),
}

type Expected = 'pass' | { fail: RegExp } | { throws: abstract new (...args: never[]) => Error; message?: RegExp }

interface Pace {
  fakeMs: number
  scriptMs: number
}

interface Fault {
  id: string
  name: string
  timeout?: number
  /** Sets the fault up, one user audio turn sent. Streams are paced only for toStopOnInterrupt (it must land mid-response). */
  setup(pace: Pace): Promise<OpenAIRealtimeAdapter>
  expect: Record<MatcherName, Expected>
}

afterAll(() => printTimings('matcher fault matrix: time to outcome'))

/** The real fake server (paced, so an interrupt lands mid-response), one user audio turn sent. */
async function viaFake(pace: Pace, options: FakeRealtimeServerOptions = {}): Promise<OpenAIRealtimeAdapter> {
  const { agent } = await voiceAgent({ reply: REPLY, paceMs: pace.fakeMs, ...options }, { apiKey: 'sk-test-hardening-000000000000000' })
  await agent.sendAudio(speech(USER))
  return agent
}

/** A scripted server answering through `transform`, one user audio turn sent. */
async function viaScript(
  pace: Pace,
  transform?: (events: Json[]) => StreamItem[],
  extra: { heard?: string | { failed: string } | null; audio?: Buffer; respond?: boolean } = {},
): Promise<OpenAIRealtimeAdapter> {
  const { agent, connection } = await scriptedVoiceAgent()
  if (extra.respond !== false) {
    const stop = scriptedResponder(connection, {
      paceMs: pace.scriptMs,
      reply: REPLY,
      heard: extra.heard === undefined ? USER : extra.heard,
      audio: extra.audio,
      transform,
    })
    onTestFinished(stop)
  }
  await agent.sendAudio(speech(USER))
  return agent
}

const all = (e: Expected): Record<MatcherName, Expected> => ({ toRespondWithin: e, toSay: e, toTranscribeAs: e, toStopOnInterrupt: e })
const closed: Expected = { throws: RealtimeConnectionClosedError, message: /connection closed|called after the connection closed/ }
const serverError = (code: RegExp): Expected => ({ throws: RealtimeServerError, message: code })
const junkBefore = (junk: (i: number) => StreamItem) => (events: Json[]) => events.flatMap((e, i) => [junk(i), e])

// Events with missing or wrong-typed fields (error events aside: those are faults of their own, rows D).
const WRONG_TYPED: unknown[] = [
  null,
  [1, 2],
  'response.done',
  { type: 7 },
  { type: '__proto__' },
  { type: 'constructor' },
  { type: 'response.output_audio.delta', delta: 12345 },
  { type: 'response.output_audio.delta', response_id: { id: 1 }, delta: {} },
  { type: 'response.output_audio_transcript.delta', delta: ['x'] },
  { type: 'response.output_item.added', item: 'message' },
  { type: 'response.done', response: 'done' },
  { type: 'conversation.item.input_audio_transcription.completed', item_id: 3, transcript: 5 },
  { type: 'input_audio_buffer.committed', item_id: {} },
  { type: 'response.function_call_arguments.done', call_id: 1, name: 2, arguments: 3 },
]

const FAULTS: Fault[] = [
  ...([1000, 1006, 1011] as const).map(
    (code, i): Fault => ({
      id: `M-A${i + 1}`,
      name: `server closes with ${code} mid-response (after response.created, before any audio)`,
      setup: (p) => viaFake(p, { faults: { closeAfterDeltas: { count: 0, code, reason: code === 1006 ? undefined : 'going away' } } }),
      expect: all(closed),
    }),
  ),
  {
    id: 'M-C1',
    name: 'server never answers response.create',
    timeout: 300,
    setup: (p) => viaScript(p, undefined, { respond: false }),
    expect: {
      toRespondWithin: { fail: /no audio arrived within 300 ms/ },
      toSay: { fail: /did not end within 300 ms/ },
      toTranscribeAs: { fail: /No transcription of the latest user audio arrived within 300 ms/ },
      toStopOnInterrupt: { fail: /Nothing to interrupt: the agent did not start speaking within 300 ms/ },
    },
  },
  {
    id: 'M-C2',
    name: 'the connection drops (1011) while the transcription is still awaited',
    setup: (p) => viaScript(p, (events) => [...events, { pause: 50 }, { close: 1011, reason: 'lost' }], { heard: null }),
    expect: {
      toRespondWithin: 'pass',
      toSay: 'pass',
      toTranscribeAs: { fail: /The connection closed \(1011 lost\) before the transcription of the latest user audio arrived/ },
      toStopOnInterrupt: 'pass',
    },
  },
  ...(
    [
      ['M-D1', { type: 'invalid_request_error', code: 'invalid_value', message: "Invalid value: 'x'." }],
      ['M-D2', { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' }],
      ['M-D3', { type: 'server_error', code: null, message: 'The server had an error while processing your request.' }],
    ] as const
  ).map(
    ([id, error]): Fault => ({
      id,
      name: `error event ${error.code ?? error.type} answering response.create`,
      setup: (p) => viaFake(p, { faults: { errorOnResponseCreate: error } }),
      expect: all(serverError(new RegExp(error.code ?? error.type))),
    }),
  ),
  {
    id: 'M-E1',
    name: 'response.done with status failed',
    setup: (p) => viaFake(p, { faults: { responseStatus: 'failed' } }),
    expect: {
      toRespondWithin: { fail: /the response ended \(failed\) without any audio/ },
      toSay: { fail: /Received: "" \(response failed\)/ },
      toTranscribeAs: 'pass',
      toStopOnInterrupt: { fail: /Nothing to interrupt: the response already ended \(failed\)/ },
    },
  },
  {
    id: 'M-E2',
    name: 'response.done with status incomplete (half the reply)',
    setup: (p) => viaFake(p, { faults: { responseStatus: 'incomplete' } }),
    expect: {
      toRespondWithin: 'pass',
      toSay: { fail: /\(response incomplete\)/ },
      toTranscribeAs: 'pass',
      toStopOnInterrupt: 'pass',
    },
  },
  {
    id: 'M-F1',
    name: 'malformed JSON frames before every event',
    setup: (p) =>
      viaScript(
        p,
        junkBefore((i) => ({ raw: ['{', 'not json', '{"type":', '\u0000'][i % 4]! })),
      ),
    expect: all('pass'),
  },
  {
    id: 'M-G1',
    name: 'binary frames before every event',
    setup: (p) =>
      viaScript(
        p,
        junkBefore((i) => ({ raw: Buffer.from([i & 0xff, 0, 1, 2]) })),
      ),
    expect: all('pass'),
  },
  {
    id: 'M-H1',
    name: 'events with missing or wrong-typed fields between the real ones',
    setup: (p) =>
      viaScript(
        p,
        junkBefore((i) => ({ raw: JSON.stringify(WRONG_TYPED[i % WRONG_TYPED.length]) })),
      ),
    expect: all('pass'),
  },
  {
    id: 'M-I1',
    name: 'odd-length audio deltas',
    setup: (p) =>
      viaScript(p, (events) =>
        events.map((e) =>
          e.type === 'response.output_audio.delta'
            ? { ...e, delta: Buffer.concat([Buffer.from(e.delta as string, 'base64'), Buffer.from([7])]).toString('base64') }
            : e,
        ),
      ),
    expect: all('pass'),
  },
  {
    id: 'M-I2',
    name: 'a response whose audio deltas are all empty',
    setup: (p) => viaScript(p, (events) => events.map((e) => (e.type === 'response.output_audio.delta' ? { ...e, delta: '' } : e))),
    expect: {
      toRespondWithin: { fail: /the response ended \(completed\) without any audio/ },
      toSay: 'pass',
      toTranscribeAs: 'pass',
      toStopOnInterrupt: { fail: /Nothing to interrupt: the response already ended \(completed\) after 0 ms of audio/ },
    },
  },
  {
    id: 'M-J1',
    name: 'a gigantic frame: 2 MB of audio (44 s, 2.8 MB of JSON) in one delta',
    setup: (p) => {
      const audio = Buffer.alloc(2 * 1024 * 1024)
      for (let i = 0; i < audio.length; i += 2) audio.writeInt16LE(Math.round(8000 * Math.sin(i / 20)), i)
      return viaScript(p, (events) => {
        const deltas = events.filter((e) => e.type === 'response.output_audio.delta')
        const first = events.indexOf(deltas[0]!)
        const big = { ...deltas[0]!, delta: audio.toString('base64') }
        // the pause lets the client take in the big frame before the rest, so an interrupt lands mid-response
        return [...events.slice(0, first), big, { pause: 300 }, ...events.slice(first + 1).filter((e) => e.type !== 'response.output_audio.delta')]
      })
    },
    expect: all('pass'),
  },
  {
    id: 'M-K1',
    name: 'duplicated events (response.created, transcript.done, response.done)',
    setup: (p) =>
      viaScript(p, (events) =>
        events.flatMap((e, i) =>
          ['response.created', 'response.output_audio_transcript.done', 'response.done'].includes(e.type as string) || i % 5 === 0 ? [e, e] : [e],
        ),
      ),
    expect: all('pass'),
  },
  {
    id: 'M-K2',
    name: 'out-of-order events (deltas before response.created)',
    setup: (p) => viaScript(p, (events) => [...events.slice(1, 6), events[0]!, ...events.slice(6)]),
    expect: all('pass'),
  },
  {
    id: 'M-L1',
    name: 'input transcription failed',
    setup: (p) =>
      viaFake(p, {
        transcribe: () => {
          throw new Error('audio unintelligible')
        },
      }),
    expect: {
      toRespondWithin: 'pass',
      toSay: 'pass',
      toTranscribeAs: { fail: /The model could not transcribe the latest user audio: .*audio unintelligible/ },
      toStopOnInterrupt: 'pass',
    },
  },
  {
    id: 'M-M1',
    name: 'disconnect() before the turn was answered',
    setup: async (p) => {
      const agent = await viaFake(p)
      await agent.disconnect()
      return agent
    },
    expect: all(closed),
  },
  {
    id: 'M-M2',
    name: 'disconnect() after the response was read (assertions on the recorded turn)',
    setup: async (p) => {
      const agent = await viaFake(p, { paceMs: 0 })
      await drain(agent)
      await expect.poll(() => agent.turns[0]?.transcription).toBe(USER)
      await agent.disconnect()
      return agent
    },
    expect: {
      toRespondWithin: 'pass',
      toSay: 'pass',
      toTranscribeAs: 'pass',
      toStopOnInterrupt: { fail: /Nothing to interrupt: the response already ended \(completed\)/ },
    },
  },
]

describe.each(FAULTS)('$id: $name', (fault) => {
  it.each(MATCHERS)(`%s`, async (matcher) => {
    const timeout = fault.timeout ?? TIMEOUT
    const pace: Pace = matcher === 'toStopOnInterrupt' ? { fakeMs: 25, scriptMs: 10 } : { fakeMs: 0, scriptMs: 1 }
    const agent = await fault.setup(pace)
    const outcome = await settle(call[matcher](agent, timeout), timeout + SLACK + 2000)
    recordTiming(`${fault.id} ${matcher}`, outcome.ms, timeout)
    const expected = fault.expect[matcher]
    const got = outcome.ok
      ? 'pass'
      : (outcome.error as { __vitest_error_context__?: unknown }).__vitest_error_context__
        ? `fail: ${stripAnsi((outcome.error as Error).message)}`
        : outcome.error
    if (expected === 'pass') {
      expect(got).toBe('pass')
    } else if ('fail' in expected) {
      expect(got).toMatch(/^fail: /)
      expect(got).toMatch(expected.fail)
    } else {
      expect(got).toBeInstanceOf(expected.throws)
      expect(got).toBeInstanceOf(ExpectVoiceError)
      if (expected.message) expect((got as Error).message).toMatch(expected.message)
    }
    // Within the matcher's own timeout, never a hang.
    expect(outcome.ms).toBeLessThanOrEqual(timeout + SLACK)
  })
})
