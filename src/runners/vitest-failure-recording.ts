/**
 * The Vitest side of failure recordings (imported by `expect-voice/vitest` only). When the test ends, the agent
 * fixture's teardown (which Vitest runs after the test body and `afterEach`, when `task.result.state` already says
 * whether the test failed) writes the recording and:
 * - appends the paths to the test's first error, so they are printed with the failure;
 * - sets `task.meta.voiceRecording` ({ wav, timeline, durationMs }: JSON reporter, `testCase.meta()`);
 * - records an `expect-voice:recording` artifact with both files attached (`onTestCaseArtifactRecord`,
 *   `testCase.artifacts()`; Vitest copies attachments into its `attachmentsDir`).
 * `annotate()` cannot be used here: Vitest refuses it once a test has failed.
 */
import * as vitest from 'vitest'
import type { TestContext } from 'vitest'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import type { VoiceArtifactsOptions } from '../reports/config.js'
import { addRecordingToError, startRecording } from './failure-recording.js'

type Task = TestContext['task']

/** `task.meta.voiceRecording` */
export interface VoiceRecordingMeta {
  wav: string
  timeline: string
  durationMs: number
}

export interface VitestRecording {
  /** The test (or the fixture's own checks) failed with `error`. */
  fail(error: unknown): void
  /** Writes the recording when the mode asks for it. Never throws. */
  finish(): Promise<void>
  /** The files `finish` wrote, or null. */
  recorded(): { wav: string; timeline: string } | null
}

export function startVitestRecording(agent: VoiceAgentAdapter, task: Task, artifacts: VoiceArtifactsOptions | undefined): VitestRecording {
  // Repeats and retries run the fixture again on the same task: each attempt gets its own files, named after it.
  const repeat = task.result?.repeatCount ?? 0
  const retry = task.result?.retryCount ?? 0
  const session = startRecording(agent, {
    testFile: task.file?.filepath,
    testName: `${task.fullTestName ?? task.name}${repeat ? ` (repeat ${repeat})` : ''}${retry ? ` (retry ${retry})` : ''}`,
    artifacts,
  })
  let thrown: { error: unknown } | null = null
  let written: { wav: string; timeline: string } | null = null
  return {
    fail(error) {
      thrown ??= { error }
    },
    recorded: () => written,
    async finish() {
      const failed = task.result?.state === 'fail' || thrown !== null
      const recording = await session.finish(failed)
      if (!recording) return
      const firstError = task.result?.errors?.[0] ?? thrown?.error
      if (recording.error) {
        if (failed) addRecordingToError(firstError, recording)
        else console.warn(`expect-voice: ${recording.note}`)
        return
      }
      const meta: VoiceRecordingMeta = { wav: recording.wav, timeline: recording.timeline, durationMs: Math.round(recording.durationMs) }
      written = { wav: meta.wav, timeline: meta.timeline }
      ;(task.meta as Record<string, unknown>).voiceRecording = meta
      if (failed) addRecordingToError(firstError, recording)
      const record = (vitest as { recordArtifact?: (task: Task, artifact: unknown) => Promise<unknown> }).recordArtifact
      if (typeof record === 'function') {
        try {
          await record(task, {
            type: 'expect-voice:recording',
            ...meta,
            attachments: [
              { path: meta.wav, contentType: 'audio/wav' },
              { path: meta.timeline, contentType: 'image/svg+xml' },
            ],
          })
        } catch {
          // An older Vitest, or a runner without artifacts: the meta and the message still carry the paths.
        }
      }
    },
  }
}
