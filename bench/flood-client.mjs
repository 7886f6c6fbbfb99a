/**
 * Memory retained under a flood (run with --expose-gc). The BUILT adapter connects to bench/flood-server-child.mjs,
 * asks one question, and receives `count` hostile events of one `kind` (argv[2]: `errors` or `types`). Retained =
 * (heapUsed + external) after a full GC with the adapter and all it kept still alive, minus the same before it
 * connected; also the size of the adapter's errors, of its timeline's strings, and of the timeout message quoting
 * what arrived.
 */
const { OpenAIRealtimeAdapter } = await import(process.env.BENCH_ADAPTER_ENTRY ?? 'expect-voice')
import { reportResult, startChild } from './lib/ipc.mjs'

const kind = process.argv[2] ?? 'errors'
const config = JSON.parse(process.argv[3] ?? '{}')
const count = config.count ?? (kind === 'errors' ? 20_000 : 150)

function settled() {
  for (let i = 0; i < 4; i++) globalThis.gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

reportResult(async () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
  const server = startChild(new URL('./flood-server-child.mjs', import.meta.url), { timeoutMs: 120_000 })
  try {
    await server.ready
    const { url } = await server.request('start', { kind, count })
    const before = settled()
    const agent = new OpenAIRealtimeAdapter({ url, logger: { warn() {} } })
    await agent.connect()
    const t0 = performance.now()
    await agent.sendText('flood me')
    // Each error event fails the waiting call once; keep reading until the flood has arrived.
    while (!agent.timeline.some((e) => e.type === 'bench.flood.done')) {
      await agent.recvAudio(50).catch(() => null)
    }
    const floodMs = performance.now() - t0
    // The next wait times out (no audio ever comes): its message quotes what arrived, bounded.
    let timeout = null
    for (let i = 0; i < 3 && timeout?.name !== 'RealtimeTimeoutError'; i++)
      timeout = await agent.recvAudio(1).then(
        () => null,
        (err) => err,
      )
    const after = settled()
    const result = {
      kind,
      count,
      floodMs,
      retainedBytes: after - before,
      receivedBytes: kind === 'errors' ? count * 330 : count * 1_000_000,
      errorsKept: agent.errors.length,
      timelineEntries: agent.timeline.length,
      timelineTypeChars: agent.timeline.reduce((n, e) => n + e.type.length, 0),
      timeoutMessageChars: timeout?.message?.length ?? 0,
    }
    await agent.disconnect()
    return result
  } finally {
    await server.stop()
  }
})
