import type { TurnRecord } from '../conversation/records.js'
import type { Transcript } from '../conversation/transcript.js'
import { formatTranscript } from '../conversation/transcript-serializer.js'
import { responseSpeechTiming } from '../conversation/speech-timing.js'
import { chainRedactors, redactorOf } from '../secrets/redact.js'
import { audioNotKeptNote } from './layout.js'

interface Reportable {
  readonly transcript: Transcript
  readonly turns: readonly TurnRecord[]
}

/**
 * A plain-text account of the conversation (transcript, then per-turn timings) for failed-test reports. The agent's
 * own secrets (through `REDACT`) and anything key-shaped are removed.
 */
export function conversationReport(agent: Reportable): string {
  const transcript = agent.transcript
  // The agent's redactor and the one its transcript carries (usually the same), then the generic rules.
  const redact = chainRedactors(redactorOf(agent), redactorOf(transcript))
  const timings = agent.turns.map((turn) => {
    const r = turn.response
    const start = turn.endedAt
    if (!r || start === null) return `turn ${turn.index + 1}: no response`
    const rel = (t: number | null) => (t === null ? '—' : `${Math.round(t - start)} ms`)
    const speech = r.audio.length ? responseSpeechTiming(r) : null
    return (
      `turn ${turn.index + 1} (${turn.input}): response ${r.status}; created ${rel(r.createdAt)}, first audio ${rel(r.firstAudioAt)}, ` +
      (speech ? `first speech ${rel(speech.firstSpeechAt)}, ` : '') +
      `done ${rel(r.doneAt)}; ${Math.round(r.audioBytes / 48)} ms of agent audio` +
      (r.audioDroppedBytes ? ` (the oldest ${Math.round(r.audioDroppedBytes / 48)} ms not kept)` : '') +
      (r.interruptedAt !== null ? `; interrupted at ${rel(r.interruptedAt)}` : '') +
      toolTimings(turn, rel)
    )
  })
  const kept = audioNotKeptNote(agent.turns)
  return redact(
    `Conversation:\n${formatTranscript(transcript, { redact }) || '(empty)'}\n\nTimings (from the end of each user turn):\n${timings.join('\n') || '(no turns)'}` +
      (kept ? `\n\n${kept}.` : ''),
  )
}

/** `; tool calls: book_table (handler 12 → 140 ms)`: when a turn's calls ran, relative to the end of the turn. */
function toolTimings(turn: TurnRecord, rel: (t: number | null) => string): string {
  const calls = (turn.responses ?? []).flatMap((r) => r.toolCalls)
  if (!calls.length) return ''
  const one = (c: (typeof calls)[number]) =>
    `${c.name} (` +
    (c.startedAt !== null ? `handler ${rel(c.startedAt)} → ${rel(c.endedAt)}` : c.output !== null ? `answered at ${rel(c.endedAt)}` : 'unanswered') +
    (c.error !== null ? ', failed' : '') +
    ')'
  return `; tool calls: ${calls.map(one).join(', ')}`
}
