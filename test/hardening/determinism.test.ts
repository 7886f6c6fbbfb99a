/**
 * Issue 11, finding 4: the same script must give the same events on every run. The scenario that showed it was
 * not so: interrupt a reply on its first audio chunk. Whether the cancel lands mid-response, and after how many
 * deltas, depends only on the server's stream rate, never on when the socket happened to flush.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { OpenAIRealtimeAdapter } from '../../src/adapter/index.js'
import { createFakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { createRecordingProxy, createReplayServer } from '../../src/replay/index.js'
import { drain } from '../helpers/drain.js'
import { rawClient } from '../helpers/raw-client.js'

const RUNS = 10
const REPLY = 'Sure, your table for two is booked for seven pm, by the window.'

interface Run {
  status: string
  events: string[]
}

/** One run against `url`: sendText, read to the first audio chunk, interrupt, read to the end; the events received. */
async function interruptOnFirstChunk(url: string, wsOptions: Record<string, unknown> = {}): Promise<Run> {
  const agent = new OpenAIRealtimeAdapter({ url, apiKey: 'sk-test-not-a-real-key-000000', wsOptions })
  try {
    await agent.connect()
    const start = agent.timeline.length
    await agent.sendText('book a table for two')
    expect(await agent.recvAudio(5000)).not.toBeNull()
    await agent.interrupt()
    await drain(agent)
    // What follows response.done (rate_limits.updated, a late cancel's error) is part of the sequence too.
    const deadline = Date.now() + 2000
    while (!agent.timeline.slice(start).some((e) => e.type === 'rate_limits.updated') && Date.now() < deadline) await sleep(5)
    await sleep(50)
    const events = agent.timeline
      .slice(start)
      .filter((e) => e.direction === 'in')
      .map((e) => (e.type === 'error' ? `error ${e.code ?? ''}` : e.type))
    return { status: agent.currentResponse?.status ?? 'none', events }
  } finally {
    await agent.disconnect()
  }
}

/** `RUNS` runs, each against a new fake server; every distinct outcome with its count. */
async function fakeRuns(options: FakeRealtimeServerOptions, wsOptions: Record<string, unknown> = {}): Promise<{ runs: Run[]; outcomes: string[] }> {
  const runs: Run[] = []
  for (let i = 0; i < RUNS; i++) {
    const server = await createFakeRealtimeServer({ reply: REPLY, ...options })
    try {
      runs.push(await interruptOnFirstChunk(server.url, wsOptions))
    } finally {
      await server.close()
    }
  }
  return { runs, outcomes: outcomes(runs) }
}

function outcomes(runs: Run[]): string[] {
  const distinct = new Map<string, number>()
  for (const run of runs) {
    const key = `${run.status}: ${run.events.join(', ')}`
    distinct.set(key, (distinct.get(key) ?? 0) + 1)
  }
  return [...distinct].map(([k, n]) => `${n}× ${k}`)
}

/** Cancelled on the first chunk: exactly one audio delta reached the client, and the cancel found the response active. */
function expectCancelledOnFirstChunk(run: Run): void {
  expect(run.status).toBe('cancelled')
  expect(run.events.filter((t) => t === 'response.output_audio.delta')).toHaveLength(1)
  expect(run.events).not.toContain('error response_cancel_not_active')
  expect(run.events).toEqual(expect.arrayContaining(['response.done', 'rate_limits.updated', 'conversation.item.truncated']))
}

describe('issue 11, finding 4: the fake server is not deterministic', () => {
  it(`interrupting on the first audio chunk gives the same status and event sequence in ${RUNS} runs (defaults)`, async () => {
    const { runs, outcomes } = await fakeRuns({})
    expect(outcomes, `every run must give the same outcome:\n${outcomes.join('\n')}`).toHaveLength(1)
    expectCancelledOnFirstChunk(runs[0]!)
  }, 60_000)

  it('the same with a client that offers permessage-deflate (the agents SDK does): the fake declines it by default', async () => {
    const { runs, outcomes } = await fakeRuns({}, { perMessageDeflate: true })
    expect(outcomes, `every run must give the same outcome:\n${outcomes.join('\n')}`).toHaveLength(1)
    expectCancelledOnFirstChunk(runs[0]!)
  }, 60_000)

  it('with permessage-deflate turned on at both ends the reply is still cancelled mid-response on every run', async () => {
    const server = await createFakeRealtimeServer({ perMessageDeflate: true })
    const probe = await rawClient(server.url, { perMessageDeflate: true })
    expect(probe.ws.extensions).toBe('permessage-deflate')
    await probe.close()
    await server.close()
    // Not the exact delta count: with compression on, the client compresses its response.cancel (every message,
    // whatever its size, unless no_context_takeover was negotiated) off the main thread, so on a loaded machine
    // it can land a delta later. That is why the fake declines compression by default.
    const { runs } = await fakeRuns({ perMessageDeflate: true }, { perMessageDeflate: true })
    for (const run of runs) {
      expect(run.status).toBe('cancelled')
      expect(run.events).not.toContain('error response_cancel_not_active')
    }
  }, 60_000)

  it("the replay server under 'recorded' pacing replays the recorded outcome on every run", async () => {
    const upstream = await createFakeRealtimeServer({ reply: REPLY })
    const proxy = await createRecordingProxy({ upstream: upstream.url, apiKey: 'sk-test-upstream-key-0000000000' })
    let recorded: Run
    try {
      recorded = await interruptOnFirstChunk(proxy.url)
    } finally {
      await proxy.close()
      await upstream.close()
    }
    // Through the proxy the pong that paces the fake comes from the proxy, not the client: what was recorded may
    // hold a delta more. Replay must give back exactly that, every time.
    expect(recorded.status).toBe('cancelled')
    const recording = proxy.recording()
    const runs: Run[] = []
    for (let i = 0; i < RUNS; i++) {
      const replay = await createReplayServer(recording, { pacing: 'recorded' })
      try {
        runs.push(await interruptOnFirstChunk(replay.url))
        replay.verify()
      } finally {
        await replay.close()
      }
    }
    expect(outcomes(runs)).toEqual([`${RUNS}× ${outcomes([recorded])[0]!.slice(3)}`])
  }, 60_000)
})
