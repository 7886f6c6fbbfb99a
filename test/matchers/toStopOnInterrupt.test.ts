import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { failureOf, stableFailureOf, voiceAgent } from '../helpers/voice.js'

const LONG = 'This is a long answer about the opening hours of the restaurant, the menu, the wine list and the parking.'

describe('toStopOnInterrupt', () => {
  it('passes against a server that honours response.cancel', async () => {
    const { agent } = await voiceAgent({ reply: LONG, paceMs: 20 })
    await agent.sendText('tell me everything')
    await expect(agent).toStopOnInterrupt()
    expect(agent.currentResponse?.status).toBe('cancelled')
  })

  it('fails against a server that ignores the cancel, stating the audio that arrived after the interrupt', async () => {
    const { agent } = await voiceAgent({ reply: LONG, paceMs: 20, honourCancel: false })
    await agent.sendText('tell me everything')
    const message = await failureOf(expect(agent).toStopOnInterrupt({ within: 100 }))
    expect(message).toContain('Expected: the agent to stop speaking within 100 ms of the interrupt')
    const after = Number(/(\d+) ms of audio arrived after the interrupt/.exec(message)![1])
    expect(after).toBeGreaterThan(500)
    expect(message).toMatch(/the response ended \(completed\) \d+ ms after the interrupt/)
    expect(agent.errors).toEqual([])
  })

  it('fails with "nothing to interrupt" when the response already ended', async () => {
    const { agent } = await voiceAgent({ reply: 'Short.' })
    await agent.sendText('hi')
    while ((await agent.recvAudio(2000)) !== null);
    const message = await failureOf(expect(agent).toStopOnInterrupt())
    expect(message).toContain('Nothing to interrupt: the response already ended (completed)')
    // A precondition failure fails with .not too.
    const notMessage = await failureOf(expect(agent).not.toStopOnInterrupt())
    expect(notMessage).toContain('Nothing to interrupt')
  })

  it('.not passes when the agent keeps speaking', async () => {
    const { agent } = await voiceAgent({ reply: LONG, paceMs: 20, honourCancel: false })
    await agent.sendText('tell me everything')
    await expect(agent).not.toStopOnInterrupt({ within: 50 })
  })

  it('interrupts after afterMs of audio', async () => {
    const { agent } = await voiceAgent({ reply: LONG, paceMs: 10 })
    await agent.sendText('tell me everything')
    await expect(agent).toStopOnInterrupt({ afterMs: 300 })
    const r = agent.currentResponse!
    const before = r.audio.filter((c) => c.receivedAt! <= r.interruptedAt!).reduce((n, c) => n + c.data.length, 0)
    expect(before / 48).toBeGreaterThanOrEqual(300)
  })

  it('ends within one timeout even when the agent starts late and never stops', async () => {
    const { agent } = await voiceAgent({ reply: LONG, latencyMs: 1500, paceMs: 'realtime', honourCancel: false })
    await agent.sendText('tell me everything')
    const started = performance.now()
    const message = await failureOf(expect(agent).toStopOnInterrupt({ within: 100, timeout: 1600 }))
    // 1.5 s to start speaking, then the stop phase: the rest of the 1.6 s, but at least within + 250 ms.
    expect(performance.now() - started).toBeLessThan(2600)
    expect(message).toMatch(/the response had not ended \d+ ms after the interrupt/)
  })
})

// Failure messages, snapshotted (measured timings normalised to `<n> ms`; `within` as the test gave it is kept).
describe('toStopOnInterrupt failure messages', () => {
  it('fails when the agent keeps speaking after the interrupt: message', async () => {
    const { agent } = await voiceAgent({ reply: 'This answer goes on after the interrupt, and on, and on.', paceMs: 10, honourCancel: false })
    await agent.sendText('tell me everything')
    expect(await stableFailureOf(expect(agent).toStopOnInterrupt({ within: 100 }), ['within 100 ms'])).toMatchSnapshot()
  })

  it('.not fails when the agent stops at once: message', async () => {
    // 100 ms between chunks: the cancel reaches the server before the next chunk is due, so none arrives after it.
    const { agent } = await voiceAgent({ reply: LONG, paceMs: 100 })
    await agent.sendText('tell me everything')
    expect(await stableFailureOf(expect(agent).not.toStopOnInterrupt(), ['past 500 ms'])).toMatchSnapshot()
  })

  it('fails, with and without .not, when the response already ended: messages', async () => {
    const { agent } = await voiceAgent({ reply: 'Short.' })
    await agent.sendText('hi')
    while ((await agent.recvAudio(2000)) !== null);
    expect(await stableFailureOf(expect(agent).toStopOnInterrupt())).toMatchSnapshot()
    expect(await stableFailureOf(expect(agent).not.toStopOnInterrupt())).toMatchSnapshot()
  })

  it('fails when the agent was asked nothing: message', async () => {
    const { agent } = await voiceAgent()
    expect(await failureOf(expect(agent).toStopOnInterrupt({ timeout: 100 }))).toMatchSnapshot()
  })

  it('fails, with and without .not, when given something that is not an adapter: messages', async () => {
    expect(await failureOf(expect({ not: 'an agent' }).toStopOnInterrupt())).toMatchSnapshot()
    expect(await failureOf(expect('agent').not.toStopOnInterrupt())).toMatchSnapshot()
  })
})
