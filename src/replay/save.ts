import { existsSync } from 'node:fs'
import { readSessionRecording, writeSessionRecording, type SessionRecording, type WriteRecordingResult } from './cassette.js'
import { sameConversation } from './normalize.js'

/**
 * Writes a recording, unless the one on disk records the same conversation (same events, payloads and audio,
 * timings within noise): then the files are left byte for byte as they were, so re-recording an unchanged test
 * leaves no diff.
 */
export async function saveSessionRecording(paths: { json: string; wav: string }, recording: SessionRecording): Promise<WriteRecordingResult> {
  if (existsSync(paths.json)) {
    try {
      const previous = await readSessionRecording(paths.json)
      if (sameConversation(previous, recording)) return { written: false, json: paths.json, wav: recording.audio.length > 0 ? paths.wav : null }
    } catch {
      // Unreadable (conflict markers, a missing WAV): overwrite it.
    }
  }
  return writeSessionRecording(paths, recording)
}
