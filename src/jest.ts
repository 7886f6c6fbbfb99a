/**
 * `expect-voice/jest`: registers the voice matchers and the transcript serializer on Jest's `expect`, and exports
 * `useVoiceAgent()`, which connects an agent before each test and disconnects it after.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals'
import type { OpenAIRealtimeAdapter } from './adapter/openai-realtime-adapter.js'
import { ExpectVoiceError } from './errors.js'
import { createFakeRealtimeServer, type FakeRealtimeServer, type FakeRealtimeServerOptions } from './fake-server/index.js'
import { connectAgent, type VoiceAgentOptions } from './fixtures/connect-agent.js'
import { assertNoPendingMatchers, voiceMatchers, type VoiceAgentMatchers } from './matchers/index.js'
import { transcriptSerializer } from './snapshot/transcript-serializer.js'

expect.extend(voiceMatchers as unknown as Parameters<typeof expect.extend>[0])
expect.addSnapshotSerializer(transcriptSerializer as unknown as Parameters<typeof expect.addSnapshotSerializer>[0])

export interface UseVoiceAgentOptions extends VoiceAgentOptions {
  /** Run against a fake realtime server started once for the enclosing `describe` (or file): `true` or its options. */
  fake?: boolean | FakeRealtimeServerOptions
}

export interface VoiceAgentHandle {
  /** The agent connected for the current test. */
  readonly agent: OpenAIRealtimeAdapter
  /** The fake server, when `fake` was set. */
  readonly fakeServer: FakeRealtimeServer
}

/**
 * Registers hooks in the current scope: connect before each test, disconnect after it (pass or fail). Call it at
 * the top of a file or inside a `describe`.
 */
export function useVoiceAgent(options: UseVoiceAgentOptions = {}): VoiceAgentHandle {
  const { fake, ...agentOptions } = options
  let server: FakeRealtimeServer | null = null
  let agent: OpenAIRealtimeAdapter | null = null

  if (fake) {
    beforeAll(async () => {
      server = await createFakeRealtimeServer(fake === true ? {} : fake)
    })
    afterAll(async () => {
      await server?.close()
      server = null
    })
  }
  beforeEach(async () => {
    agent = await connectAgent(agentOptions, agentOptions.url ?? server?.url)
  })
  afterEach(async () => {
    const current = agent
    agent = null
    if (!current) return
    try {
      assertNoPendingMatchers(current)
    } finally {
      await current.disconnect()
    }
  })

  return {
    get agent() {
      if (!agent) throw new ExpectVoiceError('useVoiceAgent(): `agent` is only available inside a test (after beforeEach ran)')
      return agent
    },
    get fakeServer() {
      if (!server) throw new ExpectVoiceError('useVoiceAgent(): `fakeServer` exists only with { fake: true }, inside the describe that called it')
      return server
    },
  }
}

export { transcriptSerializer } from './snapshot/transcript-serializer.js'
export { configureVoiceMatchers } from './matchers/index.js'
export type { VoiceAgentOptions } from './fixtures/connect-agent.js'
export type { VoiceAgentMatchers }

declare module 'expect' {
  // `import { expect } from '@jest/globals'`
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void>, T = unknown> extends VoiceAgentMatchers<void> {}
}

declare global {
  // The global `expect` of @types/jest.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends VoiceAgentMatchers<void> {}
  }
}
