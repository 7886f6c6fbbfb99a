/**
 * Fake-server tests driven by raw clients: `startServer` is `fakeServer` (closed when the test finishes), raw
 * clients opened in a test close when it finishes too (raw-client.ts), and the file fails if TCP/TLS handles leaked.
 */
import { afterAll, beforeAll, expect } from 'vitest'
import type { FakeRealtimeServer, FakeRealtimeServerOptions } from '../../src/index.js'
import { rawClient, settledSocketHandles, socketHandles, type RawClient } from './raw-client.js'
import { fakeServer } from './voice.js'

export function useFakeServers() {
  let baseline = 0
  beforeAll(() => {
    baseline = socketHandles()
  })
  afterAll(async () => {
    expect(await settledSocketHandles(baseline), `TCP/TLS handles leaked: ${process.getActiveResourcesInfo().join(', ')}`).toBe(baseline)
  })

  const startServer = fakeServer

  /** A server plus a raw client that has already seen session.created (and, with `session`, session.updated). */
  async function connect(options?: FakeRealtimeServerOptions, session?: Record<string, unknown>): Promise<{ server: FakeRealtimeServer; client: RawClient }> {
    const server = await startServer(options)
    const client = await rawClient(server.url)
    await client.next('session.created')
    if (session) {
      client.send({ type: 'session.update', session: { type: 'realtime', ...session } })
      await client.next('session.updated')
    }
    return { server, client }
  }

  return { startServer, connect }
}

/** Push-to-talk with input transcription on: the session the adapter configures (DESIGN §2). */
export const PUSH_TO_TALK = {
  audio: { input: { turn_detection: null, transcription: { model: 'gpt-4o-mini-transcribe' } } },
}
