/**
 * Property-based fuzzing (issue #7, item 2): arbitrary server event streams into the adapter and the matchers.
 * Whatever the server sends (valid events, wrong-typed fields, prototype-looking names, non-JSON, binary
 * frames, closes), every call ends in a result or a library error (`ExpectVoiceError`, or a matcher failure),
 * never an unhandled rejection, a TypeError from inside the library, or a hang; and what the adapter records
 * stays well-formed (string event types, whole PCM16 samples, printable transcripts).
 *
 * Bounded for CI (FUZZ_RUNS defaults to 50 per property, 25 for connect); longer: `FUZZ_RUNS=5000 npx vitest run test/hardening/fuzz`.
 * Reproduce a failure with the seed fast-check prints: `FUZZ_SEED=<seed> FUZZ_PATH=<path>`.
 */
import { inspect } from 'node:util'
import { performance } from 'node:perf_hooks'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import {
  conversationReport,
  ExpectVoiceError,
  formatTranscript,
  OpenAIRealtimeAdapter as Adapter,
  type FakeConnection,
  type FakeRealtimeServer,
  type OpenAIRealtimeAdapter,
} from '../../src/index.js'
import { settle } from '../helpers/outcome.js'
import { responseEvents, scriptedAgent, sessionUpdated, silentServer, type Json } from '../helpers/scripted.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 50)
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const PATH = process.env.FUZZ_PATH
/** recvAudio / matcher timeout inside a run: short, so runs whose stream never ends the response stay cheap. */
const OP_TIMEOUT = 60
/** A call still pending this long after its stream was sent is a hang. */
const HANG_MS = 2000
/** Runs per property can take long under FUZZ_RUNS=5000: the test timeout scales. */
const testTimeout = Math.max(20_000, RUNS * 400)

// ---- arbitraries ------------------------------------------------------------------------------------------------

const TYPES = [
  'session.updated',
  'input_audio_buffer.committed',
  'conversation.item.added',
  'conversation.item.input_audio_transcription.completed',
  'conversation.item.input_audio_transcription.failed',
  'response.created',
  'response.output_item.added',
  'response.output_audio.delta',
  'response.output_audio_transcript.delta',
  'response.output_audio_transcript.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.function_call_arguments.done',
  'response.done',
  'rate_limits.updated',
  'error',
  // legacy names, prototype keys, unknown and empty types
  'response.audio.delta',
  'response.audio_transcript.done',
  'conversation.item.created',
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'brand.new.event',
  '',
]

const weird = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -5, max: 5 }),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.constant('__proto__'),
)
const responseId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('resp_1', 'resp_2') }, { weight: 1, arbitrary: weird })
const itemId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('item_1', 'item_2', 'item_user') }, { weight: 1, arbitrary: weird })
const delta = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 9 }).map((b) => Buffer.from(b).toString('base64')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: weird },
)
const status = fc.oneof(fc.constantFrom('completed', 'cancelled', 'incomplete', 'failed', 'in_progress', 'weird', ''), weird)
const response = fc.oneof(
  { weight: 3, arbitrary: fc.record({ id: responseId, status, status_details: weird }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: weird },
)
const error = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      {
        type: fc.oneof(fc.constantFrom('invalid_request_error', 'server_error', 'requests'), weird),
        code: fc.oneof(fc.constantFrom('response_cancel_not_active', 'conversation_already_has_active_response', 'rate_limit_exceeded', 'x'), weird),
        message: fc.oneof(fc.string({ maxLength: 12 }), weird),
        param: weird,
        event_id: fc.oneof(fc.constantFrom('evt_ev_1', 'evt_ev_2', 'evt_ev_3'), weird),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: weird },
)
const event = fc.record(
  {
    type: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: weird }),
    event_id: fc.oneof(fc.string({ maxLength: 6 }), weird),
    response_id: responseId,
    item_id: itemId,
    delta,
    transcript: fc.oneof(fc.string({ maxLength: 12 }), weird),
    text: fc.oneof(fc.string({ maxLength: 12 }), weird),
    response,
    item: fc.oneof(fc.record({ id: itemId, type: fc.oneof(fc.constantFrom('message', 'function_call'), weird) }, { requiredKeys: [] }), weird),
    error,
    call_id: fc.oneof(fc.string({ maxLength: 4 }), weird),
    name: fc.oneof(fc.string({ maxLength: 4 }), weird),
    arguments: fc.oneof(fc.string({ maxLength: 8 }), weird),
  },
  { requiredKeys: ['type'] },
)

