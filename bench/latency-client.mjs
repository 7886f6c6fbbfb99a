/**
 * §1 Latency measurement error. The fake server injects a known delay, with seeded jitter, between
 * `response.create` and the first audio delta, and records what it actually applied (`firstAudioAt - requestedAt`,
 * on its own clock). This process runs the BUILT adapter and measures what `toRespondWithin` reports
 * (`currentResponse.firstAudioAt - turn.endedAt`). Error = measured - applied.
 *
 * Two placements of the server:
 *  - `separate` (the budgeted figure): the server in its own child process, so its work never runs on the
 *    client's event loop;
 *  - `inProcess`: the server in this process, as `fakeTest` runs it.
 *
 * It also measures the loopback itself: round trips of a bare ws echo to the server process, back to back and
 * after the same idle pause the turns have (one-way ≈ RTT/2), and, with the two processes' clocks aligned by the
 * echo, splits every error into end-of-turn -> response.create sent (client) + uplink (client send -> server timer
 * start) + downlink (server sent the first delta -> client received it).
 */
import { performance } from 'node:perf_hooks'
import { createFakeRealtimeServer } from 'expect-voice'
import WebSocket from 'ws'
import { reportResult, startChild } from './lib/ipc.mjs'
import { pcm, summary } from './lib/stats.mjs'

// BENCH_ADAPTER_ENTRY: take the adapter from another build (before/after comparisons); default: the package.
const { OpenAIRealtimeAdapter } = await import(process.env.BENCH_ADAPTER_ENTRY ?? 'expect-voice')

const config = JSON.parse(process.argv[2] ?? '{}')
const levels = config.levels ?? [
  { latencyMs: 0, turns: 200 },
  { latencyMs: 50, turns: 100 },
  { latencyMs: 200, turns: 40 },
  { latencyMs: 1000, turns: 15 },
]
/** Turns per level with the server in this process (a smaller, informative sample). */
const inProcessTurns = config.inProcessTurns ?? { 0: 100, 50: 50, 200: 20, 1000: 5 }
const jitterMs = config.jitterMs ?? 20
const seed = config.seed ?? 42
/** 'audio' (default): sendAudio, then recvAudio ends the turn (commit + response.create); 'text': sendText. */
const turnKind = config.turn ?? 'audio'
/** Pause between turns: rate_limits.updated trails response.done by ~5 ms. */
const GAP_MS = 8

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Round trips of a bare ws echo (`gapMs` idle before each) and the server-minus-client clock offset, estimated
 * from the fastest round trips.
 */
async function loopback(url, count, gapMs) {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const samples = []
  for (let i = 0; i < count + 10; i++) {
    await (gapMs > 0 ? sleep(gapMs) : new Promise((resolve) => setImmediate(resolve)))
    const t0 = performance.now()
    const reply = await new Promise((resolve) => {
      ws.once('message', (data) => resolve(Number(data.toString())))
      ws.send(String(i))
    })
    const t1 = performance.now()
    if (i >= 10) samples.push({ rtt: t1 - t0, offset: reply - (t0 + t1) / 2 })
  }
  await new Promise((resolve) => {
    ws.once('close', resolve)
    ws.close()
  })
  const fastest = [...samples].sort((a, b) => a.rtt - b.rtt).slice(0, Math.max(5, Math.floor(samples.length / 10)))
  const offset = fastest.map((s) => s.offset).sort((a, b) => a - b)[Math.floor(fastest.length / 2)]
  return { rtt: samples.map((s) => s.rtt), offset }
}

/**
 * Runs `turns` turns against a server with the given latency; returns one sample per turn. `records()` gives the
 * server's response records; `offset` moves server times onto this process's clock.
 */
async function measureLevel(url, turns, records, offset, echoUrl) {
  const userAudio = pcm(300, 3) // 300 ms: more than the 100 ms the API needs to commit
  const agent = new OpenAIRealtimeAdapter({ url, logger: { warn() {} } })
  await agent.connect()
  // The physical floor, interleaved with the turns: a bare ws round trip to the same server process after the same
  // idle pause, one after every turn, so both see the same machine at the same moments.
  const echo = echoUrl ? await openEcho(echoUrl) : null
  const rtts = []
  const matchedRtts = []
  const warmup = 2 // unmeasured turns: JIT on both sides
  for (let i = 0; i < turns + warmup; i++) {
    if (turnKind === 'text') {
      await agent.sendText('hello')
    } else {
      await agent.sendAudio({ data: userAudio, sampleRate: 24000 })
      // A user streams audio while speaking, so by the end of the turn the server has the appends; only the
      // commit and response.create are in flight when the turn ends (recvAudio sends both).
      await sleep(5)
    }
    while ((await agent.recvAudio(10_000)) !== null) {
      // drain the response
    }
    const turn = agent.turns[agent.turns.length - 1]
    const waitedMs = turn.response.firstAudioAt - (turn.endedAt ?? turn.response.requestedAt)
    await sleep(GAP_MS)
    if (echo) {
      const rtt = await echo.roundTrip()
      if (i >= warmup) rtts.push(rtt)
      await sleep(GAP_MS)
      // The same round trip with the wait this turn had: the server answers after as long as the adapter waited
      // for the first audio, timed as it times injected latency, so both ends idle as they did in the turn.
      const matched = await echo.roundTrip(waitedMs)
      if (i >= warmup) matchedRtts.push(matched)
      await sleep(GAP_MS)
    }
  }
  await echo?.close()
  const server = await records()
  if (server.length !== agent.responses.length) throw new Error(`server saw ${server.length} responses, client ${agent.responses.length}`)
  const samples = []
  agent.turns.forEach((turn, i) => {
    if (i < warmup) return
    const r = turn.response
    const s = server[i]
    if (r.id !== s.id) throw new Error(`response ${i}: client ${r.id} != server ${s.id}`)
    const start = turn.endedAt ?? r.requestedAt // exactly what toRespondWithin uses
    const measured = r.firstAudioAt - start
    const applied = s.firstAudioAt - s.requestedAt
    samples.push({
      nominal: s.latencyMs,
      applied,
      measured,
      error: measured - applied,
      serverOvershoot: applied - s.latencyMs,
      endToSend: r.requestedAt - start,
      uplink: s.requestedAt - offset - r.requestedAt,
      downlink: r.firstAudioAt - (s.firstAudioAt - offset),
    })
  })
  await agent.disconnect()
  samples.rtts = rtts
  samples.matchedRtts = matchedRtts
  return samples
}

