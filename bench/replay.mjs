/**
 * Record and replay: how long a `fast` replay of a 30-second recorded conversation takes, as a fraction of the
 * recorded duration (budget: under 1 %), and, with --recorded, how closely `recorded` pacing reproduces latency.
 *
 * The conversation: six turns (audio and text, alternating), each answered with ~4 s of agent audio in 100 ms
 * deltas. It is recorded through the real recording proxy against the fake server standing in for the live API.
 *
 *   node bench/replay.mjs              records it with the fake server streaming as fast as it can, then lays the
 *                                      recorded timeline out as the live API paces it (600 ms to first audio, each
 *                                      delta at its audio's duration, 300 ms before the user's next turn): ~1 s
 *   node bench/replay.mjs --real-time  records it in real time instead (the fake server streams at real-time pace
 *                                      after 600 ms): ~35 s
 *   node bench/replay.mjs --recorded   also replays it once with `recorded` pacing (another ~30 s) and reports the
 *                                      per-turn latency error against the recording
 *   --json                             one JSON line instead of the table
 *
 * Runs the BUILT package (`npm run build` first). Prints the ratio; exits 1 when fast replay misses the budget.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { OpenAIRealtimeAdapter, createFakeRealtimeServer, synthesizeSpeech } from 'expect-voice'
import { createRecordingProxy, createReplayServer, recordingPaths, saveSessionRecording } from 'expect-voice/replay'

const args = new Set(process.argv.slice(2))
const realTime = args.has('--real-time')
const measureRecorded = args.has('--recorded')
const asJson = args.has('--json')
const BUDGET = 0.01
const LATENCY_MS = 600
const REPLY_GAP_MS = 300
const FAST_RUNS = 7

const USER = [
  'book a table for two at seven pm',
  'Do you have a table by the window?',
  'can we bring a dog',
  'What is on the menu tonight?',
  'is there parking nearby',
  'Thank you, see you at seven.',
]
const REPLIES = [
  'Sure, your table for two is booked for seven pm tonight, under the name you gave us when you called.',
  'We do, the window tables look out over the harbour and I have put you at the quiet one in the corner.',
  'Dogs are welcome on the terrace and in the front room, and we always keep a bowl of fresh water ready.',
  'Tonight we have grilled sea bass, a mushroom risotto, lamb with rosemary and a lemon tart for dessert.',
  'There is free parking behind the building, and a public car park two minutes away on Harbour Street.',
  'You are very welcome, we look forward to seeing you both at seven, and have a lovely afternoon until then.',
]

/** The test: the same on the recording and on every replay. */
async function converse(url) {
  const agent = new OpenAIRealtimeAdapter({ url, apiKey: '' })
  await agent.connect()
  try {
    for (let i = 0; i < USER.length; i++) {
      if (i % 2 === 0) await agent.sendAudio({ data: synthesizeSpeech(USER[i]), sampleRate: 24000 })
      else await agent.sendText(USER[i])
      while ((await agent.recvAudio(60_000)) !== null);
    }
    return agent.turns.map((t) => t.response.firstAudioAt - t.response.requestedAt)
  } finally {
    await agent.disconnect()
  }
}

/** The recorded timeline, laid out as the live API paces a conversation (see the header). */
function paceAsLive(recording) {
  for (const session of recording.sessions) {
    let clock = 0
    let createdAt = null
    let firstDelta = false
    let replyEnded = false
    for (const event of session.events) {
      if ('client' in event) {
        if (replyEnded) clock += REPLY_GAP_MS
        replyEnded = false
        const audio = event.client.audio
        // The user speaks in real time: an append group takes as long as its audio.
        if (audio && typeof audio === 'object' && typeof audio.bytes === 'number') clock += audio.bytes / 48
        else clock += 1
        event.t = Math.round(clock)
        if (event.client.type === 'response.create') {
          createdAt = clock
          firstDelta = true
        }
        continue
      }
      if ('server' in event) {
        const type = event.server.type
        if (type === 'response.output_audio.delta') {
          if (firstDelta && createdAt !== null) clock = Math.max(clock, createdAt + LATENCY_MS)
          firstDelta = false
          event.t = Math.round(clock)
          const [, length] = event.server.delta.$audio.split(':').map(Number)
          clock += length / 48
          continue
        }
        if (type === 'response.done') replyEnded = true
      }
      event.t = Math.round(clock)
    }
  }
  return recording
}

