/**
 * `expect-voice/vitest`: registers the voice matchers and the transcript serializer on Vitest's own `expect`, and
 * exports `test` with an `agent` fixture (and `fakeTest`, whose agent talks to a per-file fake server).
 */
import { expect, test as base, type TestContext } from 'vitest'
import type { OpenAIRealtimeAdapter } from './adapter/openai-realtime-adapter.js'
import { createFakeRealtimeServer, type FakeRealtimeServer, type FakeRealtimeServerOptions } from './fake-server/index.js'
import { connectAgent, type VoiceAgentOptions } from './fixtures/connect-agent.js'
import { conversationReport } from './fixtures/conversation-report.js'
import { assertNoPendingMatchers, voiceMatchers, type VoiceAgentMatchers } from './matchers/index.js'
import { transcriptSerializer } from './snapshot/transcript-serializer.js'

expect.extend(voiceMatchers as unknown as Parameters<typeof expect.extend>[0])
expect.addSnapshotSerializer(transcriptSerializer as unknown as Parameters<typeof expect.addSnapshotSerializer>[0])

type AgentUse = (agent: OpenAIRealtimeAdapter) => Promise<void>

/** Connects before the test, records the conversation on failure, and always disconnects after it. */
async function provideAgent(
  options: VoiceAgentOptions,
  fallbackUrl: string | undefined,
  onTestFailed: TestContext['onTestFailed'],
  use: AgentUse,
): Promise<void> {
  const agent = await connectAgent(options, fallbackUrl)
  onTestFailed(({ task }) => {
    // annotate() is refused once a test has failed; task.meta reaches reporters (testCase.meta()).
    ;(task.meta as Record<string, unknown>).voiceConversation = conversationReport(agent)
  })
  try {
    await use(agent)
    assertNoPendingMatchers(agent)
  } finally {
    await agent.disconnect()
  }
}

/** Fixtures for your own `test.extend(voiceFixtures)`: `voiceOptions` and a connected `agent`. */
export const voiceFixtures = {
  voiceOptions: {} as VoiceAgentOptions,
  // Vitest reads the destructured names to resolve dependencies: no rest parameters here.
  agent: async (
    { voiceOptions, onTestFailed }: { voiceOptions: VoiceAgentOptions } & TestContext,
    use: AgentUse,
  ): Promise<void> => provideAgent(voiceOptions, undefined, onTestFailed, use),
}

/**
 * Fixtures for your own `test.extend(fakeVoiceFixtures)`: a fake realtime server per file (configured by
 * `fakeServerOptions`) and an `agent` connected to it.
 */
export const fakeVoiceFixtures = {
  fakeServerOptions: [{} as FakeRealtimeServerOptions, { scope: 'file' }] as const,
  fakeServer: [
    async ({ fakeServerOptions }: { fakeServerOptions: FakeRealtimeServerOptions }, use: (s: FakeRealtimeServer) => Promise<void>) => {
      const server = await createFakeRealtimeServer(fakeServerOptions)
      try {
        await use(server)
      } finally {
        await server.close()
      }
    },
    { scope: 'file' },
  ] as const,
  voiceOptions: {} as VoiceAgentOptions,
  agent: async (
    { voiceOptions, fakeServer, onTestFailed }: { voiceOptions: VoiceAgentOptions; fakeServer: FakeRealtimeServer } & TestContext,
    use: AgentUse,
  ): Promise<void> => provideAgent(voiceOptions, voiceOptions.url ?? fakeServer.url, onTestFailed, use),
}

export interface VoiceTestFixtures {
  voiceOptions: VoiceAgentOptions
  agent: OpenAIRealtimeAdapter
}

export interface FakeVoiceTestFixtures {
  $test: VoiceTestFixtures
  $file: { fakeServerOptions: FakeRealtimeServerOptions; fakeServer: FakeRealtimeServer }
}

/** `test` with a connected `agent` (live API via OPENAI_API_KEY, or `voiceOptions.url`). */
export const test = base.extend<VoiceTestFixtures>(voiceFixtures as never)

/** `test` whose `agent` talks to a fake realtime server started once per file: no key, no network. */
export const fakeTest = base.extend<FakeVoiceTestFixtures>(fakeVoiceFixtures as never)

export { expect }
export { transcriptSerializer } from './snapshot/transcript-serializer.js'
export { configureVoiceMatchers } from './matchers/index.js'
export type { VoiceAgentOptions } from './fixtures/connect-agent.js'
export type { VoiceAgentMatchers }

declare module 'vitest' {
  // Vitest 4 declares `Matchers<T>`, Vitest 5 `Matchers<R, T>`; the voice matchers use neither parameter (they all
  // return Promise<void>), so this one declaration serves both (Vitest 5 users need skipLibCheck, the default).
  // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends VoiceAgentMatchers<void> {}
}
