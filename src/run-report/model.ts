/**
 * The run report's data: what every voice test measured, per attempt (a repeat or retry of the test) and per user
 * turn, for one or several runs. It is what `voice-report.json` holds; every summary (table, HTML page, budgets) is
 * computed from it, so reports of several runs merge without losing anything.
 */

/** `schema` of a voice report file. */
export const VOICE_REPORT_SCHEMA = 'expect-voice/voice-report@1'

/** Measurements of one user turn, in ms from the end of the user turn (the commit / `response.create`). */
export interface TurnMeasurements {
  /** 1-based, as in failure messages. */
  turn: number
  input: 'audio' | 'text'
  /** First audio delta of the turn (any of its responses). `null`: no audio. */
  firstAudioMs: number | null
  /** First speech a client playing the audio as it arrives would hear (energy speech detection). `null`: none. */
  firstSpeechMs: number | null
  /** How long the response took to end after `interrupt()` (the stop time); `null`: not interrupted, or never ended. */
  interruptStopMs: number | null
  /** Word error rate of what the model heard against what `toTranscribeAs` expected; `null`: not checked. */
  wer: number | null
}

/**
 * Something a matcher noted about a test, beyond the records: an open `kind`. A numeric `value` becomes a metric of
 * that name in the report; a boolean `pass` counts as a verdict of that kind (a judge: `{ kind: 'judge', criteria,
 * pass, reason, model }`).
 */
export interface VoiceNote {
  kind: string
  /** 1-based user turn the note is about, or `null` for the whole conversation. */
  turn: number | null
  value?: number
  pass?: boolean
  criteria?: string
  reason?: string
  model?: string
}

/** One attempt of a test: one run of its body (a repeat, or a retry after a failure). */
export interface VoiceTestAttempt {
  /** Id of the run it belongs to (`runs[].id`). */
  run: string
  /** Vitest `repeats`: 0 for the first run of the test. */
  repeat: number
  /** Retries after a failure: 0 for the first try. */
  retry: number
  state: 'passed' | 'failed'
  turns: TurnMeasurements[]
  notes: VoiceNote[]
  /** Turns measured but not kept (an attempt keeps at most 1000). */
  droppedTurns?: number
  /** The failure recording of this attempt, when one was written (absolute paths). */
  recording?: { wav: string; timeline: string }
}

/** What a test worker hands the reporter for one attempt (the reporter adds the run id). */
export type VoiceAttemptPayload = Omit<VoiceTestAttempt, 'run'>

export interface VoiceReportTest {
  /** `file > name`: how attempts of the same test are found across runs. */
  id: string
  /** Test file, relative to the project root. */
  file: string
  /** Full test name (describe blocks included). */
  name: string
  attempts: VoiceTestAttempt[]
}

export interface VoiceReportRun {
  id: string
  runner: string
  /** ISO time the run started. */
  startedAt: string
  durationMs: number
}

export interface VoiceReport {
  schema: typeof VOICE_REPORT_SCHEMA
  /** ISO time the report was made (or merged). */
  createdAt: string
  runs: VoiceReportRun[]
  tests: VoiceReportTest[]
}

/** Attempts kept per test per run, and turns and notes per attempt: a report stays bounded in size. */
export const LIMITS = { attemptsPerTestRun: 200, turnsPerAttempt: 1000, notesPerAttempt: 200, textChars: 500 } as const
