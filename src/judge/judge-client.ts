/** Asks a text model for a verdict through the Responses API, and reads its answer. */
import type { TranscriptEntry } from '../conversation/transcript.js'
import { MalformedModelOutputError } from '../errors/index.js'
import type { Redactor } from '../secrets/redact.js'
import { endpointUrl } from './base-url.js'
import { postToEndpoint } from './http-request.js'
import { judgeRequestBody } from './judge-request.js'
import { parseVerdict, type JudgeVerdict } from './verdict.js'

export interface VerdictRequest {
  /** `https://api.openai.com/v1` or a local server's base URL. */
  baseURL: string
  headers: Record<string, string>
  ca?: string | Buffer | Array<string | Buffer>
  model: string
  criteria: readonly string[]
  transcript: readonly TranscriptEntry[]
  timeoutMs: number
  redact: Redactor
}

/** The verdict, or a typed error (HTTP error, timeout, malformed output); never a made-up verdict. */
export async function requestVerdict(req: VerdictRequest): Promise<JudgeVerdict> {
  const body = Buffer.from(JSON.stringify(judgeRequestBody(req)))
  const answer = await postToEndpoint({
    endpoint: 'responses',
    who: `the judge (${req.model})`,
    url: endpointUrl(req.baseURL, 'responses'),
    headers: req.headers,
    body,
    contentType: 'application/json',
    timeoutMs: req.timeoutMs,
    redact: req.redact,
    ...(req.ca !== undefined ? { ca: req.ca } : {}),
  })
  // Redacted before it is read: whatever the answer echoes (a gateway printing the key it refused) can reach a message.
  return parseVerdict(outputText(req.redact(answer.body), req.model), `the judge (${req.model})`)
}

/**
 * The text of the Responses API answer: the `output_text` parts of its `message` output items (the SDK's
 * `response.output_text`, which is not on the wire). A refusal, an incomplete or failed response, or no text is
 * malformed output.
 */
export function outputText(body: string, model: string): string {
  const who = `the judge (${model})`
  const bad = (what: string, shown = body): never => {
    const cut = shown.length > 300 ? `${shown.slice(0, 300)}…` : shown
    throw new MalformedModelOutputError(`${who} ${what}: ${JSON.stringify(cut)}`, 'responses', cut)
  }
  let response: unknown
  try {
    response = JSON.parse(body)
  } catch {
    bad('answered with a body that is not JSON')
  }
  if (typeof response !== 'object' || response === null) bad('answered with a body that is not a response object')
  const r = response as { status?: unknown; output?: unknown; incomplete_details?: { reason?: unknown } | null; error?: { message?: unknown } | null }
  if (r.status === 'incomplete')
    bad(`answered an incomplete response (${String(r.incomplete_details?.reason ?? 'no reason given')}), so the verdict was cut short`)
  if (r.status === 'failed') bad(`answered a failed response (${String(r.error?.message ?? 'no message')})`)
  if (!Array.isArray(r.output)) bad('answered a response with no "output" array')
  const texts: string[] = []
  for (const item of r.output as unknown[]) {
    if (typeof item !== 'object' || item === null || (item as { type?: unknown }).type !== 'message') continue
    const content = (item as { content?: unknown }).content
    if (!Array.isArray(content)) continue
    for (const part of content) {
      if (part?.type === 'refusal') bad('refused to judge', String(part.refusal ?? ''))
      if (part?.type === 'output_text' && typeof part.text === 'string') texts.push(part.text)
    }
  }
  if (texts.length === 0) bad('answered a response with no output text')
  return texts.join('')
}
