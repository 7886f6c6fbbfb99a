/**
 * §5 Memory retained per minute of recorded conversation. Run with --expose-gc. The BUILT adapter holds a whole
 * conversation against the fake server (own process): `turns` user turns of `userMs` of audio streamed in 20 ms
 * chunks (what `streamAudio` sends), each answered with `replyMs` of agent audio in 100 ms deltas. Retained =
 * (heapUsed + external) after a full GC with the conversation held, minus the same before it; compared with the
 * raw PCM16 bytes of all that audio (user + agent).
 */
// BENCH_ADAPTER_ENTRY: take the adapter from another build (before/after comparisons); default: the package.
const { OpenAIRealtimeAdapter } = await import(process.env.BENCH_ADAPTER_ENTRY ?? 'expect-voice')
import { reportResult, startChild } from './lib/ipc.mjs'
import { pcm } from './lib/stats.mjs'

const config = JSON.parse(process.argv[2] ?? '{}')
const turns = config.turns ?? 6
const userMs = config.userMs ?? 10_000
const replyMs = config.replyMs ?? 10_000
const chunkMs = config.userChunkMs ?? 20
const deltaMs = config.deltaMs ?? 100
const warmupTurns = config.warmupTurns ?? turns

function settledMemory() {
  for (let i = 0; i < 4; i++) globalThis.gc()
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, total: m.heapUsed + m.external }
}

reportResult(async () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
  const server = startChild(new URL('./fake-server-child.mjs', import.meta.url))
  try {
    await server.ready
    const started = await server.request('start', { scenario: 'memory', options: { chunkMs: deltaMs, paceMs: 0 }, args: { replyMs } })
    // The user's audio exists before the conversation starts (it is the test's input, not the adapter's memory).
    const userAudio = pcm(userMs, 13)
    const chunkBytes = (chunkMs * 48) | 0
    const agent = new OpenAIRealtimeAdapter({ url: started.url, logger: { warn() {} } })
    await agent.connect()
    const turn = async () => {
      let user = 0
      let received = 0
      for (let off = 0; off < userAudio.length; off += chunkBytes) {
        const data = userAudio.subarray(off, Math.min(userAudio.length, off + chunkBytes))
        await agent.sendAudio({ data, sampleRate: 24000 })
        user += data.length
      }
      for (let chunk; (chunk = await agent.recvAudio(30_000)) !== null; ) received += chunk.data.length
      return { user, received }
    }
    // Throwaway turns, like the measured ones, so lazily created internals and JIT-compiled code (which lives on the
    // V8 heap too, and keeps being optimised for a few turns) are not counted as conversation memory.
    for (let i = 0; i < warmupTurns; i++) await turn()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const warmTurns = agent.turns.length
    const before = settledMemory()

    let userBytes = 0
    let agentBytes = 0
    for (let t = 0; t < turns; t++) {
      const { user, received } = await turn()
      userBytes += user
      agentBytes += received
    }
    await new Promise((resolve) => setTimeout(resolve, 50)) // trailing transcription / rate_limits events
    const after = settledMemory()
    // Keep the input alive until after the measurement, or the GC frees it and hides that much of the recording.
    if (userAudio.length !== Math.round(userMs * 48)) throw new Error('unexpected user audio size')
    // Sanity: the conversation is really held (and is what we think it is).
    const heldUser = agent.turns.slice(warmTurns).reduce((n, t) => n + t.audioBytes, 0)
    const heldAgent = agent.turns.slice(warmTurns).reduce((n, t) => n + (t.response?.audioBytes ?? 0), 0)
    if (heldUser !== userBytes || heldAgent !== agentBytes) throw new Error(`held ${heldUser}/${heldAgent}, sent/received ${userBytes}/${agentBytes}`)
    // The memory that actually holds the recording: every distinct ArrayBuffer behind the recorded chunks.
    const backing = new Set()
    for (const t of agent.turns) {
      for (const b of t.audio) backing.add(b.buffer)
      for (const c of t.response?.audio ?? []) backing.add(c.data.buffer)
    }
    const backingBytes = [...backing].reduce((n, b) => n + b.byteLength, 0)
    const rawBytes = userBytes + agentBytes
    const minutes = rawBytes / 48 / 60_000
    const retained = after.total - before.total
    const result = {
      turns,
      userMs,
      replyMs,
      userChunkMs: chunkMs,
      deltaMs,
      audioMinutes: minutes,
      rawPcmBytes: rawBytes,
      retainedBytes: retained,
      retainedBytesPerMinute: retained / minutes,
      rawBytesPerMinute: rawBytes / minutes,
      ratio: retained / rawBytes,
      heapDelta: after.heapUsed - before.heapUsed,
      externalDelta: after.external - before.external,
      arrayBuffersDelta: after.arrayBuffers - before.arrayBuffers,
      before,
      after,
      timelineEntries: agent.timeline.length,
      backingArrayBuffers: backing.size,
      backingBytes,
    }
    await agent.disconnect()
    await server.request('stop', { key: started.key })
    return result
  } finally {
    await server.stop()
  }
})
