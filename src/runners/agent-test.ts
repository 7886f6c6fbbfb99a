/**
 * The one teardown contract of a fixture agent, shared by `expect-voice/vitest` and `expect-voice/jest`: when the
 * test ends, fail it if a matcher was left un-awaited, then disconnect (the simulated caller first, then the agent),
 * then write the failure recording, then finish the replay session (write the recording, or check the replay).
 * Every step runs whatever the one before it did.
 */
import { assertNoPendingMatchers } from '../matchers/pending.js'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import type { VoiceSession } from './voice-session.js'

export interface FailureRecordingHandle {
  fail(error: unknown): void
  finish(): Promise<void>
}

export interface AgentTest {
  readonly agent: VoiceAgentAdapter
  readonly session: VoiceSession
  readonly recording: FailureRecordingHandle | null
  /** Something else to disconnect before the agent (the simulated caller). */
  readonly before?: { disconnect(): Promise<void> } | null
  /** What the runner knows of the test's outcome, given what the teardown itself threw. */
  outcome(thrown: readonly unknown[]): { failed: boolean; errors: unknown[] }
}

/** Runs `body` (the test, for fixtures that wrap it) and then the teardown; rethrows what failed the test. */
export async function runAgentTest(test: AgentTest, body?: () => Promise<void>): Promise<void> {
  const thrown: unknown[] = []
  try {
    await body?.()
    assertNoPendingMatchers(test.agent)
  } catch (err) {
    thrown.push(err)
    test.recording?.fail(err)
    throw err
  } finally {
    await test.before?.disconnect()
    await test.agent.disconnect()
    await test.recording?.finish()
    // Writes the recording (record mode, test passed) or checks the replay; throws a replay mismatch.
    await test.session.finish(test.outcome(thrown))
  }
}
