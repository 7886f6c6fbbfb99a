import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { drain } from '../helpers/drain.js'
import { failureOf, speech, stableFailureOf, voiceAgent } from '../helpers/voice.js'
import { percentile, summarize } from '../../src/run-report/stats.js'

/** A conversation of `latencies.length` text turns, turn i answered after `latencies[i]` ms; every response read to its end. */
async function conversation(latencies: number[], options: { reply?: string } = {}) {
  const { agent } = await voiceAgent({ latencyMs: ({ turn }) => latencies[turn] ?? 0, reply: options.reply ?? 'OK.', paceMs: 0 })
  for (let i = 0; i < latencies.length; i++) {
    await agent.sendText(`question ${i + 1}`)
    await drain(agent)
  }
  return agent
}

/** The turn list right-aligns the latencies: the padding depends on the digits measured, so it is collapsed. */
const aligned = (message: string) => message.replace(/(turn \d+) +/g, '$1 ')

describe('percentiles by nearest rank', () => {
  it('p50, p95, p99 are measured values: the ⌈p·n⌉-th smallest', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i) // 100 … 1
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 95)).toBe(95)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 100)).toBe(100)
    expect(percentile([7, 3, 5], 95)).toBe(7)
    expect(percentile([7, 3, 5], 50)).toBe(5)
    expect(percentile([4], 1)).toBe(4)
    expect(percentile([], 50)).toBeNull()
    expect(percentile([1, Number.POSITIVE_INFINITY], 95)).toBe(Number.POSITIVE_INFINITY)
    expect(summarize([3, 1, 2, 10])).toEqual({ n: 4, p50: 2, p95: 10, p99: 10, max: 10, min: 1, mean: 4 })
    expect(summarize([])).toBeNull()
  })
})

describe('toRespondWithin(ms, { percentile })', () => {
  it('passes when the percentile of all turns is within the budget, although one turn is over it', async () => {
    // 20 turns, one slow: p95 is the 19th smallest, a fast one; p100 (the max) is the slow one.
    const latencies = Array.from({ length: 20 }, (_, i) => (i === 7 ? 200 : 0))
    const agent = await conversation(latencies)
    await expect(agent).toRespondWithin(150, { percentile: 95 })
    await expect(agent).not.toRespondWithin(150, { percentile: 100 })
    // The latest turn alone is fast.
    await expect(agent).toRespondWithin(150)
  })

  it('fails listing every turn, the percentile and the turns over the budget', async () => {
    const agent = await conversation([0, 0, 150, 0])
    const message = await failureOf(expect(agent).toRespondWithin(120, { percentile: 95 }))
    expect(message).toContain('Expected: p95 of first audio over the 4 turns so far within 120 ms of the end of each user turn')
    expect(message).toMatch(/Received: p95 \d+ ms; 1 of 4 turns over 120 ms: turn 3/)
    expect(message).toMatch(/turn 3 +\d+ ms {2}over by \d+ ms {2}← p95/)
    expect(message.match(/^ {2}turn \d/gm)).toHaveLength(4)
    expect(message).toContain('p95 by nearest rank: the 4th smallest of 4 latencies.')
  })

  it('waits for the latest turn, which counts like the others (audio input)', async () => {
    const { agent } = await voiceAgent({ latencyMs: ({ turn }) => (turn === 1 ? 150 : 0), paceMs: 0 })
    await agent.sendAudio(speech('hello'))
    await drain(agent)
    await agent.sendAudio(speech('are you there'))
    // Nothing read yet: the matcher ends the second turn and waits for its first audio.
    // p50 of two turns is the faster one: passes; p95 is the slower one, the turn the matcher waited for.
    await expect(agent).toRespondWithin(120, { percentile: 50 })
    const message = await failureOf(expect(agent).toRespondWithin(120, { percentile: 95 }))
    expect(message).toMatch(/Received: p95 \d+ ms; 1 of 2 turns over 120 ms: turn 2/)
  })

  it('measures first speech per turn with measure: first-speech', async () => {
    const agent = await conversation([0, 0, 0], { reply: 'Your table for two is booked.' })
    await expect(agent).toRespondWithin(2000, { percentile: 95, measure: 'first-speech' })
    const message = await failureOf(expect(agent).not.toRespondWithin(2000, { percentile: 95, measure: 'first-speech' }))
    expect(message).toContain('Expected: p95 of first speech over the 3 turns so far later than 2000 ms after the end of each user turn')
  })

  it('a turn without audio counts as the slowest', async () => {
    const { agent } = await voiceAgent({ reply: ({ turn }) => (turn === 0 ? { text: 'Hi.' } : { text: 'Hi.', audio: Buffer.alloc(0) }), paceMs: 0 })
    await agent.sendText('one')
    await drain(agent)
    await agent.sendText('two')
    const message = await failureOf(expect(agent).toRespondWithin(1000, { percentile: 95 }))
    expect(message).toMatch(/Received: p95 none \(a turn without audio\); 1 of 2 turns over 1000 ms: turn 2/)
    expect(message).toMatch(/turn 2 {2}— \(the response ended \(completed\) without audio\) {2}← p95/)
    expect(message).toContain('(a turn without audio counts as the slowest).')
  })

  it('lists at most 30 turns: beyond that only the turns over the budget', async () => {
    const latencies = Array.from({ length: 40 }, (_, i) => (i === 33 ? 150 : 0))
    const agent = await conversation(latencies)
    const message = await failureOf(expect(agent).toRespondWithin(100, { percentile: 99 }))
    expect(message.match(/^ {2}turn \d/gm)).toHaveLength(1)
    expect(message).toContain('… 39 more turns, all within 100 ms')
  })

  it('rejects a percentile outside (0, 100] with a typed error naming the option', async () => {
    const { agent } = await voiceAgent()
    for (const bad of [0, -5, 101, Number.NaN, '95']) {
      await expect(expect(agent).toRespondWithin(100, { percentile: bad as number })).rejects.toThrow(
        /option "percentile" must be a number in \(0, 100\], e.g. 95 for p95, got/,
      )
    }
  })
})

describe('toRespondWithin(ms, { percentile }) failure messages', () => {
  it('fails when the percentile is over the budget: message', async () => {
    // The slowest turn is the p90 (5th of 5), and two turns are over the budget.
    const agent = await conversation([0, 130, 0, 0, 260])
    expect(aligned(await stableFailureOf(expect(agent).toRespondWithin(100, { percentile: 90 }), ['100 ms']))).toMatchSnapshot()
  })

  it('.not fails when the percentile is within the budget: message', async () => {
    const agent = await conversation([0, 60, 0])
    expect(aligned(await stableFailureOf(expect(agent).not.toRespondWithin(1000, { percentile: 95 }), ['1000 ms']))).toMatchSnapshot()
  })
})
