/**
 * §2 Receive loop. One client variant per process (argv[2]): `adapter` (OpenAIRealtimeAdapter, the BUILT package),
 * `sdk` (the official `openai` package's OpenAIRealtimeWS), `bare` (ws + JSON.parse + base64 decode, audio dropped:
 * the reference) or `floor` (the least a client can do that keeps every byte, see `readFramesOwnWay`).
 * The fake server runs in its own child process over TLS on loopback (wss://, as the SDK requires), streaming one
 * warm-up response and then `mainMs` of 24 kHz PCM16 in 100 ms deltas with its transcript, as fast as it can.
 * Every variant decodes every audio delta to PCM bytes; CPU (process.cpuUsage), wall time and peak RSS of THIS
 * process are taken from just before the measured response is requested until its response.done is consumed.
 */
import { performance } from 'node:perf_hooks'
import { reportResult, startChild } from './lib/ipc.mjs'

const variant = process.argv[2]
const config = JSON.parse(process.argv[3] ?? '{}')
const warmupMs = config.warmupMs ?? 30_000
const mainMs = config.mainMs ?? 600_000
/**
 * config.pings false: every client leaves the fake server's pings unanswered (ws `autoPong: false`), so after its
 * first unanswered ping (during the warm-up) it streams without one per delta, as the live API does.
 */
const wsExtra = config.pings === false ? { autoPong: false } : {}
/** Slab size of the bare-slab variant (the adapter's audio store uses 256 KiB). */
const SLAB_BYTES = config.slabBytes ?? 256 * 1024

const SESSION = {
  type: 'realtime',
  audio: {
    input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null, transcription: { model: 'gpt-4o-mini-transcribe' } },
    output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' },
  },
}
const userText = (text) => ({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })

/** Each variant: connect(), then respond() -> runs one turn, resolves { events, audioBytes } at response.done. */
const variants = {
  async adapter({ url, ca }) {
    // BENCH_ADAPTER_ENTRY: import the adapter from another build (A/B experiments on the hot path).
    const { OpenAIRealtimeAdapter } = await import(process.env.BENCH_ADAPTER_ENTRY ?? 'expect-voice')
    // config.keepAudio: the retention option (the bench's bounded-memory run).
    const agent = new OpenAIRealtimeAdapter({
      url,
      wsOptions: { ca, ...wsExtra },
      logger: { warn() {} },
      ...(config.keepAudio ? { keepAudio: config.keepAudio } : {}),
    })
    await agent.connect()
    return {
      async respond(text) {
        const since = performance.now()
        let audioBytes = 0
        await agent.sendText(text)
        for (let chunk; (chunk = await agent.recvAudio(60_000)) !== null; ) audioBytes += chunk.data.length
        // Consecutive audio deltas share one timeline entry (`count`). A timeline that dropped entries of the measured
        // response (builds before that, on long streams) cannot count them: the server's count stands in.
        const complete = !(agent.timeline.length && agent.timeline[0].at > since)
        const events = complete ? agent.timeline.filter((e) => e.direction === 'in' && e.at >= since).reduce((n, e) => n + (e.count ?? 1), 0) : null
        return { events, audioBytes }
      },
      close: () => agent.disconnect(),
    }
  },

  // Not part of the default run: the adapter records the response but nobody pulls it through recvAudio
  // (polled every 10 ms for response.done), to separate the cost of the receive path from that of the pull loop.
  async 'adapter-poll'({ url, ca }) {
    const { OpenAIRealtimeAdapter } = await import(process.env.BENCH_ADAPTER_ENTRY ?? 'expect-voice')
    const agent = new OpenAIRealtimeAdapter({ url, wsOptions: { ca, ...wsExtra }, logger: { warn() {} } })
    await agent.connect()
    return {
      async respond(text) {
        const since = performance.now()
        await agent.sendText(text)
        const record = agent.currentResponse
        while (record.doneAt === null) await new Promise((resolve) => setTimeout(resolve, 10))
        // Consecutive audio deltas share one timeline entry (`count`).
        const events = agent.timeline.filter((e) => e.direction === 'in' && e.at >= since).reduce((n, e) => n + (e.count ?? 1), 0)
        return { events, audioBytes: record.audioBytes }
      },
      close: () => agent.disconnect(),
    }
  },

  async sdk({ url, ca }) {
    const { default: OpenAI } = await import('openai')
    const { OpenAIRealtimeWS } = await import('openai/realtime/ws')
    const baseURL = url.replace(/^wss:/, 'https:').replace(/\/realtime$/, '')
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime-mini', options: { ca, ...wsExtra } }, new OpenAI({ apiKey: 'sk-bench', baseURL }))
    rt.on('error', (err) => {
      throw err
    })
    let events = 0
    let audioBytes = 0
    let onDone = null
    rt.on('event', () => events++)
    rt.on('response.output_audio.delta', (e) => {
      audioBytes += Buffer.from(e.delta, 'base64').length
    })
    rt.on('response.done', () => onDone?.())
    await new Promise((resolve, reject) => {
      rt.socket.once('open', resolve)
      rt.socket.once('error', reject)
    })
    await new Promise((resolve) => {
      rt.once('session.updated', resolve)
      rt.send({ type: 'session.update', session: SESSION })
    })
    return {
      async respond(text) {
        events = 0
        audioBytes = 0
        const done = new Promise((resolve) => (onDone = resolve))
        rt.send(userText(text))
        rt.send({ type: 'response.create' })
        await done
        return { events, audioBytes }
      },
      close: () =>
        new Promise((resolve) => {
          rt.socket.once('close', resolve)
          rt.close()
        }),
    }
  },

  bare: (target) => bareClient(target, null),
  // Not part of the default run: the floor plus keeping every decoded delta (what recording costs by itself),
  // either one allocation per delta or packed into shared 256 KiB slabs.
  'bare-retain': (target) => bareClient(target, 'alloc'),
  'bare-slab': (target) => bareClient(target, 'slab'),
  'bare-write': (target) => bareClient(target, 'write'),
  floor: (target) => bareClient(target, 'floor'),
}

