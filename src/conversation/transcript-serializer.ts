import { isTranscript, type Transcript, type TranscriptEntry } from './transcript.js'
import { chainRedactors, redactorOf, type Redactor } from '../secrets/redact.js'

const STATUS_MARK: Record<TranscriptEntry['status'], string> = {
  completed: '',
  interrupted: ' [interrupted]',
  incomplete: ' [incomplete]',
  failed: ' [failed]',
  in_progress: ' [in progress]',
  untranscribed: ' [not transcribed]',
}

export interface FormatTranscriptOptions {
  /**
   * Removes secrets from each line, in addition to the redactor the transcript carries under `REDACT` (an
   * adapter's transcript removes that adapter's key and credential headers) and the rules for key-shaped strings.
   */
  redact?: Redactor
}

/** One line per entry: `user: …` / `agent: …`, with status marks and no ids, timings, audio or secrets. */
export function formatTranscript(transcript: readonly TranscriptEntry[], options: FormatTranscriptOptions = {}): string {
  const redact = chainRedactors(options.redact, redactorOf(transcript))
  return transcript
    .map((e) => {
      const text = e.text === null ? '' : redact(e.text.replace(/\s+/g, ' ').trim())
      if (e.kind === 'tool_call') {
        const result = e.output !== undefined ? ` → ${redact(e.output)}` : ''
        return `${e.role}: [tool call] ${text}(${redact(e.arguments ?? '')})${result}${STATUS_MARK[e.status]}`
      }
      const via = e.role === 'user' && e.kind === 'text' ? ' (text)' : ''
      return `${e.role}${via}: ${text || '…'}${STATUS_MARK[e.status]}`.trimEnd()
    })
    .join('\n')
}

/**
 * A pretty-format plugin for `expect.addSnapshotSerializer`: makes `expect(agent.transcript).toMatchSnapshot()`
 * stable across runs. Registered by `expect-voice/vitest` and `expect-voice/jest`.
 */
export const transcriptSerializer = {
  test(value: unknown): boolean {
    return isTranscript(value)
  },
  serialize(value: Transcript, _config?: unknown, indentation = ''): string {
    const lines = formatTranscript(value).split('\n')
    return `VoiceTranscript [\n${lines.map((l) => `${indentation}  ${l}`).join('\n')}\n${indentation}]`
  },
}
