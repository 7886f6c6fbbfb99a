/**
 * The one teardown contract of a fixture agent, shared by `expect-voice/vitest` and `expect-voice/jest`: when the
 * test ends, fail it if a matcher was left un-awaited, then disconnect (the simulated caller first, then the agent),
 * then write the failure recording, then hand the attempt's measurements to the run report (when a reporter asked
 * for them), then finish the replay session (write the recording, or check the replay). Every step runs whatever the
 * one before it did.
 */
import { assertNoPendingMatchers } from '../matchers/pending.js'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import type { VoiceSession } from './voice-session.js'
import type { DeliverMeasurements } from './run-report-collection.js'

export interface FailureRecordingHandle {
  fail(error: unknown): void
  finish(): Promise<void>
  /** The files `finish` wrote, or null. */
  recorded?(): { wav: string; timeline: string } | null
}

export interface AgentTest {
  readonly agent: VoiceAgentAdapter
  readonly session: VoiceSession
  readonly recording: FailureRecordingHandle | null
  /** Something else to disconnect before the agent (the simulated caller). */
  readonly before?: { disconnect(): Promise<void> } | null
  /** The run report's channel (null: no reporter asked for measurements). */
  readonly measurements?: DeliverMeasurements | null
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
    deliverMeasurements(test, thrown)
    // Writes the recording (record mode, test passed) or checks the replay; throws a replay mismatch.
    await test.session.finish(test.outcome(thrown))
  }
}

/** Measurements never fail a test: what cannot be delivered is reported with a warning. */
function deliverMeasurements(test: AgentTest, thrown: readonly unknown[]): void {
  if (!test.measurements) return
  try {
    test.measurements({ failed: test.outcome(thrown).failed, recording: test.recording?.recorded?.() ?? null })
  } catch (err) {
    console.warn(`expect-voice: the measurements of this test could not be handed to the voice report: ${(err as Error)?.message ?? String(err)}`)
  }
}