type Frame = { json: unknown } | { text: string } | { binary: Uint8Array } | { expand: Json[] }
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 12, arbitrary: event.map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((binary) => ({ binary })) },
  // a whole valid response now and then, so the fuzz also reaches the states after a real one
  {
    weight: 1,
    arbitrary: fc.constantFrom('resp_1', 'resp_2').map((id) => ({
      expand: responseEvents({ text: 'ok then', audio: Buffer.alloc(960, 1), chunkBytes: 480, responseId: id, itemId: `item_${id.slice(-1)}` }),
    })),
  },
)
type Terminal = { kind: 'none' } | { kind: 'close'; code: number } | { kind: 'done'; id: string }
const terminal: fc.Arbitrary<Terminal> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constantFrom(1000, 1001, 1006, 1011, 3000, 4000, 4999).map((code) => ({ kind: 'close' as const, code })),
  fc.constantFrom('resp_1', 'resp_2').map((id) => ({ kind: 'done' as const, id })),
)
const OPS = ['recv-loop', 'toRespondWithin', 'toSay', 'toTranscribeAs', 'toStopOnInterrupt', 'not.toSay', 'interrupt'] as const
type Op = (typeof OPS)[number]

// ---- harness ----------------------------------------------------------------------------------------------------

let server: FakeRealtimeServer
const stray: unknown[] = []
const onStray = (err: unknown) => stray.push(err)
beforeAll(async () => {
  server = await silentServer()
  process.on('unhandledRejection', onStray)
  process.on('uncaughtException', onStray)
})
afterAll(async () => {
  process.off('unhandledRejection', onStray)
  process.off('uncaughtException', onStray)
  await server.close()
})

const USER_AUDIO = { data: Buffer.alloc(4800 * 2, 3), sampleRate: 24_000 }

async function send(conn: FakeConnection, frames: Frame[], end: Terminal): Promise<void> {
  let n = 0
  for (const f of frames) {
    if ('expand' in f) for (const e of f.expand) conn.send(e)
    else if ('json' in f) conn.sendRaw(JSON.stringify(f.json) ?? 'undefined')
    else if ('text' in f) conn.sendRaw(f.text)
    else conn.sendRaw(Buffer.from(f.binary))
    if (++n % 3 === 0) await new Promise((r) => setImmediate(r))
  }
  if (end.kind === 'close') conn.close(end.code, 'fuzz')
  else if (end.kind === 'done') conn.send({ type: 'response.done', response: { id: end.id, status: 'completed' } })
}

function operation(agent: OpenAIRealtimeAdapter, op: Op): Promise<unknown> {
  const t = { timeout: OP_TIMEOUT }
  switch (op) {
    case 'recv-loop':
      return (async () => {
        for (let i = 0; i < 200; i++) if ((await agent.recvAudio(OP_TIMEOUT)) === null) return 'ended'
        return 'still streaming'
      })()
    case 'toRespondWithin':
      return expect(agent).toRespondWithin(1000, t)
    case 'toSay':
      return expect(agent).toSay('ok then', t)
    case 'not.toSay':
      return expect(agent).not.toSay(/nothing like this/, t)
    case 'toTranscribeAs':
      return expect(agent).toTranscribeAs('hello', t)
    case 'toStopOnInterrupt':
      return expect(agent).toStopOnInterrupt({ within: 50, timeout: OP_TIMEOUT })
    case 'interrupt':
      return (async () => {
        await agent.recvAudio(OP_TIMEOUT).catch((e: unknown) => {
          if (!(e instanceof ExpectVoiceError)) throw e
        })
        await agent.interrupt()
        return agent.recvAudio(OP_TIMEOUT)
      })()
  }
}

/** The outcome must be a value, a matcher failure or one of our errors; anything else is a library bug. */
function checkOutcome(outcome: { ok: boolean; error?: unknown }): void {
  if (outcome.ok) return
  const err = outcome.error as Error & { __vitest_error_context__?: unknown }
  if (err instanceof ExpectVoiceError) return
  if (err?.__vitest_error_context__ !== undefined) {
    // A matcher failure: its message was computed; it must read as text, not as a leaked object.
    expect(err.message).not.toMatch(/\bundefined\b|\[object Object\]|NaN ms/)
    return
  }
  throw new Error(`not a library error: ${inspect(err)}`)
}

