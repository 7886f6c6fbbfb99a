import { resolveArtifactsOptions, type VoiceArtifactsOptions } from '../reports/config.js'
import { artifactPaths } from '../reports/names.js'
import { displayPath, recordingNote } from '../reports/note.js'
import { writeConversationRecording, type ConversationRecording } from '../reports/conversation-recording.js'
import { setRecordingPlan, takeMatcherFailures, type RecordingPlan } from '../reports/registry.js'
import type { VoiceAgentAdapter } from '../adapter/types.js'

/** The recording side of a fixture: planned when the agent connects, written (or not) when the test ends. */
export interface RecordingSession {
  /** null when recordings are off. */
  readonly plan: RecordingPlan | null
  /**
   * Ends the session: writes the recording when the mode asks for it (`always`, or `on-failure` and `failed`).
   * Never throws: a recording that cannot be written comes back as `{ error }`.
   */
  finish(failed: boolean): Promise<FinishedRecording | null>
}

export type FinishedRecording = (ConversationRecording & { note: string; error?: undefined }) | { error: Error; note: string }

export interface StartRecordingOptions {
  testFile?: string
  /** The test's full name (describe blocks included). */
  testName: string
  artifacts?: VoiceArtifactsOptions
}

/** Plans the recording of `agent`'s conversation for one test and registers it (the matchers mention it). */
export function startRecording(agent: VoiceAgentAdapter, options: StartRecordingOptions): RecordingSession {
  const config = resolveArtifactsOptions(options.artifacts)
  takeMatcherFailures(agent)
  const plan: RecordingPlan | null =
    config.mode === 'off' ? null : { mode: config.mode, ...pick(artifactPaths({ dir: config.dir, testFile: options.testFile, testName: options.testName })) }
  setRecordingPlan(agent, plan)
  let finished = false
  return {
    plan,
    async finish(failed) {
      if (finished) return null
      finished = true
      setRecordingPlan(agent, null)
      if (!plan || (plan.mode === 'on-failure' && !failed)) return null
      try {
        const written = await writeConversationRecording(agent, plan, {
          title: options.testName,
          subtitle: [failed ? 'failed' : 'passed', options.testFile ? displayPath(options.testFile) : ''].filter(Boolean).join(' · '),
        })
        return { ...written, note: recordingNote(written) }
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err))
        return { error, note: `The voice recording of this test could not be written: ${error.message}` }
      }
    },
  }
}

function pick(paths: { wav: string; timeline: string }): { wav: string; timeline: string } {
  return { wav: paths.wav, timeline: paths.timeline }
}

/**
 * Appends `note` to an error's message (and to the message part of its stack, which is what Jest and Vitest's JSON
 * reporter print), once. Works on Error objects and on the serialised errors Vitest keeps in `task.result.errors`.
 */
export function appendNoteToError(error: unknown, note: string): boolean {
  if (error === null || typeof error !== 'object') return false
  const e = error as { message?: unknown; stack?: unknown }
  if (typeof e.message !== 'string') return false
  if (e.message.includes(note)) return true
  const before = e.message
  const after = `${before}\n\n${note}`
  try {
    // Read the stack first: V8 formats it lazily, from the message at the time of the first read.
    const stack = e.stack
    e.message = after
    if (typeof stack === 'string' && !stack.includes(after)) {
      if (before && stack.includes(before)) e.stack = stack.replace(before, () => after)
      else if (!before) e.stack = stack.replace(/^[^\n]*/, (first) => `${first}${after}`)
    }
    return true
  } catch {
    return false // a frozen or getter-only error
  }
}

/** Adds a finished recording's note to the test's error, unless a matcher's message already names its files. */
export function addRecordingToError(error: unknown, recording: FinishedRecording): boolean {
  if (!recording.error) {
    const message = (error as { message?: unknown } | null)?.message
    if (typeof message === 'string' && message.includes(displayPath(recording.wav))) return true
  }
  return appendNoteToError(error, recording.note)
}
