import type { ResponseRecord, TurnRecord } from './records.js'

/** Marks arrays produced by `adapter.transcript`, so the snapshot serializer recognises them across module copies. */
export const TRANSCRIPT_BRAND: unique symbol = Symbol.for('expect-voice.transcript') as never

export type TranscriptStatus = 'completed' | 'interrupted' | 'incomplete' | 'failed' | 'in_progress' | 'untranscribed'

export interface TranscriptEntry {
  role: 'user' | 'agent'
  kind: 'audio' | 'text' | 'tool_call'
  /** Spoken or typed text; for tool calls, the function name. */
  text: string | null
  status: TranscriptStatus
  /** Tool call arguments (raw JSON string). */
  arguments?: string
  /** Tool call result sent back to the model (the `function_call_output`, a JSON string), when it was answered. */
  output?: string
}

export type Transcript = TranscriptEntry[] & { readonly [TRANSCRIPT_BRAND]: true }

export function isTranscript(value: unknown): value is Transcript {
  return Array.isArray(value) && (value as Partial<Transcript>)[TRANSCRIPT_BRAND] === true
}

/** Derives the conversation (user and agent lines, in order) from the recorded turns. */
export function buildTranscript(turns: readonly TurnRecord[]): Transcript {
  const entries: TranscriptEntry[] = []
  for (const turn of turns) {
    if (turn.input === 'text') {
      entries.push({ role: 'user', kind: 'text', text: turn.text, status: 'completed' })
    } else if (turn.audioBytes > 0 || turn.itemId) {
      const status: TranscriptStatus = turn.transcriptionFailed ? 'failed' : turn.transcription === null ? 'untranscribed' : 'completed'
      entries.push({ role: 'user', kind: 'audio', text: turn.transcription, status })
    }
    for (const r of turn.responses) responseEntries(entries, r)
  }
  Object.defineProperty(entries, TRANSCRIPT_BRAND, { value: true, enumerable: false })
  return entries as Transcript
}

/** A response's tool calls (with their results), then what it said. */
function responseEntries(entries: TranscriptEntry[], r: ResponseRecord): void {
  for (const call of r.toolCalls) {
    const entry: TranscriptEntry = {
      role: 'agent',
      kind: 'tool_call',
      text: call.name,
      arguments: call.arguments,
      status: call.error !== null ? 'failed' : 'completed',
    }
    if (call.output !== null) entry.output = call.output
    entries.push(entry)
  }
  if (r.transcript || r.audioBytes > 0 || r.status === 'failed' || r.status === 'incomplete' || r.status === 'cancelled') {
    const status: TranscriptStatus = r.status === 'cancelled' || r.interruptedAt !== null ? 'interrupted' : r.status === 'requested' ? 'in_progress' : r.status
    entries.push({ role: 'agent', kind: r.audioBytes > 0 ? 'audio' : 'text', text: r.transcript || null, status })
  }
}
