/**
 * One attempt's measurements, read from the conversation records when the test ends (runners/, the fixture
 * teardown). Pure: records in, numbers out. Instants in the records are `performance.now()` values; every measure is
 * a difference of two of them, in ms.
 */
import type { TurnRecord } from '../conversation/records.js'
import { responseSpeechTiming } from '../conversation/speech-timing.js'
import { LIMITS, type TurnMeasurements, type VoiceAttemptPayload, type VoiceNote } from './model.js'

export interface MeasureAttemptOptions {
  state: 'passed' | 'failed'
  repeat?: number
  retry?: number
  recording?: { wav: string; timeline: string } | null
  /** Removes credentials from the notes' texts (the agent's redactor). */
  redact?: (text: string) => string
}

/** The measurements of every user turn that got a response, and the notes the matchers made. */
export function measureAttempt(turns: readonly TurnRecord[], notes: readonly VoiceNote[], options: MeasureAttemptOptions): VoiceAttemptPayload {
  const answered = turns.filter((t) => t.responses.length > 0)
  const kept = answered.slice(0, LIMITS.turnsPerAttempt).map(measureTurn)
  // The WER `toTranscribeAs` computed belongs to its turn (the latest check of a turn wins); other notes stay notes.
  const byTurn = new Map(kept.map((t) => [t.turn, t]))
  const others: VoiceNote[] = []
  for (const note of notes) {
    const turn = note.turn === null ? undefined : byTurn.get(note.turn)
    if (note.kind === 'wer' && turn && typeof note.value === 'number' && Number.isFinite(note.value)) turn.wer = note.value
    else others.push(cleanNote(note, options.redact))
  }
  const attempt: VoiceAttemptPayload = {
    repeat: options.repeat ?? 0,
    retry: options.retry ?? 0,
    state: options.state,
    turns: kept,
    notes: others.slice(0, LIMITS.notesPerAttempt),
  }
  if (answered.length > kept.length) attempt.droppedTurns = answered.length - kept.length
  if (options.recording) attempt.recording = { wav: options.recording.wav, timeline: options.recording.timeline }
  return attempt
}

function measureTurn(turn: TurnRecord): TurnMeasurements {
  const start = turn.endedAt ?? turn.responses[0]!.requestedAt
  let firstAudio: number | null = null
  let firstSpeech: number | null = null
  let interruptStop: number | null = null
  for (const r of turn.responses) {
    if (r.firstAudioAt !== null && (firstAudio === null || r.firstAudioAt < firstAudio)) firstAudio = r.firstAudioAt
    // Speech detection only runs on responses that had audio (and kept it: keepAudio 'none' leaves nothing to analyse).
    if (firstSpeech === null && r.firstAudioAt !== null) firstSpeech = responseSpeechTiming(r).firstSpeechAt
    if (interruptStop === null && r.interruptedAt !== null && r.doneAt !== null) interruptStop = Math.max(0, r.doneAt - r.interruptedAt)
  }
  return {
    turn: turn.index + 1,
    input: turn.input,
    firstAudioMs: firstAudio === null ? null : round(firstAudio - start),
    firstSpeechMs: firstSpeech === null ? null : round(firstSpeech - start),
    interruptStopMs: interruptStop === null ? null : round(interruptStop),
    wer: null,
  }
}

/** A tenth of a millisecond: finer than any timer the records come from, and short in JSON. */
const round = (ms: number) => Math.round(ms * 10) / 10

function cleanNote(note: VoiceNote, redact: ((text: string) => string) | undefined): VoiceNote {
  const text = (value: unknown) => {
    if (typeof value !== 'string') return undefined
    const clean = redact ? redact(value) : value
    return clean.length > LIMITS.textChars ? `${clean.slice(0, LIMITS.textChars - 1)}…` : clean
  }
  const out: VoiceNote = { kind: String(note.kind).slice(0, 64), turn: typeof note.turn === 'number' ? note.turn : null }
  if (typeof note.value === 'number' && Number.isFinite(note.value)) out.value = note.value
  if (typeof note.pass === 'boolean') out.pass = note.pass
  for (const key of ['criteria', 'reason', 'model'] as const) {
    const value = text(note[key])
    if (value !== undefined) out[key] = value
  }
  return out
}