/** What the adapter recorded must stay well-formed whatever it was fed. */
function checkRecords(agent: OpenAIRealtimeAdapter): void {
  for (const e of agent.timeline) if (typeof e.type !== 'string') throw new Error(`timeline entry with a ${typeof e.type} type`)
  for (const r of agent.responses) {
    for (const c of r.audio) {
      if (c.data.length % 2 !== 0 || c.data.length === 0) throw new Error(`a chunk of ${c.data.length} bytes`)
      if (c.sampleRate !== 24_000) throw new Error(`a chunk at ${c.sampleRate} Hz`)
    }
    if (r.audioBytes !== r.audio.reduce((n, c) => n + c.data.length, 0)) throw new Error('audioBytes does not add up')
    if (typeof r.transcript !== 'string') throw new Error(`a ${typeof r.transcript} transcript`)
  }
  const text = formatTranscript(agent.transcript)
  if (/\bundefined\b|\[object /.test(text)) throw new Error(`transcript prints ${JSON.stringify(text)}`)
  conversationReport(agent)
  inspect(agent)
  JSON.stringify(agent)
}

const params = (runs: number) => ({ numRuns: runs, seed: SEED, path: PATH, interruptAfterTimeLimit: testTimeout - 5000 })

describe('fuzz: arbitrary server streams', () => {
  it(
    'every call on the adapter and every matcher ends in a result or a library error, never a hang or a TypeError',
    async () => {
      const started = performance.now()
      let runs = 0
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<'text' | 'audio'>('text', 'audio'),
          fc.constantFrom(...OPS),
          fc.array(frame, { maxLength: 30 }),
          terminal,
          async (input, op, frames, end) => {
            runs++
            const { agent, conn } = await scriptedAgent(server, { connectTimeoutMs: 1000, logger: { warn: () => {} } })
            try {
              if (input === 'text') await agent.sendText('hello')
              else await agent.sendAudio(USER_AUDIO)
              const pending = operation(agent, op)
              pending.catch(() => {}) // observed below, after the stream is sent
              await send(conn, frames, end)
              const outcome = await settle(pending, HANG_MS)
              checkOutcome(outcome)
              checkRecords(agent)
            } finally {
              const off = await settle(agent.disconnect(), 1500)
              // biome-ignore lint/correctness/noUnsafeFinally: a disconnect() that rejects is the failure to report, even over the body's
              if (!off.ok) throw new Error('disconnect() rejected')
            }
            if (stray.length) throw new Error(`unhandled: ${inspect(stray.splice(0))}`)
          },
        ),
        params(RUNS),
      )
      report('streams', runs, performance.now() - started)
    },
    testTimeout,
  )

  it(
    'loses nothing: a valid response with junk, duplicates, a late response.created and another response interleaved is read completely',
    async () => {
      const started = performance.now()
      let runs = 0
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('ok', 'your table is booked', 'twenty one guests at seven pm'),
          fc.integer({ min: 1, max: 12 }),
          fc.constantFrom(2, 6, 480, 4800),
          fc.integer({ min: 0, max: 255 }),
          fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), INERT), { maxLength: 20 }),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
          fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
          fc.boolean(),
          async (text, chunks, chunkBytes, salt, junk, dups, lateCreated, intruder) => {
            runs++
            const audio = Buffer.alloc(chunks * chunkBytes)
            for (let i = 0; i < audio.length; i++) audio[i] = (i * 31 + salt) & 0xff
            const ours = responseEvents({ text, audio, chunkBytes, responseId: 'resp_1', itemId: 'item_1' })
            const at = (f: number, n: number) => Math.min(n, Math.floor(f * (n + 1)))
            let stream: Array<Json | Frame> = [...ours]
            const firstDelta = () => stream.findIndex((e) => (e as Json).type === 'response.output_audio.delta')
            // response.created arriving after some of the response's own events (at most up to its first delta)
            if (lateCreated !== null) {
              const created = stream.shift()!
              stream.splice(at(lateCreated, firstDelta() + 1), 0, created)
            }
            // duplicates of events that may repeat (response.done is repeated at the very end)
            for (const f of dups) {
              const i = at(f, stream.length - 2)
              const e = stream[i] as Json
              if (DUP_SAFE.has(e.type as string)) stream.splice(i + 1, 0, e)
            }
            stream.push(ours[ours.length - 1]!)
            // another response (e.g. started by server VAD) interleaved once ours is known
            if (intruder) {
              const other = responseEvents({ text: 'intruder', audio: Buffer.alloc(960, 9), chunkBytes: 480, responseId: 'resp_other', itemId: 'item_other' })
              const from =
                Math.max(
                  stream.findIndex((e) => (e as Json).type === 'response.created'),
                  firstDelta(),
                ) + 1
              const mixed = stream.slice(0, from)
              const rest = stream.slice(from)
              while (rest.length || other.length) {
                if (other.length) mixed.push(other.shift()!)
                if (rest.length) mixed.push(rest.shift()!)
              }
              stream = mixed
            }
            // inert junk anywhere
            for (const [f, j] of junk) stream.splice(at(f, stream.length), 0, j)

            const { agent, conn } = await scriptedAgent(server, { connectTimeoutMs: 1000, logger: { warn: () => {} } })
            try {
              await agent.sendText('hello')
              const reading = (async () => {
                const got: Buffer[] = []
                for (;;) {
                  const c = await agent.recvAudio(1000)
                  if (c === null) return got
                  got.push(c.data)
                }
              })()
              reading.catch(() => {})
              await send(
                conn,
                stream.map((e) => ('json' in e || 'text' in e || 'binary' in e || 'expand' in e ? (e as Frame) : { expand: [e as Json] })),
                { kind: 'none' },
              )
              const outcome = await settle(reading, HANG_MS)
              if (!outcome.ok) throw outcome.error
              const received = Buffer.concat(outcome.value)
              if (!received.equals(audio)) throw new Error(`audio differs: sent ${audio.length} bytes, read ${received.length}`)
              const mine = agent.currentResponse!
              // (lastAgentTranscript is the latest final transcript: the intruder's, when it ends last)
              if (mine.transcript !== text || !mine.transcriptFinal) throw new Error(`transcript ${JSON.stringify(mine.transcript)}`)
              if (!intruder && agent.lastAgentTranscript !== text) throw new Error(`lastAgentTranscript ${JSON.stringify(agent.lastAgentTranscript)}`)
              if (mine.id !== 'resp_1' || mine.status !== 'completed') throw new Error(`read response ${mine.id} ${mine.status}`)
              if (agent.responses.filter((r) => r.id === 'resp_1').length !== 1) throw new Error('resp_1 tracked twice')
              checkRecords(agent)
            } finally {
              await agent.disconnect()
            }
            if (stray.length) throw new Error(`unhandled: ${inspect(stray.splice(0))}`)
          },
        ),
        params(RUNS),
      )
      report('loses nothing', runs, performance.now() - started)
    },
    testTimeout,
  )

  it(
    'connect() against arbitrary frames before (or instead of) session.updated resolves or rejects with a library error',
    async () => {
      const started = performance.now()
      let runs = 0
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { maxLength: 12 }), fc.option(fc.nat(12)), terminal, async (frames, updatedAt, end) => {
          runs++
          const agent = new Adapter({ url: server.url, apiKey: 'sk-test-fuzz-000000000000000', connectTimeoutMs: 50, logger: { warn: () => {} } })
          try {
            const connecting = agent.connect()
            connecting.catch(() => {})
            const conn = await server.waitForConnection()
            const stream = [...frames]
            if (updatedAt !== null) stream.splice(Math.min(updatedAt, stream.length), 0, { json: sessionUpdated() })
            await send(conn, stream, end)
            const outcome = await settle(connecting, HANG_MS)
            if (!outcome.ok && !(outcome.error instanceof ExpectVoiceError)) throw new Error(`not a library error: ${inspect(outcome.error)}`)
            checkRecords(agent)
          } finally {
            await agent.disconnect()
          }
          if (stray.length) throw new Error(`unhandled: ${inspect(stray.splice(0))}`)
        }),
        params(Math.max(10, Math.round(RUNS / 2))),
      )
      report('connect', runs, performance.now() - started)
    },
    testTimeout,
  )
})

