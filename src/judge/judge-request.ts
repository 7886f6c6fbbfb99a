/**
 * The request the judge sends: `POST /v1/responses` with the criteria and the conversation as two labelled text
 * parts, and a strict JSON-schema output format for the verdict. `store: false`: test conversations are not kept.
 * The fake server reads the same two parts (`Criteria:` and `Conversation:`) to call its scripted judge.
 */
import type { TranscriptEntry } from '../conversation/transcript.js'
import { VERDICT_FORMAT_NAME, VERDICT_SCHEMA } from './verdict.js'

/** The judge model unless `{ model }` says otherwise: small, fast, and it follows strict structured outputs. */
export const DEFAULT_JUDGE_MODEL = 'gpt-4.1-mini'

export const JUDGE_INSTRUCTIONS = [
  'You are a strict, literal test judge for a voice agent. You get criteria and a conversation between a user and the agent.',
  'Decide whether the agent’s side of the conversation meets every criterion. Judge only what is in the conversation:',
  'what the agent said and the tool calls it made (with their results). Do not assume anything that is not there.',
  'Split the criteria into separate requirements (when they are given as a list, one per item, in order).',
  'For each, quote as evidence the exact words or tool call from the conversation that decide it (short, verbatim);',
  'a requirement that something must not happen passes when nothing in the conversation does it, with no evidence needed.',
  'The verdict passes only when every requirement passes. reason: one or two sentences naming what failed, if anything.',
].join(' ')

export const CRITERIA_LABEL = 'Criteria:'
export const CONVERSATION_LABEL = 'Conversation:'

/** The criteria as the judge reads them: one per line, `- ` first. */
export function criteriaText(criteria: readonly string[]): string {
  return `${CRITERIA_LABEL}\n${criteria.map((c) => `- ${c.replace(/\s*\n\s*/g, ' ')}`).join('\n')}`
}

/** The conversation as the judge reads it: one line per entry, tool calls with their arguments and results. */
export function conversationText(entries: readonly TranscriptEntry[]): string {
  const lines = entries.map((e) => {
    if (e.kind === 'tool_call') {
      const result = e.output !== undefined ? ` → ${e.output}` : ' (unanswered)'
      return `agent called tool ${e.text}(${e.arguments ?? ''})${result}${e.status === 'failed' ? ' [failed]' : ''}`
    }
    const who = e.role === 'user' ? (e.kind === 'text' ? 'user (typed)' : 'user') : 'agent'
    const text = e.text ?? (e.role === 'user' ? '(not transcribed)' : '(nothing)')
    const mark = e.status === 'completed' || e.status === 'untranscribed' ? '' : ` [${e.status}]`
    return `${who}: ${text}${mark}`
  })
  return `${CONVERSATION_LABEL}\n${lines.length ? lines.join('\n') : '(empty)'}`
}

/** The JSON body of the judge's `POST /v1/responses`. */
export function judgeRequestBody(options: { model: string; criteria: readonly string[]; transcript: readonly TranscriptEntry[] }): Record<string, unknown> {
  return {
    model: options.model,
    instructions: JUDGE_INSTRUCTIONS,
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: criteriaText(options.criteria) },
          { type: 'input_text', text: conversationText(options.transcript) },
        ],
      },
    ],
    text: { format: { type: 'json_schema', name: VERDICT_FORMAT_NAME, schema: VERDICT_SCHEMA, strict: true } },
    store: false,
  }
}
