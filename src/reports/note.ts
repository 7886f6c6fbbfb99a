import { isAbsolute, relative } from 'node:path'

/** A path relative to the working directory when it is inside it, else absolute. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

/** The lines a failure message gets about the recording of its test. */
export function recordingNote(recording: { wav: string; timeline: string }, planned = false): string {
  return (
    `Voice recording of this test${planned ? ' (written when the test ends)' : ''}:\n` +
    `  audio:    ${displayPath(recording.wav)} (user: left channel, agent: right channel)\n` +
    `  timeline: ${displayPath(recording.timeline)}`
  )
}
