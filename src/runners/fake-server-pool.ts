import { createFakeRealtimeServer, type FakeRealtimeServer, type FakeRealtimeServerOptions } from '../fake-server/index.js'

/**
 * The fake servers of one test file, one per distinct `fakeServerOptions` object: tests that share options (the
 * file's override, a describe's) share a server, and a test with options of its own gets its own. All are closed
 * when the file ends.
 */
export class FakeServerPool {
  #servers = new Map<FakeRealtimeServerOptions, Promise<FakeRealtimeServer>>()

  /** The server configured by `options` (the same object gives the same server). */
  serverFor(options: FakeRealtimeServerOptions): Promise<FakeRealtimeServer> {
    let server = this.#servers.get(options)
    if (!server) {
      server = createFakeRealtimeServer(options)
      this.#servers.set(options, server)
      // A server that failed to start is not kept: the next test with these options tries again.
      server.catch(() => this.#servers.delete(options))
    }
    return server
  }

  /** Closes every server started so far. */
  async close(): Promise<void> {
    const servers = [...this.#servers.values()]
    this.#servers.clear()
    await Promise.all(
      servers.map((s) =>
        s.then(
          (server) => server.close(),
          () => undefined,
        ),
      ),
    )
  }
}
