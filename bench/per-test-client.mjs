/**
 * §3a Per-test fixture cost: what the `agent` fixture does around every test — create the adapter, connect (TCP +
 * WebSocket upgrade + session.update -> session.updated) and disconnect (close handshake) — against the fake server.
 *
 * Two placements, both with the BUILT package:
 *  - `inProcess`: the fake server runs in this process, as `fakeTest` does (what a user's test file pays);
 *  - `separate`: the fake server runs in a child process, so the figure is the client side alone.
 */
import { performance } from 'node:perf_hooks'
import { OpenAIRealtimeAdapter, createFakeRealtimeServer } from 'expect-voice'
import { reportResult, startChild } from './lib/ipc.mjs'
import { summary } from './lib/stats.mjs'

const config = JSON.parse(process.argv[2] ?? '{}')
const tests = config.tests ?? 200
const warmup = config.warmup ?? 20

async function cycles(url) {
  const total = []
  const connect = []
  const disconnect = []
  for (let i = 0; i < tests + warmup; i++) {
    const t0 = performance.now()
    const agent = new OpenAIRealtimeAdapter({ url })
    await agent.connect()
    const t1 = performance.now()
    await agent.disconnect()
    const t2 = performance.now()
    if (i >= warmup) {
      total.push(t2 - t0)
      connect.push(t1 - t0)
      disconnect.push(t2 - t1)
    }
  }
  return { total: summary(total), connect: summary(connect), disconnect: summary(disconnect) }
}

reportResult(async () => {
  const local = await createFakeRealtimeServer()
  let inProcess
  try {
    inProcess = await cycles(local.url)
  } finally {
    await local.close()
  }
  const server = startChild(new URL('./fake-server-child.mjs', import.meta.url))
  try {
    await server.ready
    const started = await server.request('start', { scenario: 'default' })
    const separate = await cycles(started.url)
    await server.request('stop', { key: started.key })
    return { tests, warmup, inProcess, separate }
  } finally {
    await server.stop()
  }
})
