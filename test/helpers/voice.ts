/**
 * THE way to get a voice agent in a test: `voiceAgent(serverOptions?, adapterOptions?)` starts a fake realtime
 * server, points an `OpenAIRealtimeAdapter` at `server.url` and connects it. Cleanup is registered with Vitest's
 * `onTestFinished` (adapter disconnected, then server closed, pass or fail), so no afterEach bookkeeping is needed.
 * It must be called from inside a test (or its beforeEach). Its two parts, `fakeServer` and `testAdapter`, are for
 * tests that need a server without our adapter, or an adapter pointed somewhere else (a raw server, a base URL).
 */
import { onTestFinished } from 'vitest'
import {
  createFakeRealtimeServer,
  OpenAIRealtimeAdapter,
  type FakeConnection,
  type FakeRealtimeServer,
  type FakeRealtimeServerOptions,
  type OpenAIRealtimeAdapterOptions,
} from '../../src/index.js'

import { observe } from '../../src/adapter/observe.js'
import { waitForChange } from '../../src/matchers/drive.js'

export { speech } from './builders.js'

/** The key tests give the adapter when the key itself is not what they test. */
export const TEST_API_KEY = 'sk-test-not-a-real-key-000000'

/**
 * `open()`s something that `close` ends when the current test finishes. The cleanup is registered before opening:
 * outside a test this throws before anything was opened.
 */
export async function closedAfterTest<T>(open: () => Promise<T>, close: (opened: T) => Promise<unknown>): Promise<T> {
  let opened: { value: T } | undefined
  onTestFinished(async () => {
    if (opened) await close(opened.value)
  })
  opened = { value: await open() }
  return opened.value
}

/** A fake realtime server, closed when the current test finishes. */
export function fakeServer(options: FakeRealtimeServerOptions = {}): Promise<FakeRealtimeServer> {
  return closedAfterTest(
    () => createFakeRealtimeServer(options),
    (server) => server.close(),
  )
}

/** An adapter (not connected) for `url`, with `TEST_API_KEY` unless `options` say otherwise; disconnected when the current test finishes. */
export function testAdapter(url: string, options: OpenAIRealtimeAdapterOptions = {}): OpenAIRealtimeAdapter {
  const agent = new OpenAIRealtimeAdapter({ url, apiKey: TEST_API_KEY, ...options })
  onTestFinished(() => agent.disconnect())
  return agent
}

export interface VoiceAgentOptions extends OpenAIRealtimeAdapterOptions {
  /** Connect before returning (default true). `false`: the test calls `agent.connect()` itself (e.g. to see it fail). */
  connect?: boolean
}

export interface VoiceAgent {
  agent: OpenAIRealtimeAdapter
  server: FakeRealtimeServer
  /** The server side of the adapter's (first) connection; throws when it has not connected. */
  readonly connection: FakeConnection
}

/**
 * A fake server (`serverOptions`) and an adapter (`adapterOptions`, `url` = the server's) connected to it. Both are
 * closed when the test finishes, the adapter first (onTestFinished runs its callbacks last-registered first).
 */
export async function voiceAgent(serverOptions: FakeRealtimeServerOptions = {}, adapterOptions: VoiceAgentOptions = {}): Promise<VoiceAgent> {
  const { connect = true, ...options } = adapterOptions
  const server = await fakeServer(serverOptions)
  const agent = testAdapter(server.url, options)
  if (connect) await agent.connect()
  return {
    agent,
    server,
    get connection() {
      const connection = server.connections[0]
      if (!connection) throw new Error('voiceAgent: the adapter has not connected to the fake server (yet)')
      return connection
    },
  }
}

export const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '')

/** The failure message of an async assertion that must fail. */
export async function failureOf(assertion: Promise<unknown>): Promise<string> {
  try {
    await assertion
  } catch (err) {
    return stripAnsi((err as Error).message)
  }
  throw new Error('expected the assertion to fail, but it passed')
}

/**
 * A failure message with its measured timings replaced, so it can be snapshotted: `+123 ms` → `+<n> ms`, `199.87 ms` → `<n> ms`,
 * `after 123 ms` → `after <n> ms`. The phrases in `keep` (the budget, `within`, a timeout the test gave, e.g.
 * `'within 300 ms'`) are left exactly as they are, wherever they occur.
 */
export function stableMessage(message: string, keep: string[] = []): string {
  const kept: string[] = []
  let text = message
  for (const phrase of keep) {
    if (!text.includes(phrase)) throw new Error(`stableMessage: ${JSON.stringify(phrase)} is not in the message:\n${message}`)
    text = text.split(phrase).join(`\u0000${kept.push(phrase) - 1}\u0000`)
  }
  return text.replace(/(\+?)\d+(?:\.\d+)? ms\b/g, '$1<n> ms').replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)]!)
}

/** `stableMessage` of the failure of an async assertion that must fail. */
export async function stableFailureOf(assertion: Promise<unknown>, keep: string[] = []): Promise<string> {
  return stableMessage(await failureOf(assertion), keep)
}

/**
 * An agent asked something whose response has started (`response.created` arrived) and will not end for 5 s: for
 * the matchers' "the response did not end within" case, with a stable list of what arrived.
 */
export async function unfinishedResponse(serverOptions: FakeRealtimeServerOptions = {}): Promise<OpenAIRealtimeAdapter> {
  const { agent } = await voiceAgent({ paceMs: 0, ...serverOptions, latencyMs: 5000 })
  await agent.sendText('book')
  await waitForChange(observe(agent), () => (agent.responses.length > 0 ? true : undefined), 5000)
  if (agent.responses.length === 0) throw new Error('unfinishedResponse: no response.created within 5 s')
  return agent
}
