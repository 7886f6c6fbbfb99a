import type { ResponseRecord, ToolCallRecord, TurnRecord } from '../conversation/records.js'
import { InvalidOptionError } from '../errors/index.js'
import { matcherConfig, type MatcherContext, type MatcherResult } from './context.js'
import { isVoiceAgentAdapter } from '../adapter/observe.js'
import type { ResponseSpeechTiming } from '../conversation/speech-timing.js'

/** The failure returned when `expect(x)` was not given an adapter: it fails with or without `.not`. */
export function notAnAdapter(ctx: MatcherContext, name: string, received: unknown): MatcherResult | null {
  if (isVoiceAgentAdapter(received)) return null
  return {
    pass: !!ctx.isNot,
    message: () =>
      `${ctx.utils.matcherHint(name, 'agent', 'expected', { isNot: ctx.isNot, promise: ctx.promise })}\n\n` +
      `${name}() needs a voice agent adapter (an object with sendAudio, recvAudio and interrupt), e.g. the \`agent\` fixture.\n` +
      `Received: ${ctx.utils.printReceived(received)}`,
  }
}

export function resolveTimeout(matcher: string, timeout: unknown): number {
  const value = timeout ?? matcherConfig().timeout
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`${matcher}: option "timeout" must be a positive number of ms, got ${String(timeout)}`)
  }
  return value
}

export function checkMaxWer(matcher: string, maxWer: unknown): number {
  const value = maxWer ?? 0.2
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new InvalidOptionError(`${matcher}: option "maxWer" must be a number ≥ 0 (0.2 = 20 % of words may differ), got ${String(maxWer)}`)
  }
  return value
}

/** `+123 ms` offsets of a response's milestones from the end of the user turn. */
export function describeTimings(turn: TurnRecord | null, r: ResponseRecord, speech?: ResponseSpeechTiming): string {
  const start = turn?.endedAt ?? r.requestedAt
  const rel = (t: number | null) => (t === null ? '—' : `+${Math.round(t - start)} ms`)
  const lines = [
    `  end of user turn    ${turn?.endedAt === null || turn?.endedAt === undefined ? '—' : '0 ms'}`,
    `  response.created    ${rel(r.createdAt)}`,
    `  first transcript    ${rel(r.firstTranscriptAt)}`,
    `  first audio         ${rel(r.firstAudioAt)}`,
  ]
  if (speech) {
    lines.push(
      speech.firstSpeechAt === null
        ? `  first speech        — (no speech in ${Math.round(speech.audioMs)} ms of audio)`
        : `  first speech        ${rel(speech.firstSpeechAt)} (heard; ${Math.round(speech.leadingSilenceMs)} ms of leading silence` +
            (speech.firstSpeechReceivedAt !== null ? `, its chunk arrived at ${rel(speech.firstSpeechReceivedAt)})` : ')'),
    )
  }
  lines.push(`  response done       ${rel(r.doneAt)}${r.status !== 'in_progress' && r.status !== 'requested' ? ` (${r.status})` : ''}`)
  return lines.join('\n')
}

/** A transcript shortened for messages. */
export function excerpt(text: string | null, max = 300): string {
  if (text === null) return '(none)'
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/**
 * The timings of a whole turn: `describeTimings` of its response, or, when tool calls made it take several
 * responses, each response's milestones with its calls (and their handlers' own time) in between.
 */
export function describeTurnTimings(turn: TurnRecord | null, last: ResponseRecord, speech?: ResponseSpeechTiming): string {
  const responses = turn && turn.responses.length > 1 ? turn.responses : null
  if (!responses) return describeTimings(turn, last, speech)
  const start = turn!.endedAt ?? responses[0]!.requestedAt
  const rel = (t: number | null) => (t === null ? '—' : `+${Math.round(t - start)} ms`)
  const lines = [`  end of user turn    ${turn!.endedAt === null ? '—' : '0 ms'}`]
  responses.forEach((r, i) => {
    lines.push(`  response ${i + 1}${i > 0 ? ` (asked for ${rel(r.requestedAt)})` : ''}`)
    lines.push(`    response.created  ${rel(r.createdAt)}`)
    lines.push(`    first audio       ${rel(r.firstAudioAt)}`)
    for (const call of r.toolCalls) lines.push(`    tool call         ${describeToolTiming(call, rel)}`)
    lines.push(`    response done     ${rel(r.doneAt)}${r.status !== 'in_progress' && r.status !== 'requested' ? ` (${r.status})` : ''}`)
  })
  if (speech) {
    lines.push(
      speech.firstSpeechAt === null
        ? `  first speech        — (no speech in ${Math.round(speech.audioMs)} ms of audio)`
        : `  first speech        ${rel(speech.firstSpeechAt)} (${Math.round(speech.leadingSilenceMs)} ms of leading silence)`,
    )
  }
  return lines.join('\n')
}

function describeToolTiming(call: ToolCallRecord, rel: (t: number | null) => string): string {
  const handler =
    call.startedAt !== null
      ? `; handler ${rel(call.startedAt)} → ${rel(call.endedAt)}${call.endedAt !== null ? ` (${Math.round(call.endedAt - call.startedAt)} ms)` : ' (running)'}`
      : call.output !== null
        ? `; answered by hand ${rel(call.endedAt)}`
        : '; unanswered'
  return `${call.name} ${rel(call.receivedAt)}${handler}${call.error !== null ? ' (failed)' : ''}`
}

/** The first audio of the turn, over all its responses (a spoken "let me check" before a tool call counts). */
export function turnFirstAudioAt(turn: TurnRecord | null, fallback: ResponseRecord): number | null {
  const responses = turn?.responses.length ? turn.responses : [fallback]
  let first: number | null = null
  for (const r of responses) if (r.firstAudioAt !== null && (first === null || r.firstAudioAt < first)) first = r.firstAudioAt
  return first
}
