/**
 * `expect-voice/vitest`: registers the voice matchers and the transcript serializer on Vitest's own `expect`, and
 * exports `test` with an `agent` fixture (and `fakeTest`, whose agent talks to a per-file fake server).
 */
import { expect, test as base, type TestContext } from 'vitest'
import type { OpenAIRealtimeAdapter } from './adapter/openai-realtime-adapter.js'
import type { FakeRealtimeServer, FakeRealtimeServerOptions } from './fake-server/index.js'
import type { VoiceAgentOptions } from './runners/connect-agent.js'
import type { VoiceAgentAdapter } from './adapter/types.js'
import { InvalidOptionError } from './errors/index.js'
import { observe } from './adapter/observe.js'
import { openVoiceSession, vitestOutcome, vitestSessionContext } from './runners/voice-session.js'
import { conversationReport } from './reports/conversation-report.js'
import { voiceMatchers, type VoiceAgentMatchers } from './matchers/index.js'
import { runAgentTest } from './runners/agent-test.js'
import { FakeServerPool } from './runners/fake-server-pool.js'
import { transcriptSerializer } from './conversation/transcript-serializer.js'
import type { VoiceArtifactsOptions } from './reports/config.js'
import { startVitestRecording, type VoiceRecordingMeta } from './runners/vitest-failure-recording.js'
import { defaultUserVoice, provideVoiceUser, type VoiceUserFixtureOptions } from './runners/voice-user-fixture.js'
import type { VoiceUser } from './user/voice-user.js'
import { vitestMeasurements } from './runners/run-report-collection.js'
import type { VoiceAttemptPayload } from './run-report/model.js'

expect.extend(voiceMatchers as unknown as Parameters<typeof expect.extend>[0])
expect.addSnapshotSerializer(transcriptSerializer as unknown as Parameters<typeof expect.addSnapshotSerializer>[0])

type AgentUse = (agent: OpenAIRealtimeAdapter) => Promise<void>
type VoiceAgentUse = (agent: VoiceAgentAdapter) => Promise<void>

/** `agent` is an `OpenAIRealtimeAdapter`; what `agentFactory` makes is the `voiceAgent` fixture. */
function plainOptions(options: VoiceAgentOptions): VoiceAgentOptions {
  if (options.agentFactory) {
    throw new InvalidOptionError(
      'voiceOptions.agentFactory is set: the adapter it makes is the `voiceAgent` fixture (`async ({ voiceAgent }) => ...`); `agent` is always an OpenAIRealtimeAdapter',
    )
  }
  return options
}

function factoryOptions(options: VoiceAgentOptions): VoiceAgentOptions {
  if (!options.agentFactory) {
    throw new InvalidOptionError(
      "the `voiceAgent` fixture needs voiceOptions.agentFactory, e.g. test.override({ voiceOptions: { agentFactory: ({ url }) => new RealtimeSessionAdapter(createMySession(), { url }) } }) (RealtimeSessionAdapter: 'expect-voice/agents')",
    )
  }
  return options
}

/**
 * What Vitest's own `test.extend` takes for fixtures `T`, read from the Vitest the user has installed, so that
 * `base.extend(fakeVoiceFixtures).extend({ ... })` infers every fixture (Vitest 4 and 5).
 */
type FixturesOf<T extends object> = Parameters<typeof base.extend<T>>[0]

/** Connects before the test, records the conversation on failure, and always disconnects after it. */
async function provideAgent<A extends VoiceAgentAdapter>(
  options: VoiceAgentOptions,
  fallbackUrl: string | undefined,
  onTestFailed: TestContext['onTestFailed'],
  use: (agent: A) => Promise<void>,
  recordingContext?: { task: TestContext['task']; artifacts?: VoiceArtifactsOptions },
): Promise<void> {
  // The test's mode (live, record, replay, fake; see runners/voice-session.ts) decides where the agent connects.
  const session = await openVoiceSession<A>(options, vitestSessionContext(recordingContext?.task, fallbackUrl))
  const agent = session.agent
  // Failure recordings (WAV + timeline): written when the test ends, see runners/vitest-failure-recording.ts.
  const recording = recordingContext ? startVitestRecording(agent, recordingContext.task, recordingContext.artifacts) : null
  onTestFailed(({ task }) => {
    // annotate() is refused once a test has failed; task.meta reaches reporters (testCase.meta()).
    // Adapters without records of their own (a third-party one) are reported from what the matchers observed.
    const records = 'turns' in agent && 'transcript' in agent ? (agent as unknown as Parameters<typeof conversationReport>[0]) : observe(agent)
    ;(task.meta as Record<string, unknown>).voiceConversation = conversationReport(records)
  })
  // The run report (expect-voice/reporter): this attempt's measurements onto task.meta.voiceMeasurements.
  const measurements = vitestMeasurements(agent, recordingContext?.task)
  await runAgentTest({ agent, session, recording, measurements, outcome: (thrown) => vitestOutcome(recordingContext?.task, thrown) }, () => use(agent))
}

