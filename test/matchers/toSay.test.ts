import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { failureOf, stableFailureOf, unfinishedResponse, voiceAgent } from '../helpers/voice.js'

describe('toSay', () => {
  it('passes on a fuzzy contained phrase with numbers as words or digits', async () => {
    const { agent } = await voiceAgent({ reply: 'Sure, your table for two is booked for 7 pm.' })
    await agent.sendText('book a table')
    await expect(agent).toSay('table for 2 is booked for seven pm')
  })

  it('fails on a different answer, showing the transcript, WER and alignment', async () => {
    const { agent } = await voiceAgent({ reply: 'Sorry, your table is cancelled.' })
    await agent.sendText('book a table')
    const message = await failureOf(expect(agent).toSay('table for 2 is booked for seven pm'))
    expect(message.split('Timings:')[0]).toMatchSnapshot()
  })

  it('supports .not', async () => {
    const { agent } = await voiceAgent({ reply: 'Sorry, your table is cancelled.' })
    await agent.sendText('book a table')
    await expect(agent).not.toSay('your table is booked')
    const message = await failureOf(expect(agent).not.toSay('table is cancelled'))
    expect(message).toContain('expect(agent).not.toSay(expected)')
    expect(message).toContain('Expected: the agent to not say "table is cancelled"')
  })

  it('matches a RegExp against the raw transcript and works with asymmetric matchers', async () => {
    const { agent } = await voiceAgent({ reply: 'Your table for two is booked for 7 pm.' })
    await agent.sendText('book')
    await expect(agent).toSay(/table .* booked/i)
    await expect(agent).toSay(expect.stringContaining('booked for 7'))
    await expect(agent).not.toSay(/cancelled/)
    const message = await failureOf(expect(agent).toSay(expect.stringContaining('cancelled')))
    expect(message).toContain('StringContaining "cancelled"')
  })

  it('exact mode compares the whole normalised transcript', async () => {
    const { agent } = await voiceAgent({ reply: "I'd like two tables." })
    await agent.sendText('x')
    await expect(agent).toSay('i would like 2 tables', { exact: true })
    await expect(agent).not.toSay('like 2 tables', { exact: true })
  })

  it('rejects a non-string expectation with a typed error', async () => {
    const { agent } = await voiceAgent()
    // @ts-expect-error toSay takes a string, RegExp or asymmetric matcher
    await expect(expect(agent).toSay(42)).rejects.toThrow(/expected must be a string, a RegExp or an asymmetric matcher/)
  })
})

// Failure messages, snapshotted (measured timings normalised to `<n> ms`). The failing phrase match itself is
// snapshotted above ('fails on a different answer').
describe('toSay failure messages', () => {
  it('.not fails when the agent said the phrase: message', async () => {
    const { agent } = await voiceAgent({ reply: 'Sorry, your table is cancelled.' })
    await agent.sendText('book a table')
    expect(await stableFailureOf(expect(agent).not.toSay('table is cancelled'))).toMatchSnapshot()
  })

  it('fails, and .not fails, on a RegExp: messages', async () => {
    const { agent } = await voiceAgent({ reply: 'Your table for two is booked for 7 pm.' })
    await agent.sendText('book')
    expect(await stableFailureOf(expect(agent).toSay(/cancel+ed/i))).toMatchSnapshot()
    expect(await stableFailureOf(expect(agent).not.toSay(/booked for \d+ pm/))).toMatchSnapshot()
  })

  it('fails in exact mode: message', async () => {
    const { agent } = await voiceAgent({ reply: "I'd like two tables." })
    await agent.sendText('x')
    expect(await stableFailureOf(expect(agent).toSay('like 2 tables', { exact: true }))).toMatchSnapshot()
  })

  it('fails when the agent was asked nothing: message', async () => {
    const { agent } = await voiceAgent()
    expect(await failureOf(expect(agent).toSay('hello', { timeout: 100 }))).toMatchSnapshot()
  })

  it('.not fails too when the agent was asked nothing, or its response has not ended (transcript or audio): messages', async () => {
    const { agent } = await voiceAgent()
    expect(await failureOf(expect(agent).not.toSay('hello', { timeout: 50 }))).toMatchSnapshot()
    expect(await failureOf(expect(agent).not.toSay('hello', { from: 'audio', timeout: 50 }))).toMatchSnapshot()
    const slow = await unfinishedResponse({ reply: 'Booked.' })
    const keep = ['within 50 ms']
    expect(await stableFailureOf(expect(slow).toSay('booked', { timeout: 50 }), keep)).toMatchSnapshot()
    expect(await stableFailureOf(expect(slow).not.toSay('booked', { timeout: 50 }), keep)).toMatchSnapshot()
    expect(await stableFailureOf(expect(slow).not.toSay('booked', { from: 'audio', timeout: 50 }), keep)).toMatchSnapshot()
  })

  it('fails, with and without .not, when given something that is not an adapter: messages', async () => {
    expect(await failureOf(expect({ not: 'an agent' }).toSay('hello'))).toMatchSnapshot()
    expect(await failureOf(expect(null).not.toSay('hello'))).toMatchSnapshot()
  })
})
