/**
 * Concurrency (issue #7, item 3): 32 adapters in one process against one fake server, conversations interleaved,
 * with no cross-talk (each gets its own audio bytes and transcripts); and 32 per-test `agent` fixtures under
 * `test.concurrent`. Interleaving is forced, not hoped for: a gate holds every first reply until all 32
 * conversations have asked, so all 32 responses stream at once.
 */
import { performance } from 'node:perf_hooks'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { fakeTest } from '../../src/vitest.js'
import {
  type AudioChunk,
  createFakeRealtimeServer,
  formatTranscript,
  OpenAIRealtimeAdapter,
  synthesizeSpeech,
  transcribeSyntheticSpeech,
} from '../../src/index.js'
import { speech } from '../helpers/voice.js'

const N = 32
const TURNS = 3
vi.setConfig({ maxConcurrency: N })

/** A promise that resolves once `count` parties arrived (or rejects, naming how many did, after `timeoutMs`). */
function barrier(count: number, what: string, timeoutMs = 10_000) {
  let arrived = 0
  let open!: () => void
  let fail!: (e: Error) => void
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  opened.catch(() => {})
  const timer = setTimeout(() => fail(new Error(`only ${arrived} of ${count} ${what} arrived within ${timeoutMs} ms`)), timeoutMs)
  return {
    get arrived() {
      return arrived
    },
    arrive(): Promise<void> {
      if (++arrived === count) {
        clearTimeout(timer)
        open()
      }
      return opened
    },
    wait: () => opened,
    dispose: () => clearTimeout(timer),
  }
}

const said = (i: number, turn: number) => `caller ${i} turn ${turn} asks for table ${(i * 7 + turn) % 50}`
const reply = (heard: string | null) => `agent answers ${heard}`

describe('32 adapters, one fake server, interleaved conversations', () => {
  it(`${N} adapters × ${TURNS} audio turns: every adapter gets exactly its own audio bytes and transcripts`, async () => {
    const gate = barrier(N, 'first response.create requests')
    const server = await createFakeRealtimeServer({
      // Every first reply waits until all N conversations asked: N responses then stream at the same time.
      reply: async (ctx) => {
        if (ctx.turn === 0) await gate.arrive()
        return reply(ctx.userText)
      },
      paceMs: 1,
      chunkMs: 40,
      jitterMs: 5,
    })
    const started = performance.now()
    const agents: OpenAIRealtimeAdapter[] = []
    try {
      const results = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const agent = new OpenAIRealtimeAdapter({ url: server.url, apiKey: `sk-test-concurrent-${i}-0000000000`, headers: { 'x-caller': String(i) } })
          agents.push(agent)
          await agent.connect()
          const turns: Array<{ heard: string | null; audio: Buffer; transcript: string | null }> = []
          for (let t = 0; t < TURNS; t++) {
            // the user's audio goes out in chunks, yielding between them, so appends of all callers interleave
            const pcm = synthesizeSpeech(said(i, t))
            for (let at = 0; at < pcm.length; at += 9600) {
              await agent.sendAudio({ data: pcm.subarray(at, at + 9600), sampleRate: 24_000 })
              await new Promise((r) => setImmediate(r))
            }
            const chunks: Buffer[] = []
            for (let c: AudioChunk | null; (c = await agent.recvAudio(10_000)) !== null; ) chunks.push(c.data)
            await vi.waitFor(() => expect(agent.turns[t]!.transcription).not.toBeNull(), { timeout: 5000 })
            turns.push({ heard: agent.turns[t]!.transcription, audio: Buffer.concat(chunks), transcript: agent.lastAgentTranscript })
          }
          return { i, agent, turns }
        }),
      )
      const wallMs = performance.now() - started

      for (const { i, agent, turns } of results) {
        const conn = server.connections.find((c) => c.headers['x-caller'] === String(i))!
        expect(conn, `connection of caller ${i}`).toBeDefined()
        for (let t = 0; t < TURNS; t++) {
          const { heard, audio, transcript } = turns[t]!
          // what this caller said, and nothing else, was heard; the reply to it, and nothing else, came back
          expect(heard).toBe(said(i, t))
          expect(transcript).toBe(reply(said(i, t)))
          expect(transcribeSyntheticSpeech(audio)).toBe(reply(said(i, t)))
          // byte for byte what the server sent on this caller's connection for this response
          const responseId = conn.responses[t]!.id
          const sent = Buffer.concat(
            conn.sent
              .filter((e) => e.type === 'response.output_audio.delta' && e.response_id === responseId)
              .map((e) => Buffer.from(e.delta as string, 'base64')),
          )
          expect(audio.equals(sent)).toBe(true)
          expect(agent.responses[t]!.id).toBe(responseId)
        }
        // the server heard exactly this caller's audio
        expect(conn.inputAudio.map((b) => transcribeSyntheticSpeech(b))).toEqual(Array.from({ length: TURNS }, (_, t) => said(i, t)))
        expect(formatTranscript(agent.transcript).split('\n')).toEqual(
          Array.from({ length: TURNS }, (_, t) => [`user: ${said(i, t)}`, `agent: ${reply(said(i, t))}`]).flat(),
        )
      }
      // Interleaving really happened: all N first responses were in progress at the same instant.
      const firsts = server.connections.map((c) => c.responses[0]!)
      const lastStart = Math.max(...firsts.map((r) => r.requestedAt))
      const firstEnd = Math.min(...firsts.map((r) => r.doneAt!))
      expect(lastStart).toBeLessThan(firstEnd)
      expect(server.connections).toHaveLength(N)
      if (process.env.HARDENING_REPORT) console.log(`concurrency: ${N} adapters × ${TURNS} turns in ${Math.round(wallMs)} ms`)
    } finally {
      gate.dispose()
      await Promise.all(agents.map((a) => a.disconnect()))
      await server.close()
    }
  })
})

const test = fakeTest.override({
  fakeServerOptions: { reply: (ctx) => reply(ctx.userText), paceMs: 1, chunkMs: 40 },
})

describe('per-test agent fixtures under test.concurrent', () => {
  const connected = barrier(N, 'concurrent tests')
  let started = 0
  let finished = 0
  afterAll(() => {
    connected.dispose()
    if (process.env.HARDENING_REPORT)
      console.log(`concurrency: ${N} concurrent fixture tests, all connected at once, done in ${Math.round(finished - started)} ms`)
  })

  for (let i = 0; i < N; i++) {
    test.concurrent(`fixture ${i} sees only its own conversation`, async ({ agent, expect }) => {
      // every test holds its agent until all N are connected: N fixtures are live at once
      started ||= performance.now()
      await connected.arrive()
      await agent.sendAudio(speech(said(i, 0)))
      await expect(agent).toSay(reply(said(i, 0)), { exact: true })
      await expect(agent).toTranscribeAs(said(i, 0), { maxWer: 0 })
      expect(formatTranscript(agent.transcript)).toBe(`user: ${said(i, 0)}\nagent: ${reply(said(i, 0))}`)
      expect(transcribeSyntheticSpeech(Buffer.concat(agent.currentResponse!.audio.map((c) => c.data)))).toBe(reply(said(i, 0)))
      finished = performance.now()
    })
  }
})
