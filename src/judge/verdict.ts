/**
 * The judge's verdict: the JSON schema the model must answer in (Responses API `text.format`, strict structured
 * output) and the parsing of what it answered. Anything else than that shape is a `MalformedModelOutputError`,
 * never a verdict: a judge that cannot be read must not pass (or fail) a test.
 */
import { MalformedModelOutputError } from '../errors/index.js'

/** One criterion as the judge decided it. */
export interface CriterionVerdict {
  criterion: string
  pass: boolean
  /** Verbatim quotes from the conversation (what was said, or a tool call) that decide it. */
  evidence: string[]
}

/** What the judge model answered. */
export interface JudgeVerdict {
  /** The judge's own overall answer. The matcher passes only when this and every criterion pass. */
  pass: boolean
  /** One or two sentences: why. */
  reason: string
  criteria: CriterionVerdict[]
}

/** The name of the structured output format (`text.format.name`). */
export const VERDICT_FORMAT_NAME = 'voice_agent_verdict'

/** Strict-mode JSON schema: every property required, no others. Criteria come first, so the model decides them before the overall answer. */
export const VERDICT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['criteria', 'pass', 'reason'],
  properties: {
    criteria: {
      type: 'array',
      description: 'One entry per requirement of the criteria, in the order given.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['criterion', 'pass', 'evidence'],
        properties: {
          criterion: { type: 'string', description: 'The requirement, in a few words.' },
          pass: { type: 'boolean' },
          evidence: { type: 'array', items: { type: 'string' }, description: 'Short verbatim quotes from the conversation that decide it.' },
        },
      },
    },
    pass: { type: 'boolean', description: 'True only when every criterion passes.' },
    reason: { type: 'string', description: 'One or two sentences; name what failed, if anything.' },
  },
} as const

const MAX_SHOWN = 300

function excerpt(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text
}

/** Parses the model's output text into a verdict, or throws a `MalformedModelOutputError` naming what is wrong. */
export function parseVerdict(text: string, who = 'the judge'): JudgeVerdict {
  const bad = (what: string): never => {
    throw new MalformedModelOutputError(
      `${who} answered something that is not a verdict (${what}): ${JSON.stringify(excerpt(text))}`,
      'responses',
      excerpt(text),
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    bad('not JSON')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('not a JSON object')
  const v = raw as Record<string, unknown>
  if (typeof v.pass !== 'boolean') bad('"pass" is not a boolean')
  if (typeof v.reason !== 'string') bad('"reason" is not a string')
  if (!Array.isArray(v.criteria)) bad('"criteria" is not an array')
  const criteria = (v.criteria as unknown[]).map((c, i): CriterionVerdict => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) bad(`criteria[${i}] is not an object`)
    const entry = c as Record<string, unknown>
    if (typeof entry.criterion !== 'string') bad(`criteria[${i}].criterion is not a string`)
    if (typeof entry.pass !== 'boolean') bad(`criteria[${i}].pass is not a boolean`)
    if (!Array.isArray(entry.evidence) || !entry.evidence.every((e) => typeof e === 'string')) bad(`criteria[${i}].evidence is not an array of strings`)
    return { criterion: entry.criterion as string, pass: entry.pass as boolean, evidence: [...(entry.evidence as string[])] }
  })
  return { pass: v.pass as boolean, reason: v.reason as string, criteria }
}
