import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { failureOf, speech, stableFailureOf, voiceAgent } from '../helpers/voice.js'

describe('toTranscribeAs', () => {
  it('passes when what the model heard is within maxWer, waiting for the late transcription', async () => {
    const { agent } = await voiceAgent({ transcriptionDelayMs: 150 })
    await agent.sendAudio(speech('book a table for two please'))
    await expect(agent).toTranscribeAs('book a table for 2 please')
  })

  it('fails beyond maxWer, showing the word alignment', async () => {
    const { agent } = await voiceAgent({ transcribe: () => 'cook a cable for you please' })
    await agent.sendAudio(speech('anything'))
    const message = await failureOf(expect(agent).toTranscribeAs('book a table for two please'))
    expect(message).toMatchSnapshot()
  })

  it('passes within a looser maxWer and supports .not', async () => {
    const { agent } = await voiceAgent({ transcribe: () => 'book a cable for two please' })
    await agent.sendAudio(speech('anything'))
    await expect(agent).toTranscribeAs('book a table for two please', { maxWer: 0.2 })
    await expect(agent).not.toTranscribeAs('book a table for two please', { maxWer: 0 })
    const message = await failureOf(expect(agent).not.toTranscribeAs('book a cable for two please'))
    expect(message).toContain('Expected: the model to not hear')
  })

  it('fails clearly when the latest turn was text', async () => {
    const { agent } = await voiceAgent()
    await agent.sendText('typed, not spoken')
    const message = await failureOf(expect(agent).toTranscribeAs('typed', { timeout: 200 }))
    expect(message).toContain('No user audio turn to check')
  })
})

// Failure messages, snapshotted. The failing case is snapshotted above ('fails beyond maxWer').
describe('toTranscribeAs failure messages', () => {
  it('.not fails when the model heard the words: message', async () => {
    const { agent } = await voiceAgent({ transcribe: () => 'book a cable for two please' })
    await agent.sendAudio(speech('anything'))
    expect(await failureOf(expect(agent).not.toTranscribeAs('book a table for two please'))).toMatchSnapshot()
  })

  it('fails when no transcription arrives within the timeout: message', async () => {
    const { agent } = await voiceAgent({ transcriptionDelayMs: 5000 })
    await agent.sendAudio(speech('book a table'))
    expect(await stableFailureOf(expect(agent).toTranscribeAs('book a table', { timeout: 300 }), ['within 300 ms'])).toMatchSnapshot()
  })

  it('fails when the latest turn was text: message', async () => {
    const { agent } = await voiceAgent()
    await agent.sendText('typed, not spoken')
    expect(await failureOf(expect(agent).toTranscribeAs('typed', { timeout: 200 }))).toMatchSnapshot()
  })

  it('fails, with and without .not, when given something that is not an adapter: messages', async () => {
    expect(await failureOf(expect({ not: 'an agent' }).toTranscribeAs('hello'))).toMatchSnapshot()
    expect(await failureOf(expect(undefined).not.toTranscribeAs('hello'))).toMatchSnapshot()
  })
})
