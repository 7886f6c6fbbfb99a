/**
 * A child process hosting fake realtime servers (the BUILT `expect-voice` package), so the server's CPU, GC and
 * event loop never perturb the client process being measured. Driven over IPC by the measurement scripts:
 *
 *   start { scenario, options }  -> { key, url, baseURL, ca }     (options: JSON-safe server options)
 *   records { key }              -> per connection: server-side response timings and event counts
 *   stop { key }                 -> closes that server
 *   echo {}                      -> { url }: a bare ws echo endpoint answering every frame with this
 *                                   process's performance.now(), for loopback RTT and clock alignment; a frame
 *                                   {"delayMs": n} is answered n ms after it arrived, timed as the fake server
 *                                   times its injected latency, with {"applied": ms} (what it really waited)
 *   info {}                      -> { timeOrigin, pid }
 *
 * Scenarios add what cannot cross IPC (functions, large buffers), all deterministic.
 */
import { performance } from 'node:perf_hooks'
import { createFakeRealtimeServer } from 'expect-voice'
import { WebSocketServer } from 'ws'
import { serveRequests } from './lib/ipc.mjs'
import { pcm, transcriptFor } from './lib/stats.mjs'

const servers = new Map()
let echo = null
let keys = 0
const audioCache = new Map()

function audioOf(ms, seed) {
  const key = `${ms}/${seed}`
  if (!audioCache.has(key)) audioCache.set(key, pcm(ms, seed))
  return audioCache.get(key)
}

/** Scenario -> extra (non-JSON) options. */
function scenarioOptions(scenario, args = {}) {
  switch (scenario) {
    case 'default':
      return {}
    case 'latency':
      // Cheap transcription, a short fixed reply: nothing but the injected latency between request and audio.
      return { transcribe: () => 'hello', reply: 'OK.' }
    case 'stream': {
      // One reply per turn, each `durations[turn]` ms of audio with a transcript at ~150 words/minute.
      const durations = args.durationsMs
      return {
        transcribe: () => 'go',
        reply: ({ turn }) => {
          const ms = durations[Math.min(turn, durations.length - 1)]
          return { text: transcriptFor(ms), audio: audioOf(ms, 7) }
        },
      }
    }
    case 'memory':
      return {
        transcribe: () => 'hello',
        reply: () => ({ text: transcriptFor(args.replyMs), audio: audioOf(args.replyMs, 11) }),
      }
    default:
      throw new Error(`unknown scenario ${scenario}`)
  }
}

async function closeAll() {
  await Promise.all([...servers.values()].map((s) => s.close()))
  servers.clear()
  if (echo) await new Promise((resolve) => echo.close(() => resolve()))
  echo = null
}

/**
 * A delayed answer waits as the fake server's injected latency does (a timer to ~3 ms before, then setImmediate
 * polling), so a bare client waiting for it idles as the adapter does while it waits for a response's first audio.
 */
function answerEcho(ws, data, receivedAt) {
  const delayMs = data.length > 2 && data[0] === 0x7b ? Number(JSON.parse(data.toString()).delayMs ?? 0) : 0
  if (!(delayMs > 0)) return ws.send(String(performance.now()))
  const deadline = receivedAt + delayMs
  const step = () => {
    const left = deadline - performance.now()
    if (left > 0) return left > 4 ? setTimeout(step, left - 3) : setImmediate(step)
    ws.send(JSON.stringify({ applied: performance.now() - receivedAt }))
  }
  step()
}

serveRequests(
  {
    async start({ scenario = 'default', options = {}, args }) {
      const server = await createFakeRealtimeServer({ ...options, ...scenarioOptions(scenario, args) })
      const key = ++keys
      servers.set(key, server)
      return { key, url: server.url, baseURL: server.baseURL, ca: server.ca ?? null }
    },
    records({ key }) {
      const server = servers.get(key)
      return server.connections.map((c) => ({
        id: c.id,
        sent: c.sent.length,
        received: c.received.length,
        responses: c.responses.map((r) => ({ ...r })),
      }))
    },
    async stop({ key }) {
      const server = servers.get(key)
      servers.delete(key)
      await server?.close()
      return true
    },
    async echo() {
      if (!echo) {
        echo = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
        echo.on('connection', (ws) => ws.on('message', (data) => answerEcho(ws, data, performance.now())))
        await new Promise((resolve) => echo.once('listening', resolve))
      }
      return { url: `ws://127.0.0.1:${echo.address().port}` }
    },
    info() {
      return { timeOrigin: performance.timeOrigin, pid: process.pid }
    },
    async shutdown() {
      await closeAll()
      setImmediate(() => process.exit(0))
      return true
    },
  },
  closeAll,
)

process.send({ ready: true, pid: process.pid })
