/**
 * Issue 11, finding 3 ("bounded by count, not by bytes") and the stored-depth half of finding 1: what the adapter
 * keeps from a hostile server is bounded in bytes and depth, and so is every message that quotes it.
 */
import { describe, expect, it } from 'vitest'
import { RealtimeTimeoutError, type OpenAIRealtimeAdapter } from '../../src/index.js'
import { rejectionOf } from '../helpers/outcome.js'
import { scriptedVoiceAgent } from '../helpers/scripted.js'

/** Resolves once the adapter's timeline holds `count` more incoming entries than when it was called. */
async function received(agent: OpenAIRealtimeAdapter, count: number): Promise<void> {
  const target = agent.timeline.filter((e) => e.direction === 'in').length + count
  while (agent.timeline.filter((e) => e.direction === 'in').length < target) await new Promise((r) => setTimeout(r, 5))
}

/** JSON of an object nested `levels` deep (built as text: JSON.stringify itself overflows on it). */
const deepJson = (levels: number): string => '{"nested":'.repeat(levels) + '"bottom"' + '}'.repeat(levels)

describe('finding 3: bounded by bytes, not by count', () => {
  it('finding 3: 150 events with unique 1 MB types keep at most 200 characters of each type on the timeline', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    for (let i = 0; i < 150; i++) connection.send({ type: `${i}:`.padEnd(1_000_000, 'x') })
    await received(agent, 150)
    const kept = agent.timeline.reduce((sum, e) => sum + e.type.length, 0)
    expect(kept).toBeLessThan(150 * 260)
  })

  it('finding 3: a recvAudio timeout after a 1 MB-type flood quotes at most a few KB, saying how much it left out', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hello')
    for (let i = 0; i < 150; i++) connection.send({ type: `${i}:`.padEnd(1_000_000, 'x') })
    await received(agent, 150)
    const { error: err } = await rejectionOf(agent.recvAudio(50), 2000)
    expect(err).toBeInstanceOf(RealtimeTimeoutError)
    expect(err.message.length).toBeLessThan(6000)
    expect(err.message).toMatch(/… \d+ more events/)
  })

  it('finding 3: an error-event flood keeps the newest 100 errors, each message at most 2 KB', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    for (let i = 0; i < 2000; i++) connection.send({ type: 'error', error: { type: 'server_error', code: `flood_${i}`, message: 'm'.repeat(100_000) } })
    await received(agent, 2000)
    expect(agent.errors).toHaveLength(100)
    expect(agent.errors[99]!.code).toBe('flood_1999')
    expect(Math.max(...agent.errors.map((e) => e.message.length))).toBeLessThan(2200)
  })

  it('finding 1: a status_details nested 5,000 levels deep is stored bounded, so the records still serialise', async () => {
    const { agent, connection } = await scriptedVoiceAgent()
    await agent.sendText('hello')
    connection.send({ type: 'response.created', response: { id: 'resp_deep', status: 'in_progress' } })
    connection.sendRaw(`{"type":"response.done","response":{"id":"resp_deep","status":"failed","status_details":${deepJson(5000)}}}`)
    expect(await agent.recvAudio(2000)).toBeNull()
    const json = JSON.stringify(agent.turns)
    expect(json).toContain('[nested too deep]')
    expect(json.length).toBeLessThan(10_000)
  })
})
