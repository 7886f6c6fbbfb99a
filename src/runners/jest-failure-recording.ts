/**
 * The Jest side of failure recordings. `afterEach` cannot ask Jest whether the test failed, so the hook reads
 * jest-circus's state (the errors the test has collected so far, see jest-state.ts); when that state cannot be read it
 * falls back to "a voice matcher failed on this agent". On failure the paths are appended to the test's first error
 * (its message and stack: what Jest prints). When the error cannot be reached they are printed with console.warn.
 */
import type { VoiceAgentAdapter } from '../adapter/types.js'
import type { VoiceArtifactsOptions } from '../reports/config.js'
import { takeMatcherFailures } from '../reports/registry.js'
import { currentJestTestErrors } from './jest-state.js'
import { addRecordingToError, startRecording } from './failure-recording.js'

export interface JestRecording {
  fail(error: unknown): void
  /** Writes the recording when the mode asks for it. Never throws. */
  finish(): Promise<void>
  /** The files `finish` wrote, or null. */
  recorded(): { wav: string; timeline: string } | null
}

export function startJestRecording(
  agent: VoiceAgentAdapter,
  state: { currentTestName?: string; testPath?: string },
  artifacts: VoiceArtifactsOptions | undefined,
): JestRecording {
  const session = startRecording(agent, { testFile: state.testPath, testName: state.currentTestName ?? 'test', artifacts })
  let thrown: { error: unknown } | null = null
  let written: { wav: string; timeline: string } | null = null
  return {
    fail(error) {
      thrown ??= { error }
    },
    recorded: () => written,
    async finish() {
      const errors = currentJestTestErrors()
      const matcherFailures = takeMatcherFailures(agent)
      const failed = thrown !== null || (errors ? errors.length > 0 : matcherFailures.length > 0)
      const recording = await session.finish(failed)
      if (!recording) return
      if (!recording.error) written = { wav: recording.wav, timeline: recording.timeline }
      if (!failed) {
        if (recording.error) console.warn(`expect-voice: ${recording.note}`)
        return
      }
      const target = errors?.[0] ?? thrown?.error
      if (!addRecordingToError(target, recording)) console.warn(`expect-voice: ${recording.note}`)
    },
  }
}