/** A bare ws client of the echo endpoint: `roundTrip()` sends one small frame and times the reply. */
async function openEcho(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return {
    /** With `delayMs`, the server answers that long after the frame arrived; what it waited is not counted. */
    async roundTrip(delayMs = 0) {
      const t0 = performance.now()
      const reply = await new Promise((resolve) => {
        ws.once('message', resolve)
        ws.send(delayMs > 0 ? JSON.stringify({ delayMs }) : '{"type":"ping"}')
      })
      const rtt = performance.now() - t0
      return delayMs > 0 ? rtt - JSON.parse(reply.toString()).applied : rtt
    },
    close: () =>
      new Promise((resolve) => {
        ws.once('close', resolve)
        ws.close()
      }),
  }
}

function summarize(samples, byLevel) {
  const field = (k, list = samples) => summary(list.map((s) => s[k]))
  return {
    samples: samples.length,
    error: field('error'),
    serverOvershoot: field('serverOvershoot'),
    endToSend: field('endToSend'),
    uplink: field('uplink'),
    downlink: field('downlink'),
    perLevel: Object.fromEntries(Object.entries(byLevel).map(([level, list]) => [level, { injected: field('applied', list), error: field('error', list) }])),
  }
}

reportResult(async () => {
  const server = startChild(new URL('./fake-server-child.mjs', import.meta.url))
  try {
    await server.ready
    const { url: echoUrl } = await server.request('echo')
    const { timeOrigin: serverOrigin } = await server.request('info')
    const hot = await loopback(echoUrl, 150, 0)
    const idle = await loopback(echoUrl, 150, GAP_MS)

    // Server in its own process.
    const separate = []
    const separateByLevel = {}
    const interleavedRtt = []
    const matchedRtt = []
    for (const level of levels) {
      const options = { latencyMs: level.latencyMs, jitterMs, seed: seed + level.latencyMs }
      const started = await server.request('start', { scenario: 'latency', options })
      const records = async () => (await server.request('records', { key: started.key }))[0].responses
      const samples = await measureLevel(started.url, level.turns, records, idle.offset, echoUrl)
      await server.request('stop', { key: started.key })
      separateByLevel[level.latencyMs] = samples
      separate.push(...samples)
      interleavedRtt.push(...samples.rtts)
      matchedRtt.push(...samples.matchedRtts)
    }
    const after = await loopback(echoUrl, 50, GAP_MS)

    // Server in this process, as fakeTest runs it (same clock: no offset).
    const inProcess = []
    const inProcessByLevel = {}
    for (const level of levels) {
      const turns = inProcessTurns[level.latencyMs] ?? 0
      if (!turns) continue
      const local = await createFakeRealtimeServer({
        latencyMs: level.latencyMs,
        jitterMs,
        seed: seed + level.latencyMs,
        transcribe: () => 'hello',
        reply: 'OK.',
      })
      try {
        const samples = await measureLevel(local.url, turns, async () => local.connections[0].responses, 0)
        inProcessByLevel[level.latencyMs] = samples
        inProcess.push(...samples)
      } finally {
        await local.close()
      }
    }

    const idleRtt = [...idle.rtt, ...after.rtt]
    const errorSummary = summary(separate.map((x) => x.error))
    const rttSummary = summary(interleavedRtt)
    const matchedSummary = summary(matchedRtt)
    return {
      // The budgeted figure: p99 of the measurement error minus p99 of a bare round trip, interleaved with the turns.
      errorOverFloor: {
        errorP99: errorSummary.p99,
        rttP99: rttSummary.p99,
        p99Difference: errorSummary.p99 - rttSummary.p99,
        errorP50: errorSummary.p50,
        rttP50: rttSummary.p50,
        matchedP99: matchedSummary.p99,
        matchedP50: matchedSummary.p50,
        matchedP99Difference: errorSummary.p99 - matchedSummary.p99,
      },
      interleavedRtt: rttSummary,
      matchedRtt: matchedSummary,
      turn: turnKind,
      jitterMs,
      seed,
      levels,
      gapMs: GAP_MS,
      separate: summarize(separate, separateByLevel),
      inProcess: summarize(inProcess, inProcessByLevel),
      loopback: {
        rttBackToBack: summary(hot.rtt),
        oneWayBackToBack: summary(hot.rtt.map((x) => x / 2)),
        rttAfterIdle: summary(idleRtt),
        oneWayAfterIdle: summary(idleRtt.map((x) => x / 2)),
        clockOffsetMs: idle.offset,
        clockOffsetDriftMs: after.offset - idle.offset,
        // How well performance.timeOrigin alone would have aligned the two processes (for the record).
        timeOriginAlignmentErrorMs: serverOrigin - performance.timeOrigin + idle.offset,
      },
    }
  } finally {
    await server.stop()
  }
})