/**
 * The floor for a client that keeps every audio byte: ws only for the handshake and for sending; its own reader of
 * the socket's frames (unmasked, unfragmented text frames; pings answered) instead of ws's receiver; each audio
 * delta's base64 decoded from the frame's bytes into 256 KiB slabs that are all kept, and only the rest of the
 * frame parsed. No validation, records or timeline: what is left is TLS, the socket, the decode and the memory the
 * kept audio needs.
 */
function readFramesOwnWay(ws, onText) {
  const socket = ws._socket
  socket.removeAllListeners('data')
  let pending = null
  socket.on('data', (chunk) => {
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk
    pending = null
    let offset = 0
    while (buf.length - offset >= 2) {
      const first = buf[offset]
      const short = buf[offset + 1] & 0x7f
      let header = 2
      let length = short
      if (short === 126) {
        if (buf.length - offset < 4) break
        length = buf.readUInt16BE(offset + 2)
        header = 4
      } else if (short === 127) {
        if (buf.length - offset < 10) break
        length = Number(buf.readBigUInt64BE(offset + 2))
        header = 10
      }
      if (buf.length - offset < header + length) break
      const opcode = first & 0x0f
      if ((first & 0x80) === 0 || opcode === 0) throw new Error('floor client: fragmented frame (the fake server sends none)')
      const payload = buf.subarray(offset + header, offset + header + length)
      if (opcode === 1) onText(payload)
      // Pings answered as ws's autoPong would (config.pings false: left unanswered, as the other clients do then).
      else if (opcode === 9 && config.pings !== false) ws.pong(payload)
      offset += header + length
    }
    if (offset < buf.length) pending = buf.subarray(offset)
  })
}

async function bareClient({ url, ca }, retain) {
  {
    const { default: WebSocket } = await import('ws')
    const kept = []
    let slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
    let used = 0
    const ws = new WebSocket(`${url}?model=gpt-realtime-mini`, { ca, perMessageDeflate: false, ...wsExtra })
    let events = 0
    let audioBytes = 0
    let onDone = null
    let onUpdated = null
    const DELTA_KEY = Buffer.from('"delta":"')
    const onMessage = (data) => {
      if (retain === 'floor' && data.length >= 512) {
        const key = data.indexOf(DELTA_KEY)
        if (key !== -1) {
          const start = key + DELTA_KEY.length
          const end = data.indexOf(0x22, start)
          const max = ((end - start) >>> 2) * 3
          if (slab.length - used < max) {
            slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
            kept.push(slab)
            used = 0
          }
          const n = slab.base64Write(data.latin1Slice(start, end), used, max)
          used += (n + 7) & ~7
          audioBytes += n
          events++
          JSON.parse(data.utf8Slice(0, start) + data.utf8Slice(end, data.length))
          return
        }
      }
      const event = JSON.parse(data.toString())
      events++
      if (event.type === 'response.output_audio.delta') {
        if (retain === 'write') {
          // Decoded with buf.write into one reused buffer: the decode without Buffer.from's slow path, nothing kept.
          audioBytes += slab.write(event.delta, 0, 'base64')
        } else if (retain === 'slab') {
          if (slab.length - used < (event.delta.length >>> 2) * 3 + 3) {
            slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
            used = 0
          }
          const n = slab.write(event.delta, used, 'base64')
          kept.push(slab.subarray(used, used + n))
          used += n
          audioBytes += n
        } else {
          const pcm = Buffer.from(event.delta, 'base64')
          if (retain) kept.push(pcm)
          audioBytes += pcm.length
        }
      } else if (event.type === 'response.done') onDone?.()
      else if (event.type === 'session.updated') onUpdated?.()
    }
    ws.on('message', onMessage)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    if (retain === 'floor') readFramesOwnWay(ws, onMessage)
    await new Promise((resolve) => {
      onUpdated = resolve
      ws.send(JSON.stringify({ type: 'session.update', session: SESSION }))
    })
    return {
      async respond(text) {
        events = 0
        audioBytes = 0
        const done = new Promise((resolve) => (onDone = resolve))
        ws.send(JSON.stringify(userText(text)))
        ws.send(JSON.stringify({ type: 'response.create' }))
        await done
        return { events, audioBytes }
      },
      close: () =>
        new Promise((resolve) => {
          ws.once('close', resolve)
          // The floor's own reader never hands ws the server's close frame: end the socket instead of waiting for it.
          if (retain === 'floor') ws.terminate()
          else ws.close()
        }),
    }
  }
}

