/**
 * Per-file lifecycle for fake-server tests: every server and raw client made through `startServer` / `connect`
 * is closed after each test, and the file fails if TCP/TLS handles leaked.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { createFakeRealtimeServer, type FakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { closeAllRawClients, rawClient, settledSocketHandles, socketHandles, type RawClient } from './raw-client.js'

export function useFakeServers() {
  const servers: FakeRealtimeServer[] = []
  let baseline = 0
  beforeAll(() => {
    baseline = socketHandles()
  })
  afterEach(async () => {
    await closeAllRawClients()
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  afterAll(async () => {
    expect(await settledSocketHandles(baseline), `TCP/TLS handles leaked: ${process.getActiveResourcesInfo().join(', ')}`).toBe(baseline)
  })

  async function startServer(options?: FakeRealtimeServerOptions): Promise<FakeRealtimeServer> {
    const server = await createFakeRealtimeServer(options)
    servers.push(server)
    return server
  }

  /** A server plus a raw client that has already seen session.created (and, with `session`, session.updated). */
  async function connect(
    options?: FakeRealtimeServerOptions,
    session?: Record<string, unknown>,
  ): Promise<{ server: FakeRealtimeServer; client: RawClient }> {
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
