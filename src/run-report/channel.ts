/**
 * How a test worker hands its measurements to the reporter.
 *
 * - Vitest: on the test's `task.meta.voiceMeasurements` (an array, one entry per attempt: repeats and retries run
 *   the fixture again on the same task). Vitest serialises `task.meta` to the main process, where the reporter reads
 *   `testCase.meta()`. The reporter sets `EXPECT_VOICE_REPORT=1` before the workers start; without it nothing is
 *   measured (no cost for runs without the reporter).
 * - Jest gives reporters no per-test metadata, so the reporter makes a run directory and names it in
 *   `EXPECT_VOICE_REPORT_DIR` (inherited by the workers); each worker process appends one JSON line per attempt to
 *   its own file there. The reporter reads them all at the end of the run and removes the directory.
 * What goes through either channel: test file and name, numbers, verdict texts cut to 500 characters and redacted,
 * recording paths. Bounded by `LIMITS`.
 */
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import type { VoiceAttemptPayload } from './model.js'

/** Set (to `1`) by the Vitest reporter: the fixtures measure every attempt onto `task.meta.voiceMeasurements`. */
export const REPORT_ENV = 'EXPECT_VOICE_REPORT'
/** Set by the Jest reporter to the run directory the workers append to. */
export const REPORT_DIR_ENV = 'EXPECT_VOICE_REPORT_DIR'
/** The `task.meta` key of the Vitest channel. */
export const META_KEY = 'voiceMeasurements'

export interface ChannelLine {
  file: string
  name: string
  attempt: VoiceAttemptPayload
}

/** Largest line or file the reporter reads (a report is bounded far below this). */
const MAX_FILE_BYTES = 64 * 1024 * 1024

/** Appends one attempt to this worker's file of the Jest run directory. */
export function appendChannelLine(dir: string, line: ChannelLine): void {
  appendFileSync(join(dir, `${process.pid}-${threadId}.jsonl`), `${JSON.stringify(line)}\n`)
}

/** Every attempt the workers wrote into `dir`, in file order; unreadable lines are skipped and counted. */
export function readChannelLines(dir: string): { lines: ChannelLine[]; skipped: number } {
  const lines: ChannelLine[] = []
  let skipped = 0
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'))
  } catch {
    return { lines, skipped }
  }
  for (const f of files.sort()) {
    const path = join(dir, f)
    if (statSync(path).size > MAX_FILE_BYTES) {
      skipped++
      continue
    }
    for (const text of readFileSync(path, 'utf8').split('\n')) {
      if (!text) continue
      try {
        const line = JSON.parse(text) as ChannelLine
        if (typeof line.file === 'string' && typeof line.name === 'string' && line.attempt && Array.isArray(line.attempt.turns)) lines.push(line)
        else skipped++
      } catch {
        skipped++
      }
    }
  }
  return { lines, skipped }
}