reportResult(async () => {
  if (!variants[variant]) throw new Error(`unknown variant ${variant}`)
  const server = startChild(new URL('./fake-server-child.mjs', import.meta.url), { timeoutMs: 300_000 })
  try {
    await server.ready
    const started = await server.request('start', {
      scenario: 'stream',
      // paceMs 0: as fast as the client takes it (the default streams at 10× real time: 50 minutes would take 5).
      options: { tls: true, chunkMs: 100, seed: 5, paceMs: 0 },
      args: { durationsMs: [warmupMs, mainMs] },
    })
    const client = await variants[variant]({ url: started.url, ca: started.ca })
    const warm = await client.respond('warm up')
    if (warm.audioBytes !== warmupMs * 48) throw new Error(`warm-up: ${warm.audioBytes} bytes of audio, expected ${warmupMs * 48}`)
    globalThis.gc?.()
    await new Promise((resolve) => setTimeout(resolve, 50))

    // BENCH_PROFILE=file.cpuprofile: a CPU profile of the measured window only (for perf work; not in the figures).
    const profiler = process.env.BENCH_PROFILE ? await startProfiler() : null
    const rssBefore = process.memoryUsage.rss()
    const usageBefore = process.resourceUsage()
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const { events, audioBytes } = await client.respond('go')
    const cpu = process.cpuUsage(cpu0)
    const wallMs = performance.now() - t0
    const usageAfter = process.resourceUsage()
    const memoryAfter = process.memoryUsage()
    const { getHeapSpaceStatistics } = await import('node:v8')
    const heapSpaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]))
    if (profiler) await profiler.stop(process.env.BENCH_PROFILE)
    if (audioBytes !== mainMs * 48) throw new Error(`${audioBytes} bytes of audio, expected ${mainMs * 48}`)

    // With --expose-gc (the bounded-memory runs): what the process still holds once garbage is collected.
    let retainedAfterGc = null
    if (typeof globalThis.gc === 'function') {
      for (let i = 0; i < 3; i++) globalThis.gc()
      const m = process.memoryUsage()
      retainedAfterGc = { heapUsed: m.heapUsed, external: m.external, total: m.heapUsed + m.external, rss: m.rss }
    }
    await client.close()
    const [connection] = await server.request('records', { key: started.key })
    await server.request('stop', { key: started.key })
    const cpuMs = (cpu.user + cpu.system) / 1000
    const audioMinutes = mainMs / 60_000
    return {
      variant,
      audioMinutes,
      events: events ?? connection.sent,
      deltas: Math.ceil(mainMs / 100),
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      cpuMs,
      cpuMsPerAudioMinute: cpuMs / audioMinutes,
      eventsPerSecond: (events ?? connection.sent) / (wallMs / 1000),
      eventsPerCpuSecond: (events ?? connection.sent) / (cpuMs / 1000),
      peakRssBytes: usageAfter.maxRSS * 1024,
      rssBeforeBytes: rssBefore,
      peakRssGrowthBytes: Math.max(0, usageAfter.maxRSS * 1024 - rssBefore),
      memoryAfter,
      heapSpaces,
      retainedAfterGc,
      involuntaryContextSwitches: usageAfter.involuntaryContextSwitches - usageBefore.involuntaryContextSwitches,
      voluntaryContextSwitches: usageAfter.voluntaryContextSwitches - usageBefore.voluntaryContextSwitches,
      minorPageFaults: usageAfter.minorPageFault - usageBefore.minorPageFault,
      serverEventsSent: connection.sent,
    }
  } finally {
    await server.stop()
  }
})

async function startProfiler() {
  const { Session } = await import('node:inspector')
  const { writeFileSync } = await import('node:fs')
  const session = new Session()
  session.connect()
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))))
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_PROFILE_INTERVAL ?? 100) })
  await post('Profiler.start')
  return {
    async stop(file) {
      const { profile } = await post('Profiler.stop')
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    },
  }
}
