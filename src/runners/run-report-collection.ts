/**
 * The per-test side of the run report: when a reporter asked for measurements (see run-report/channel.ts), the
 * fixture teardown measures the attempt from the agent's records and hands it to the runner's channel. Never fails
 * a test: a measurement that cannot be delivered is reported with one warning.
 */
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { observe } from '../adapter/observe.js'
import { redactorFor } from '../secrets/redact.js'
import { measureAttempt } from '../run-report/measure.js'
import { takeVoiceNotes } from '../run-report/sink.js'
import { appendChannelLine, META_KEY, REPORT_DIR_ENV, REPORT_ENV } from '../run-report/channel.js'
import type { VoiceAttemptPayload } from '../run-report/model.js'

/** What the teardown hands over: how the attempt went, and its failure recording when one was written. */
export type DeliverMeasurements = (outcome: { failed: boolean; recording: { wav: string; timeline: string } | null }) => void

function measure(
  agent: VoiceAgentAdapter,
  failed: boolean,
  recording: { wav: string; timeline: string } | null,
  attempt: { repeat?: number; retry?: number },
): VoiceAttemptPayload {
  return measureAttempt(observe(agent).turns, takeVoiceNotes(agent), {
    state: failed ? 'failed' : 'passed',
    repeat: attempt.repeat,
    retry: attempt.retry,
    recording,
    redact: redactorFor(agent),
  })
}

/** The parts of a Vitest task this reads and writes (structural: no Vitest import here). */
export interface VitestMeasuredTask {
  meta: object
  result?: { repeatCount?: number; retryCount?: number }
}

/** Vitest: onto `task.meta.voiceMeasurements`, when the reporter is on. */
export function vitestMeasurements(agent: VoiceAgentAdapter, task: VitestMeasuredTask | undefined): DeliverMeasurements | null {
  if (!process.env[REPORT_ENV] || !task) return null
  return ({ failed, recording }) => {
    const attempt = measure(agent, failed, recording, { repeat: task.result?.repeatCount, retry: task.result?.retryCount })
    const meta = task.meta as Record<string, unknown>
    const list = Array.isArray(meta[META_KEY]) ? (meta[META_KEY] as VoiceAttemptPayload[]) : []
    list.push(attempt)
    meta[META_KEY] = list
  }
}

/** Jest: one JSON line in the reporter's run directory, when the reporter is on. */
export function jestMeasurements(agent: VoiceAgentAdapter, state: { currentTestName?: string; testPath?: string }, retry: number): DeliverMeasurements | null {
  const dir = process.env[REPORT_DIR_ENV]
  if (!dir) return null
  return ({ failed, recording }) => {
    appendChannelLine(dir, {
      file: state.testPath ?? '',
      name: redactorFor(agent)(state.currentTestName ?? 'test'),
      attempt: measure(agent, failed, recording, { retry }),
    })
  }
}
