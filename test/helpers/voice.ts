import { afterEach } from 'vitest'
import { OpenAIRealtimeAdapter, type OpenAIRealtimeAdapterOptions } from '../../src/adapter/index.js'
import { createFakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { synthesizeSpeech } from '../../src/audio/synthetic-voice.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A connected adapter against a fresh fake server; both are closed after the test. */
export async function voiceAgent(server: FakeRealtimeServerOptions = {}, adapter: OpenAIRealtimeAdapterOptions = {}) {
  const fake = await createFakeRealtimeServer(server)
  cleanups.push(() => fake.close())
  const agent = new OpenAIRealtimeAdapter({ url: fake.url, apiKey: 'sk-test-not-a-real-key-000000', ...adapter })
  cleanups.push(() => agent.disconnect())
  await agent.connect()
  return { agent, server: fake, connection: fake.connections[0]! }
}

export const speech = (text: string) => ({ data: synthesizeSpeech(text), sampleRate: 24_000 })

// eslint-disable-next-line no-control-regex
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
