/**
 * `expect-voice/jest`: registers the voice matchers and the transcript serializer on Jest's `expect`, and exports
 * `useVoiceAgent()`, which connects an agent before each test and disconnects it after.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals'
import type { OpenAIRealtimeAdapter } from './adapter/openai-realtime-adapter.js'
import { ExpectVoiceError } from './errors/index.js'
import { createFakeRealtimeServer, type FakeRealtimeServer, type FakeRealtimeServerOptions } from './fake-server/index.js'
import type { AgentFactory, VoiceAgentOptions } from './runners/connect-agent.js'
import type { VoiceAgentAdapter } from './adapter/types.js'
import { jestOutcome, jestSessionContext, openVoiceSession, type VoiceSession } from './runners/voice-session.js'
import { voiceMatchers, type VoiceAgentMatchers } from './matchers/index.js'
import { runAgentTest } from './runners/agent-test.js'
import { transcriptSerializer } from './conversation/transcript-serializer.js'
import type { VoiceArtifactsOptions } from './reports/config.js'
import { startJestRecording, type JestRecording } from './runners/jest-failure-recording.js'
import type { VoiceUserFixtureOptions } from './runners/voice-user-fixture.js'
import { createVoiceUser, type VoiceUser } from './user/voice-user.js'
import { defaultUserVoice } from './runners/voice-user-fixture.js'
import { jestMeasurements } from './runners/run-report-collection.js'

expect.extend(voiceMatchers as unknown as Parameters<typeof expect.extend>[0])
expect.addSnapshotSerializer(transcriptSerializer as unknown as Parameters<typeof expect.addSnapshotSerializer>[0])

export interface UseVoiceAgentOptions<A extends VoiceAgentAdapter = OpenAIRealtimeAdapter> extends Omit<VoiceAgentOptions, 'agentFactory'> {
  /**
   * Connect this adapter instead of `OpenAIRealtimeAdapter` (e.g. `({ url }) => new RealtimeSessionAdapter(createMySession(),
   * { url })` from `expect-voice/agents`), made before each test for the mode it runs in; `handle.agent` is what it returns.
   */
  agentFactory?: AgentFactory<A>
  /** Run against a fake realtime server started once for the enclosing `describe` (or file): `true` or its options. */
  fake?: boolean | FakeRealtimeServerOptions
  /** Failure recordings (WAV + timeline): `{ mode: 'off' | 'on-failure' | 'always', dir }`. Default on-failure. */
  artifacts?: VoiceArtifactsOptions
  /** Options of the `user` simulator (voice, pacing, ...). With `fake`, the voice defaults to 'fake'. */
  voiceUser?: VoiceUserFixtureOptions
}

export interface VoiceAgentHandle<A extends VoiceAgentAdapter = OpenAIRealtimeAdapter> {
  /** The agent connected for the current test. */
  readonly agent: A
  /** The fake server, when `fake` was set. */
  readonly fakeServer: FakeRealtimeServer
  /** A simulated caller that speaks into `agent` (`await voice.user.say('...')`); created on first use in a test. */
  readonly user: VoiceUser
}

/**
 * Registers hooks in the current scope: connect before each test, disconnect after it (pass or fail). Call it at
 * the top of a file or inside a `describe`.
 */
export function useVoiceAgent<A extends VoiceAgentAdapter = OpenAIRealtimeAdapter>(options: UseVoiceAgentOptions<A> = {}): VoiceAgentHandle<A> {
  const { fake, artifacts, voiceUser, ...agentOptions } = options
  let server: FakeRealtimeServer | null = null
  let agent: A | null = null
  let user: VoiceUser | null = null
  let recording: JestRecording | null = null
  let session: VoiceSession<A> | null = null
  const attempts = retryCounter()

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
    // The test's mode (live, record, replay, fake; see runners/voice-session.ts) decides where the agent connects.
    session = await openVoiceSession<A>(
      agentOptions as VoiceAgentOptions,
      jestSessionContext(expect.getState(), server ? (agentOptions.url ?? server.url) : undefined),
    )
    agent = session.agent
    recording = startJestRecording(agent, expect.getState(), artifacts)
  })
  afterEach(async () => {
    const current = agent
    const currentUser = user
    const currentRecording = recording
    const currentSession = session
    session = null
    agent = null
    user = null
    recording = null
    if (!current || !currentSession) return
    // The run report (expect-voice/jest-reporter): this attempt's measurements as a line in the reporter's run directory.
    const measurements = jestMeasurements(current, expect.getState(), attempts.next(expect.getState()))
    await runAgentTest({ agent: current, session: currentSession, recording: currentRecording, before: currentUser, measurements, outcome: jestOutcome })
  })

  return {
    get agent() {
      if (!agent) throw new ExpectVoiceError('useVoiceAgent(): `agent` is only available inside a test (after beforeEach ran)')
      return agent
    },
    get user() {
      if (!agent) throw new ExpectVoiceError('useVoiceAgent(): `user` is only available inside a test (after beforeEach ran)')
      // See defaultUserVoice: synthetic with the fake server, recorded/replayed with the session, live otherwise.
      const voice = defaultUserVoice(agent, agentOptions.url)
      user ??= createVoiceUser({ voice, ...voiceUser, agent })
      return user
    },
    get fakeServer() {
      if (!server) throw new ExpectVoiceError('useVoiceAgent(): `fakeServer` exists only with { fake: true }, inside the describe that called it')
      return server
    },
  }
}

/** Jest retries (`jest.retryTimes`) run the same test again: counts the attempts of each test name in this file. */
function retryCounter(): { next(state: { currentTestName?: string }): number } {
  const seen = new Map<string, number>()
  return {
    next(state) {
      const name = state.currentTestName ?? ''
      const n = seen.get(name) ?? 0
      seen.set(name, n + 1)
      return n
    },
  }
}

export { transcriptSerializer } from './conversation/transcript-serializer.js'
export { configureVoiceMatchers } from './matchers/index.js'
export type { AgentFactory, AgentTarget, VoiceAgentOptions } from './runners/connect-agent.js'
export type { VoiceAgentMatchers }
export { configureVoiceArtifacts, type VoiceArtifactsMode, type VoiceArtifactsOptions } from './reports/config.js'
export { createVoiceUser, type SayOptions, type SayResult, type VoiceUser, type VoiceUserOptions, type VoiceUserVoice } from './user/voice-user.js'
export type { VoiceUserFixtureOptions } from './runners/voice-user-fixture.js'

declare module 'expect' {
  // `import { expect } from '@jest/globals'`
  interface Matchers<R extends void | Promise<void>, T = unknown> extends VoiceAgentMatchers<void> {}
}

declare global {
  // The global `expect` of @types/jest.
  namespace jest {
    // biome-ignore lint/complexity/noBannedTypes: must repeat @types/jest's own declaration, `T = {}` included
    interface Matchers<R, T = {}> extends VoiceAgentMatchers<void> {}
  }
}
