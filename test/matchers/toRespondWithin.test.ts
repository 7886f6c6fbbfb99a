import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { failureOf, speech, stableFailureOf, voiceAgent } from '../helpers/voice.js'

describe('toRespondWithin', () => {
  it('passes when the first audio arrives within the budget (100 ms latency, 300 ms budget)', async () => {
    const { agent } = await voiceAgent({ latencyMs: 100 })
    await agent.sendAudio(speech('hello'))
    await expect(agent).toRespondWithin(300)
  })

  it('fails with 600 ms of latency, stating the measured latency and its parts', async () => {
    const { agent } = await voiceAgent({ latencyMs: 600 })
    await agent.sendAudio(speech('hello'))
    const message = await failureOf(expect(agent).toRespondWithin(300))
    expect(message).toContain('expect(agent).toRespondWithin(ms)')
    expect(message).toContain('Expected: first audio within 300 ms of the end of the user turn')
    const measured = Number(/first audio after (\d+) ms/.exec(message)![1])
    expect(Math.abs(measured - 600)).toBeLessThanOrEqual(20)
    expect(message).toMatch(/response\.created\s+\+\d+ ms/)
    expect(message).toMatch(/first audio\s+\+\d+ ms/)
  })

  it('.not passes when the agent is slower than the budget and fails when it is faster', async () => {
    const slow = await voiceAgent({ latencyMs: 250 })
    await slow.agent.sendText('hi')
    await expect(slow.agent).not.toRespondWithin(50)

    const fast = await voiceAgent({ latencyMs: 0 })
    await fast.agent.sendText('hi')
    const message = await failureOf(expect(fast.agent).not.toRespondWithin(1000))
    expect(message).toContain('expect(agent).not.toRespondWithin(ms)')
    expect(message).toContain('Expected: first audio later than 1000 ms')
  })

  it('fails naming what arrived when no audio comes within the timeout', async () => {
    const { agent } = await voiceAgent({ latencyMs: 5000 })
    await agent.sendText('hi')
    const message = await failureOf(expect(agent).toRespondWithin(100, { timeout: 200 }))
    expect(message).toMatch(/no audio arrived within 200 ms .*response\.created/)
  })

  it('fails clearly when there was no user turn', async () => {
    const { agent } = await voiceAgent()
    const message = await failureOf(expect(agent).toRespondWithin(300, { timeout: 100 }))
    expect(message).toMatch(/No user turn to measure|none was requested/)
  })

  it('several matchers on one turn all see the same response', async () => {
    const { agent } = await voiceAgent({ latencyMs: 20, reply: 'Your table for two is booked.' })
    await agent.sendAudio(speech('book a table'))
    await expect(agent).toRespondWithin(1000)
    await expect(agent).toSay('table for two is booked')
    await expect(agent).toRespondWithin(1000)
  })

  it('fails with a clear message when the received value is not an adapter', async () => {
    const message = await failureOf(expect({ not: 'an agent' }).toRespondWithin(300))
    expect(message).toContain('toRespondWithin() needs a voice agent adapter')
    const notMessage = await failureOf(expect(42).not.toRespondWithin(300))
    expect(notMessage).toContain('needs a voice agent adapter')
  })

  it('rejects a bad budget with a typed error', async () => {
    const { agent } = await voiceAgent()
    await expect(expect(agent).toRespondWithin(-1)).rejects.toThrow(/ms must be a non-negative number, got -1/)
  })
})

// Failure messages, snapshotted (measured timings normalised to `<n> ms`; the budget the test gave is kept).
describe('toRespondWithin failure messages', () => {
  it('fails when the first audio comes after the budget: message', async () => {
    // paceMs: the response is still streaming when the message is built, so "response done" stays "—".
    const { agent } = await voiceAgent({ latencyMs: 120, paceMs: 50, reply: 'Your table for two is booked.' })
    await agent.sendAudio(speech('book a table'))
    expect(await stableFailureOf(expect(agent).toRespondWithin(50), ['within 50 ms'])).toMatchSnapshot()
  })

  it('.not fails when the first audio comes within the budget: message', async () => {
    const { agent } = await voiceAgent({ latencyMs: 0, paceMs: 50, reply: 'Your table for two is booked.' })
    await agent.sendText('book a table')
    expect(await stableFailureOf(expect(agent).not.toRespondWithin(1000), ['later than 1000 ms'])).toMatchSnapshot()
  })

  it('fails when no audio comes within the timeout: message', async () => {
    const { agent } = await voiceAgent({ latencyMs: 5000 })
    await agent.sendText('hi')
    expect(await stableFailureOf(expect(agent).toRespondWithin(100, { timeout: 200 }), ['within 100 ms', 'within 200 ms'])).toMatchSnapshot()
  })

  it('fails when there was no user turn: message', async () => {
    const { agent } = await voiceAgent()
    expect(await failureOf(expect(agent).toRespondWithin(300, { timeout: 100 }))).toMatchSnapshot()
  })

  it('fails, with and without .not, when given something that is not an adapter: messages', async () => {
    expect(await failureOf(expect({ not: 'an agent' }).toRespondWithin(300))).toMatchSnapshot()
    expect(await failureOf(expect(42).not.toRespondWithin(300))).toMatchSnapshot()
  })
})
