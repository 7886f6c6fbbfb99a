/**
 * Where matchers note measurements the records do not hold (the WER `toTranscribeAs` computed, a judge's verdict),
 * per agent, for the run report. Runner-neutral and kept on `globalThis` under `Symbol.for`, so that the ESM and
 * CJS builds loaded side by side share it. Bounded: an agent keeps at most `LIMITS.notesPerAttempt` notes.
 */
import { LIMITS, type VoiceNote } from './model.js'

const KEY = Symbol.for('expect-voice.measurements')
type WithSink = typeof globalThis & { [KEY]?: WeakMap<object, VoiceNote[]> }

function sink(): WeakMap<object, VoiceNote[]> {
  const g = globalThis as WithSink
  return (g[KEY] ??= new WeakMap())
}

/** Notes `note` about `agent`'s conversation (the newest notes beyond the bound are dropped). */
export function noteVoiceMeasurement(agent: unknown, note: VoiceNote): void {
  if (agent === null || typeof agent !== 'object') return
  const notes = sink().get(agent) ?? []
  if (notes.length >= LIMITS.notesPerAttempt) return
  notes.push(note)
  sink().set(agent, notes)
}

/** The notes about `agent` since the last call; clears them. */
export function takeVoiceNotes(agent: object): VoiceNote[] {
  const notes = sink().get(agent) ?? []
  sink().delete(agent)
  return notes
}