/** Fixtures for your own `test.extend(voiceFixtures)`: `voiceOptions` and a connected `agent`. */
export const voiceFixtures: FixturesOf<VoiceTestFixtures> = {
  voiceOptions: {} as VoiceAgentOptions,
  voiceArtifacts: {} as VoiceArtifactsOptions,
  voiceUserOptions: {} as VoiceUserFixtureOptions,
  // Vitest reads the destructured names to resolve dependencies: no rest parameters here.
  agent: async (
    { voiceOptions, voiceArtifacts, onTestFailed, task }: { voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions } & TestContext,
    use: AgentUse,
  ): Promise<void> => provideAgent(plainOptions(voiceOptions), undefined, onTestFailed, use, { task, artifacts: voiceArtifacts }),
  voiceAgent: async (
    { voiceOptions, voiceArtifacts, onTestFailed, task }: { voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions } & TestContext,
    use: VoiceAgentUse,
  ): Promise<void> => provideAgent(factoryOptions(voiceOptions), undefined, onTestFailed, use, { task, artifacts: voiceArtifacts }),
  // Live API: a second (USER-role) session speaks; record/replay: that session goes through the recording proxy or
  // replay server too; your own `voiceOptions.url`: the synthetic voice on loopback. `voiceUserOptions.voice` wins.
  user: async (
    { agent, voiceOptions, voiceUserOptions }: { agent: OpenAIRealtimeAdapter; voiceOptions: VoiceAgentOptions; voiceUserOptions: VoiceUserFixtureOptions },
    use: (user: VoiceUser) => Promise<void>,
  ): Promise<void> => provideVoiceUser(agent, { voice: defaultUserVoice(agent, voiceOptions.url), ...voiceUserOptions }, use),
}

/**
 * Fixtures for your own `test.extend(fakeVoiceFixtures)`: a fake realtime server per file (configured by
 * `fakeServerOptions`) and an `agent` connected to it.
 */
export const fakeVoiceFixtures: FixturesOf<FakeVoiceTestFixtures['$test'] & FakeVoiceTestFixtures['$file']> = {
  // Test-scoped, so `override` works per file, describe or test; the servers themselves are shared per file.
  fakeServerOptions: {} as FakeRealtimeServerOptions,
  fakeServers: [
    // Vitest reads the destructured names to resolve dependencies: an empty pattern asks for none.
    async ({}: object, use: (pool: FakeServerPool) => Promise<void>) => {
      const pool = new FakeServerPool()
      try {
        await use(pool)
      } finally {
        await pool.close()
      }
    },
    { scope: 'file' as const },
  ] as const,
  fakeServer: async (
    { fakeServerOptions, fakeServers }: { fakeServerOptions: FakeRealtimeServerOptions; fakeServers: FakeServerPool },
    use: (s: FakeRealtimeServer) => Promise<void>,
  ) => use(await fakeServers.serverFor(fakeServerOptions)),
  voiceOptions: {} as VoiceAgentOptions,
  voiceArtifacts: {} as VoiceArtifactsOptions,
  voiceUserOptions: {} as VoiceUserFixtureOptions,
  agent: async (
    {
      voiceOptions,
      voiceArtifacts,
      fakeServer,
      onTestFailed,
      task,
    }: { voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions; fakeServer: FakeRealtimeServer } & TestContext,
    use: AgentUse,
  ): Promise<void> => provideAgent(plainOptions(voiceOptions), voiceOptions.url ?? fakeServer.url, onTestFailed, use, { task, artifacts: voiceArtifacts }),
  voiceAgent: async (
    {
      voiceOptions,
      voiceArtifacts,
      fakeServer,
      onTestFailed,
      task,
    }: { voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions; fakeServer: FakeRealtimeServer } & TestContext,
    use: VoiceAgentUse,
  ): Promise<void> => provideAgent(factoryOptions(voiceOptions), voiceOptions.url ?? fakeServer.url, onTestFailed, use, { task, artifacts: voiceArtifacts }),
  // The fake server hears the synthetic voice: no second (live) session unless voiceUserOptions.voice says so.
  user: async (
    { agent, voiceUserOptions }: { agent: OpenAIRealtimeAdapter; voiceUserOptions: VoiceUserFixtureOptions },
    use: (user: VoiceUser) => Promise<void>,
  ): Promise<void> => provideVoiceUser(agent, { voice: 'fake', ...voiceUserOptions }, use),
}

