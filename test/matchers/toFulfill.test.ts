import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { HttpEndpointError, HttpEndpointTimeoutError, InvalidOptionError, MalformedModelOutputError, type FakeJudgeRequest } from '../../src/index.js'
import { voiceMatchers } from '../../src/matchers/index.js'
import { failureOf, speech, stableFailureOf, unfinishedResponse, voiceAgent } from '../helpers/voice.js'
import { takeVoiceNotes } from '../../src/run-report/sink.js'

const BOOKED = 'Sure, a table for two at 7 pm. I cannot promise a window seat.'

/** A judge that reads the conversation literally: each criterion is a phrase the agent must (or, after "no ", must not) say. */
function phraseJudge({ criteria, transcript }: FakeJudgeRequest) {
  const agentLines = transcript
    .split('\n')
    .filter((l) => l.startsWith('agent'))
    .join('\n')
  const checks = criteria.map((criterion) => {
    const negated = criterion.startsWith('no ')
    const phrase = negated ? criterion.slice(3) : criterion
    const found = agentLines.toLowerCase().includes(phrase.toLowerCase())
    return { criterion, pass: negated ? !found : found, evidence: found ? [phrase] : [] }
  })
  const pass = checks.every((c) => c.pass)
  return {
    pass,
    reason: pass
      ? 'Every phrase is there.'
      : `Failed: ${checks
          .filter((c) => !c.pass)
          .map((c) => c.criterion)
          .join(', ')}.`,
    criteria: checks,
  }
}

const fast = { paceMs: 0 as const, judge: phraseJudge }