const durationOf = (recording) => Math.max(...recording.sessions.flatMap((s) => s.events.map((e) => e.t)))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const dir = await mkdtemp(join(tmpdir(), 'expect-voice-bench-replay-'))
try {
  // ---- record ----
  const upstream = await createFakeRealtimeServer({
    reply: ({ turn }) => REPLIES[turn] ?? 'Goodbye.',
    latencyMs: realTime ? LATENCY_MS : 0,
    paceMs: realTime ? 'realtime' : 0,
  })
  const proxy = await createRecordingProxy({ upstream: upstream.url, apiKey: 'sk-bench-not-a-real-key-000000' })
  const recordStarted = performance.now()
  let recordedLatencies
  try {
    recordedLatencies = await converse(proxy.url)
  } finally {
    await proxy.close()
    await upstream.close()
  }
  const recordWallMs = performance.now() - recordStarted
  let recording = proxy.recording({ test: 'a 30-second conversation' })
  if (!realTime) recording = paceAsLive(recording)
  const paths = recordingPaths({ testFile: join(dir, 'bench.test.ts'), testName: 'a 30-second conversation' })
  await saveSessionRecording(paths, recording)
  const durationMs = durationOf(recording)
  const events = recording.sessions[0].events.length

  // ---- fast replay: from the files on disk, as a test would ----
  const runs = []
  for (let i = 0; i < FAST_RUNS + 1; i++) {
    const started = performance.now()
    const server = await createReplayServer(paths.json, { pacing: 'fast' })
    try {
      await converse(server.url)
      server.verify()
    } finally {
      await server.close()
    }
    if (i > 0) runs.push(performance.now() - started) // the first run warms up the JIT
  }
  const fastMs = median(runs)
  const ratio = fastMs / durationMs

  // ---- recorded pacing (optional): latency as recorded at the proxy vs as measured on replay ----
  let latency = null
  if (measureRecorded) {
    const atProxy = []
    let createT = null
    for (const e of recording.sessions[0].events) {
      if ('client' in e && e.client.type === 'response.create') createT = e.t
      if ('server' in e && e.server.type === 'response.output_audio.delta' && createT !== null) {
        atProxy.push(e.t - createT)
        createT = null
      }
    }
    const server = await createReplayServer(paths.json, { pacing: 'recorded' })
    const started = performance.now()
    let replayed
    try {
      replayed = await converse(server.url)
      server.verify()
    } finally {
      await server.close()
    }
    const errors = replayed.map((ms, i) => ms - atProxy[i])
    latency = { wallMs: performance.now() - started, atProxy, replayed, maxErrorMs: Math.max(...errors.map(Math.abs)), errors }
  }

  const result = {
    method: realTime ? 'recorded in real time' : 'recorded fast, timeline paced as live',
    turns: USER.length,
    events,
    agentAudioMs: Math.round(recording.audio.length / 48),
    recordedDurationMs: durationMs,
    recordWallMs: Math.round(recordWallMs),
    fastReplayMs: {
      median: Number(fastMs.toFixed(1)),
      min: Number(Math.min(...runs).toFixed(1)),
      max: Number(Math.max(...runs).toFixed(1)),
      runs: runs.length,
    },
    ratio,
    budget: BUDGET,
    pass: ratio < BUDGET,
    ...(latency ? { recordedPacing: latency } : {}),
    recordedLatenciesAtClientMs: recordedLatencies.map((x) => Number(x.toFixed(1))),
  }
  if (asJson) console.log(JSON.stringify(result))
  else {
    console.log('record/replay: fast replay of a recorded conversation')
    console.log(`  conversation        ${result.turns} turns, ${events} events, ${(result.agentAudioMs / 1000).toFixed(1)} s of agent audio (${result.method})`)
    console.log(`  recorded duration   ${(durationMs / 1000).toFixed(2)} s`)
    console.log(
      `  fast replay         ${fastMs.toFixed(1)} ms median of ${runs.length} (min ${Math.min(...runs).toFixed(1)}, max ${Math.max(...runs).toFixed(1)}), connect to disconnect, recording read from disk`,
    )
    console.log(
      `  ratio               ${(ratio * 100).toFixed(3)} % of the recorded duration (budget < ${BUDGET * 100} %): ${result.pass ? 'ok' : 'OVER BUDGET'}`,
    )
    if (latency) {
      console.log(
        `  recorded pacing     replay took ${(latency.wallMs / 1000).toFixed(2)} s; first-audio latency per turn, recorded at the proxy vs measured on replay:`,
      )
      console.log(
        `                      ${latency.atProxy.map((ms, i) => `${ms}→${latency.replayed[i].toFixed(1)}`).join('  ')} ms (max error ${latency.maxErrorMs.toFixed(1)} ms)`,
      )
    }
  }
  if (!result.pass) process.exitCode = 1
} finally {
  await rm(dir, { recursive: true, force: true })
}