export interface VoiceTestFixtures {
  voiceOptions: VoiceAgentOptions
  agent: OpenAIRealtimeAdapter
  /** The adapter `voiceOptions.agentFactory` makes (your own agent), connected for the test's mode, always disconnected. */
  voiceAgent: VoiceAgentAdapter
  /** Failure recordings for this file/describe/test: `{ mode: 'off' | 'on-failure' | 'always', dir }`. */
  voiceArtifacts: VoiceArtifactsOptions
  /** Options of the `user` fixture (voice, pacing, ...). */
  voiceUserOptions: VoiceUserFixtureOptions
  /** A simulated caller that speaks into `agent`: `await user.say('...')`. */
  user: VoiceUser
}

export interface FakeVoiceTestFixtures {
  $test: VoiceTestFixtures & {
    /** Options of this test's fake server: override them per file, describe or test. */
    fakeServerOptions: FakeRealtimeServerOptions
    /** The fake server this test's agent talks to (one per distinct `fakeServerOptions` in a file). */
    fakeServer: FakeRealtimeServer
  }
  $file: { fakeServers: FakeServerPool }
}

/** `test` with a connected `agent` (live API via OPENAI_API_KEY, or `voiceOptions.url`). */
export const test = base.extend<VoiceTestFixtures>(voiceFixtures as never)

/** `test` whose `agent` talks to a fake realtime server started once per file: no key, no network. */
export const fakeTest = base.extend<FakeVoiceTestFixtures>(fakeVoiceFixtures as never)

export { expect }
export { transcriptSerializer } from './conversation/transcript-serializer.js'
export { configureVoiceMatchers } from './matchers/index.js'
export type { AgentFactory, AgentTarget, VoiceAgentOptions } from './runners/connect-agent.js'
export type { VoiceAgentMatchers }
export { configureVoiceArtifacts, type VoiceArtifactsMode, type VoiceArtifactsOptions } from './reports/config.js'
export { createVoiceUser, type SayOptions, type SayResult, type VoiceUser, type VoiceUserOptions, type VoiceUserVoice } from './user/voice-user.js'
export type { VoiceUserFixtureOptions } from './runners/voice-user-fixture.js'
export type { VoiceRecordingMeta }
export type { FakeServerPool }

/** The artifact the agent fixture records when it writes a conversation recording (`testCase.artifacts()`). */
export interface VoiceRecordingArtifact extends VoiceRecordingMeta {
  type: 'expect-voice:recording'
  attachments: Array<{ path: string; contentType: string }>
}

declare global {
  // Vitest 4 declares `Matchers<T>`, Vitest 5 `Matchers<R, T>`: an augmentation of either conflicts with the other
  // (TS2428 without skipLibCheck). Both build their `Assertion` from `Chai.Assertion`, which has no type parameters,
  // and copy its methods (promise-returning ones as they are): the voice matchers are declared there, once.
  namespace Chai {
    interface Assertion extends VoiceAgentMatchers<void> {}
  }
}

declare module 'vitest' {
  interface TestArtifactRegistry {
    'expect-voice:recording': VoiceRecordingArtifact
  }
  interface TaskMeta {
    /** Set by the agent fixture when it wrote a recording of the test's conversation. */
    voiceRecording?: VoiceRecordingMeta
    /** Set by the agent fixture when `expect-voice/reporter` runs: one entry per attempt (repeats, retries). */
    voiceMeasurements?: VoiceAttemptPayload[]
  }
}
