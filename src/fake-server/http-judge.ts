/**
 * `POST /v1/responses` on the fake server: answers a judge's request from the scripted judge
 * (`fakeServerOptions.judge`) in the Responses API's shape, with the verdict as the output text. It reads the
 * request the way a model would: the criteria from the text part that starts with `Criteria:` (one per `- ` line),
 * the conversation from the one that starts with `Conversation:`.
 */
import type { FakeJudge, FakeJudgeRequest, FakeVerdict } from './types.js'

type Json = Record<string, unknown>

/** The text parts of the request's `input` (a string, or messages with `input_text` parts). */
function inputTexts(body: Json): string[] {
  const input = body.input
  if (typeof input === 'string') return [input]
  if (!Array.isArray(input)) return []
  const texts: string[] = []
  for (const message of input) {
    const content = (message as Json | null)?.content
    if (typeof content === 'string') texts.push(content)
    else if (Array.isArray(content)) for (const part of content) if (typeof (part as Json)?.text === 'string') texts.push((part as Json).text as string)
  }
  return texts
}

/** What the scripted judge is asked: the criteria, the conversation, the model. */
export function readJudgeRequest(body: Json): FakeJudgeRequest {
  const texts = inputTexts(body)
  const criteriaPart = texts.find((t) => t.startsWith('Criteria:'))
  const conversationPart = texts.find((t) => t.startsWith('Conversation:'))
  const criteria = criteriaPart
    ? criteriaPart
        .slice('Criteria:'.length)
        .split('\n')
        .map((l) => l.replace(/^\s*-\s*/, '').trim())
        .filter(Boolean)
    : []
  const transcript = conversationPart ? conversationPart.slice('Conversation:'.length).replace(/^\n/, '') : texts.join('\n')
  return { criteria, transcript, model: typeof body.model === 'string' ? body.model : '', body }
}

/** The verdict JSON the scripted judge's answer stands for (a boolean: every criterion the same). */
export function verdictJson(answer: FakeVerdict, request: FakeJudgeRequest): Json {
  if (typeof answer === 'boolean') answer = { pass: answer }
  if (typeof answer !== 'object' || answer === null || typeof answer.pass !== 'boolean') {
    throw new Error(`the fake server's judge must return a boolean or { pass, reason?, criteria? }, got ${JSON.stringify(answer) ?? typeof answer}`)
  }
  const pass = answer.pass
  const criteria =
    answer.criteria?.map((c) => ({ criterion: c.criterion, pass: c.pass, evidence: c.evidence ?? [] })) ??
    request.criteria.map((criterion) => ({ criterion, pass, evidence: [] as string[] }))
  return { criteria, pass, reason: answer.reason ?? (pass ? 'Every criterion is met.' : 'A criterion is not met.') }
}

/** A Responses API response object whose one message holds `text`; `n` numbers its ids. */
export function responsesApiAnswer(model: string, text: string, count = 1): Json {
  const n = String(count).padStart(4, '0')
  return {
    id: `resp_fake_${n}`,
    object: 'response',
    created_at: 0,
    status: 'completed',
    error: null,
    incomplete_details: null,
    model,
    output: [{ id: `msg_fake_${n}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
    usage: null,
  }
}

export async function answerJudge(judge: FakeJudge, body: Json, count: number): Promise<Json> {
  const request = readJudgeRequest(body)
  const verdict = verdictJson(await judge(request), request)
  return responsesApiAnswer(request.model, JSON.stringify(verdict), count)
}