describe('toFulfill', () => {
  it('passes when the judge finds every criterion met, and sends it the criteria, the conversation and the model', async () => {
    const seen: FakeJudgeRequest[] = []
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED, judge: (r) => (seen.push(r), phraseJudge(r)) })
    await agent.sendText('a table for two at seven, by the window please')
    await expect(agent).toFulfill(['table for two', '7 pm', 'no window seat is yours'], { model: 'judge-model-x' })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.criteria).toEqual(['table for two', '7 pm', 'no window seat is yours'])
    expect(seen[0]!.model).toBe('judge-model-x')
    expect(seen[0]!.transcript).toBe(`user (typed): a table for two at seven, by the window please\nagent: ${BOOKED}`)
    expect(seen[0]!.body.text).toMatchObject({ format: { type: 'json_schema', strict: true } })
    expect(seen[0]!.body.store).toBe(false)
  })

  it('notes its verdict for the run report, passed or not', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED })
    await agent.sendText('book a table')
    await expect(agent).toFulfill(['table for two', '7 pm'])
    await expect(agent).not.toFulfill('window seat is yours')
    expect(takeVoiceNotes(agent)).toEqual([
      { kind: 'judge', turn: null, criteria: 'table for two; 7 pm', pass: true, reason: 'Every phrase is there.', model: 'gpt-4.1-mini' },
      { kind: 'judge', turn: null, criteria: 'window seat is yours', pass: false, reason: 'Failed: window seat is yours.', model: 'gpt-4.1-mini' },
    ])
  })

  it('fails with the reason, each criterion with its quoted evidence, and the conversation', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: 'Table for two at 7 pm, and the window seat is yours.' })
    await agent.sendText('book a table')
    const message = await failureOf(expect(agent).toFulfill(['table for two', 'no window seat is yours']))
    expect(message).toMatchSnapshot()
  })

  it('supports .not, and fails it with the verdict when the criteria are met', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED })
    await agent.sendText('book a table')
    await expect(agent).not.toFulfill('window seat is yours')
    expect(await failureOf(expect(agent).not.toFulfill('table for two'))).toMatchSnapshot()
  })

  it('shows tool calls and their results to the judge', async () => {
    const seen: string[] = []
    const { agent } = await voiceAgent(
      {
        ...fast,
        reply: { toolCalls: [{ name: 'book_table', arguments: { party: 2, time: '19:00' } }], followUp: 'Booked, reference A1.' },
        judge: ({ transcript }) => (seen.push(transcript), /book_table\(\{"party":2,"time":"19:00"\}\) → \{"ref":"A1"\}/.test(transcript)),
      },
      { tools: [{ type: 'function', name: 'book_table', description: 'Books', parameters: { type: 'object' }, execute: () => ({ ref: 'A1' }) }] },
    )
    await agent.sendText('book a table for two at seven')
    await expect(agent).toFulfill('books a table for two at 19:00 with the tool')
    expect(seen[0]).toContain('agent: Booked, reference A1.')
  })

  it('marks quoted evidence that is not in the conversation, and fails a verdict whose criteria contradict its pass', async () => {
    const { agent } = await voiceAgent({
      ...fast,
      reply: BOOKED,
      judge: () => ({ pass: true, reason: 'Fine.', criteria: [{ criterion: 'confirms the time', pass: false, evidence: ['see you at eight'] }] }),
    })
    await agent.sendText('book')
    const message = await failureOf(expect(agent).toFulfill('confirms the time'))
    expect(message).toContain('Verdict of gpt-4.1-mini: not fulfilled (the judge said pass, but a criterion failed)')
    expect(message).toContain('  ✗ confirms the time\n      “see you at eight” (not found in the conversation)')
  })

  it('waits for the late transcription of what the user said before judging', async () => {
    const seen: string[] = []
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED, transcriptionDelayMs: 200, judge: ({ transcript }) => (seen.push(transcript), true) })
    await agent.sendAudio(speech('a table for two'))
    await expect(agent).toFulfill('books a table')
    expect(seen).toEqual([`user: a table for two\nagent: ${BOOKED}`])
  })

  it('puts a plain, serialisable verdict on the result', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED })
    await agent.sendText('book')
    const ctx = { isNot: false, utils: { matcherHint: () => '', printExpected: String, printReceived: String }, equals: () => true }
    const result = (await voiceMatchers.toFulfill.call(ctx, agent as never, 'table for two' as never)) as { pass: boolean; verdict?: unknown }
    expect(result.pass).toBe(true)
    expect(JSON.parse(JSON.stringify(result.verdict))).toEqual({
      criteria: 'table for two',
      pass: true,
      reason: 'Every phrase is there.',
      model: 'gpt-4.1-mini',
      checks: [{ criterion: 'table for two', pass: true, evidence: ['table for two'] }],
    })
  })

  it('a judge that answers something else than the verdict is a MalformedModelOutputError, with or without .not', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED, faults: { http: { malformed: true } } })
    await agent.sendText('book')
    const err = await expect(agent)
      .toFulfill('table for two')
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MalformedModelOutputError)
    expect((err as Error).message).toBe(
      'the judge (gpt-4.1-mini) answered something that is not a verdict (not JSON): "Sure! The agent did a great job overall."',
    )
    await expect(expect(agent).not.toFulfill('table for two')).rejects.toBeInstanceOf(MalformedModelOutputError)
  })

  it.each([
    [401, /failed with HTTP 401 \(invalid_request_error\/invalid_api_key\): Incorrect API key provided \(injected by faults\.http\)\. \(check the API key/],
    [429, /failed with HTTP 429 \(requests\/rate_limit_exceeded\): Rate limit reached/],
    [500, /failed with HTTP 500 \(server_error\): The server had an error/],
  ])('HTTP %i is an HttpEndpointError naming the status and the server message', async (status, message) => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED, faults: { http: { status, endpoint: 'responses' } } })
    await agent.sendText('book')
    const err = (await expect(agent)
      .toFulfill('table for two')
      .catch((e: unknown) => e)) as HttpEndpointError
    expect(err).toBeInstanceOf(HttpEndpointError)
    expect(err.status).toBe(status)
    expect(err.endpoint).toBe('responses')
    expect(err.message).toMatch(message)
    expect(err.message).toMatch(/^the judge \(gpt-4\.1-mini\) \(POST http:\/\/127\.0\.0\.1:\d+\/v1\/responses\)/)
  })

  it('a judge slower than the timeout is an HttpEndpointTimeoutError naming what arrived', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED, faults: { http: { delayMs: 5000 } } })
    await agent.sendText('book')
    const err = (await expect(agent)
      .toFulfill('table for two', { timeout: 150 })
      .catch((e: unknown) => e)) as HttpEndpointTimeoutError
    expect(err).toBeInstanceOf(HttpEndpointTimeoutError)
    expect(err.timeoutMs).toBe(150)
    expect(err.message).toMatch(/did not answer within 150 ms \(nothing arrived\); pass a longer \{ timeout \}$/)
  })

  it('a fake server with no judge scripted answers HTTP 400 naming the option', async () => {
    const { agent } = await voiceAgent({ paceMs: 0, reply: BOOKED })
    await agent.sendText('book')
    await expect(expect(agent).toFulfill('table for two')).rejects.toThrow(/no judge is scripted; pass the fake server's `judge` option/)
  })

  it('sends the agent’s key to the judge and never shows it', async () => {
    const key = 'sk-canary-judge-0123456789abcdefXYZ'
    const { agent } = await voiceAgent({ ...fast, apiKey: key, reply: BOOKED, faults: { http: { status: 500 } } }, { apiKey: key })
    await agent.sendText('book')
    const err = (await expect(agent)
      .toFulfill('table for two')
      .catch((e: unknown) => e)) as Error
    expect(err).toBeInstanceOf(HttpEndpointError)
    expect(err.message + String(err.stack)).not.toContain('0123456789abcdef')
  })

  it('a wrong key is refused by the fake server like the live API does (401 invalid_api_key)', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED, apiKey: 'sk-right-key-000000000000000000' }, { apiKey: 'sk-right-key-000000000000000000' })
    await agent.sendText('book')
    await expect(agent).toFulfill('table for two')
    await expect(expect(agent).toFulfill('table for two', { apiKey: 'sk-wrong-key-111111111111111111' })).rejects.toThrow(/HTTP 401 .*invalid_api_key/)
  })

  it('rejects bad criteria and options with typed errors', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: BOOKED })
    // @ts-expect-error criteria must be a string or strings
    await expect(expect(agent).toFulfill(42)).rejects.toThrow(InvalidOptionError)
    await expect(expect(agent).toFulfill([])).rejects.toThrow(/criteria must be a non-empty string or a non-empty array/)
    await expect(expect(agent).toFulfill('x', { model: '' })).rejects.toThrow(/option "model"/)
    await expect(expect(agent).toFulfill('x', { timeout: -1 })).rejects.toThrow(/option "timeout"/)
    await expect(expect(agent).toFulfill('x', { baseURL: 'ftp://x' })).rejects.toThrow(/option "baseURL" must be an http\(s\):\/\/ or ws\(s\):\/\/ URL/)
  })

  it('fails when nothing was asked yet', async () => {
    const { agent } = await voiceAgent(fast)
    expect(await failureOf(expect(agent).toFulfill('greets the caller'))).toContain('The agent has not been asked anything')
  })

  it('with nothing to judge (nothing asked, a response that has not ended), fails with and without .not: messages', async () => {
    const { agent } = await voiceAgent(fast)
    expect(await failureOf(expect(agent).toFulfill('greets the caller'))).toMatchSnapshot()
    expect(await failureOf(expect(agent).not.toFulfill('greets the caller'))).toMatchSnapshot()
    const slow = await unfinishedResponse(fast)
    const keep = ['within 50 ms']
    expect(await stableFailureOf(expect(slow).toFulfill('greets the caller', { timeout: 50 }), keep)).toMatchSnapshot()
    expect(await stableFailureOf(expect(slow).not.toFulfill('greets the caller', { timeout: 50 }), keep)).toMatchSnapshot()
  })
})