/** Frames that carry no meaning for the response being read: whatever their number, nothing may change. */
const INERT: fc.Arbitrary<Frame> = fc.oneof(
  fc.string({ maxLength: 12 }).map((text) => ({ text: `!${text}` })),
  fc.uint8Array({ maxLength: 12 }).map((binary) => ({ binary })),
  fc
    .constantFrom<unknown>(
      null,
      1,
      'x',
      [],
      {},
      { type: 7 },
      { type: null },
      { type: '__proto__' },
      { type: 'constructor' },
      { type: 'toString' },
      { type: 'hasOwnProperty' },
    )
    .map((json) => ({ json })),
  fc
    .constantFrom('brand.new.event', 'rate_limits.updated', 'conversation.item.added', 'response.output_audio.done', 'response.content_part.done')
    .map((type) => ({ json: { type, surprise: { deep: [1] } } })),
  fc
    .record({
      type: fc.constant('response.output_audio.delta'),
      response_id: fc.constant('resp_1'),
      delta: fc.oneof(fc.integer(), fc.constant(null), fc.constant({}), fc.constant('')),
    })
    .map((json) => ({ json })),
  fc
    .record({
      type: fc.constant('response.output_audio_transcript.delta'),
      response_id: fc.constant('resp_1'),
      delta: fc.oneof(fc.integer(), fc.constant(null), fc.constant([])),
    })
    .map((json) => ({ json })),
)
/** Events of the response that may arrive twice without changing it. */
const DUP_SAFE = new Set([
  'response.created',
  'response.output_item.added',
  'conversation.item.added',
  'response.content_part.added',
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.content_part.done',
  'response.output_item.done',
  'conversation.item.done',
])

function report(what: string, runs: number, ms: number): void {
  if (process.env.HARDENING_REPORT) console.log(`fuzz ${what}: ${runs} runs in ${Math.round(ms)} ms (${(ms / runs).toFixed(1)} ms/run)`)
}
