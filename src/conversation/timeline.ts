/** One received (or sent) event, timestamped at the socket. Audio is summarised by byte count, never kept as base64. */
export interface TimelineEntry {
  direction: 'in' | 'out'
  type: string
  /** `performance.now()` at socket receipt (in) or at send (out). */
  at: number
  responseId?: string
  itemId?: string
  bytes?: number
  code?: string | null
  /**
   * Consecutive `input_audio_buffer.append` events are kept as one entry (user audio is often sent in 20 ms chunks):
   * `count` appends, `bytes` in total, `at` of the first. The `response.output_audio.delta` and the
   * `response.output_audio_transcript.delta` events of one response item, which arrive interleaved, are kept as one
   * entry of each (`count` deltas, the audio's `bytes`, `at` of the first), until another event comes between them.
   */
  count?: number
}

const APPEND = 'input_audio_buffer.append'

/** A bounded, append-only event log: long sessions keep the newest `limit` entries. */
export class Timeline {
  #entries: TimelineEntry[] = []
  #dropped = 0
  constructor(readonly limit: number) {}

  push(entry: TimelineEntry): void {
    const last = this.#entries[this.#entries.length - 1]
    if (entry.type === APPEND && last && last.type === APPEND && last.direction === 'out' && entry.direction === 'out') {
      last.bytes = (last.bytes ?? 0) + (entry.bytes ?? 0)
      last.count = (last.count ?? 1) + 1
      return
    }
    this.#entries.push(entry)
    if (this.#entries.length > this.limit) {
      // Drop in blocks so the amortised cost stays O(1) per push.
      const excess = Math.max(1, Math.floor(this.limit / 10))
      this.#entries.splice(0, excess)
      this.#dropped += excess
    }
  }

  get entries(): readonly TimelineEntry[] {
    return this.#entries
  }

  get dropped(): number {
    return this.#dropped
  }

  /**
   * Incoming event types since `since`, compressed as `type ×n` in arrival order (for timeout messages). Bounded:
   * at most `SUMMARY_GROUPS` groups and `SUMMARY_CHARS` characters, then one `… n more events` item.
   */
  summarizeSince(since: number): string[] {
    const out: Array<{ type: string; count: number }> = []
    let omitted = 0
    let chars = 0
    for (const e of this.#entries) {
      if (e.direction !== 'in' || e.at < since) continue
      const n = e.count ?? 1
      const last = out[out.length - 1]
      if (last && last.type === e.type && omitted === 0) last.count += n
      else if (omitted > 0 || out.length >= SUMMARY_GROUPS || chars + e.type.length > SUMMARY_CHARS) omitted += n
      else {
        out.push({ type: e.type, count: n })
        chars += e.type.length + 2
      }
    }
    const summary = out.map((x) => (x.count > 1 ? `${x.type} ×${x.count}` : x.type))
    if (omitted > 0) summary.push(`… ${omitted} more event${omitted === 1 ? '' : 's'}`)
    return summary
  }
}

/** Longest event type or id kept on the timeline; servers choose them, and a 1 MB type must not be kept 1000 times. */
export const MAX_TIMELINE_STRING = 200
const SUMMARY_GROUPS = 60
const SUMMARY_CHARS = 4000

/** `text` cut to `max` characters, saying how long it was. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`
}
