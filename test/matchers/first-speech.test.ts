import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { synthesizeSpeech } from '../../src/index.js'
import { responseSpeechTiming, silence, tone } from '../../src/audio.js'
import { failureOf, speech, voiceAgent } from '../helpers/voice.js'

const LINE = 'Your table is booked.'
/** Exact PCM for the fake server to stream: `ms` of digital silence, then synthetic speech. */
const afterSilence = (ms: number) => ({ text: LINE, audio: Buffer.concat([silence(ms).data, synthesizeSpeech(LINE)]) })

describe("toRespondWithin(ms, { measure: 'first-speech' })", () => {
  it('measures first speech = first audio + the leading silence (300 ms)', async () => {
    const { agent } = await voiceAgent({ reply: afterSilence(300), latencyMs: 80 })
    await agent.sendAudio(speech('book a table'))
    await expect(agent).toRespondWithin(5000, { measure: 'first-speech' })
    const r = agent.currentResponse!
    const timing = responseSpeechTiming(r)
    expect(timing.leadingSilenceMs).toBe(300)
    expect(timing.firstSpeechMs).toBe(300)
    // Audio streams faster than real time, so the speech is heard exactly 300 ms (±1 ms of onset resolution)
    // after the first audio, whenever its chunk arrived.
    expect(Math.abs(timing.firstSpeechAt! - r.firstAudioAt! - 300)).toBeLessThanOrEqual(1)
    expect(timing.firstSpeechReceivedAt! - r.firstAudioAt!).toBeLessThan(300)
  })

  it('fails where first-audio passes, and the message gives both and the leading silence', async () => {
    const { agent } = await voiceAgent({ reply: afterSilence(600), latencyMs: 50 })
    await agent.sendText('book a table')
    await expect(agent).toRespondWithin(400)
    const message = await failureOf(expect(agent).toRespondWithin(400, { measure: 'first-speech' }))
    expect(message).toContain('Expected: first speech within 400 ms of the end of the user turn')
    const [, speechMs, over, audioMs] = /first speech after (\d+) ms \((\d+) ms over\): first audio after (\d+) ms, then 600 ms of leading silence/.exec(
      message,
    )!
    expect(Number(speechMs) - Number(audioMs)).toBeGreaterThanOrEqual(599)
    expect(Number(speechMs) - Number(audioMs)).toBeLessThanOrEqual(601)
    expect(Number(over)).toBe(Number(speechMs) - 400)
    expect(message).toMatch(/first audio\s+\+\d+ ms\n\s+first speech\s+\+\d+ ms \(heard; 600 ms of leading silence, its chunk arrived at \+\d+ ms\)/)
    await expect(agent).not.toRespondWithin(400, { measure: 'first-speech' })
  })

  it('fails when the response holds no speech, giving the threshold and the loudest frame', async () => {
    const { agent } = await voiceAgent({ reply: { text: '…', audio: Buffer.concat([silence(200).data, tone(300, 300, { amplitude: 0.001 }).data]) } })
    await agent.sendText('hello?')
    const message = await failureOf(expect(agent).toRespondWithin(1000, { measure: 'first-speech' }))
    expect(message).toMatch(
      /the response ended \(completed\) after 500 ms of audio with no speech in it: nothing at or above -45\.0 dBFS for 60 ms \(loudest 10 ms frame -63\.\d dBFS\)/,
    )
    // As with first-audio: no speech at all is "not within 1000 ms", so .not passes.
    await expect(agent).not.toRespondWithin(1000, { measure: 'first-speech' })
    // A lower threshold finds the quiet tone.
    await expect(agent).toRespondWithin(1000, { measure: 'first-speech', speechDetection: { thresholdDb: -70 } })
  })

  it('returns as soon as speech is confirmed, without waiting for the end of the response', async () => {
    const long = 'This is a long answer about the opening hours, the menu, the wine list and the parking of the restaurant.'
    const { agent } = await voiceAgent({ reply: long, paceMs: 10 })
    await agent.sendText('tell me everything')
    await expect(agent).toRespondWithin(5000, { measure: 'first-speech' })
    expect(agent.currentResponse!.doneAt).toBeNull()
    await expect(agent).toSay(long, { exact: true })
  })

  it('rejects an unknown measure', async () => {
    const { agent } = await voiceAgent()
    await expect(expect(agent).toRespondWithin(100, { measure: 'first-word' as never })).rejects.toThrow(
      /option "measure" must be 'first-audio' or 'first-speech', got "first-word"/,
    )
  })
})

describe('toStopOnInterrupt evidence: speech after the interrupt', () => {
  const LONG = 'This is a long answer about the opening hours of the restaurant, the menu, the wine list and the parking.'

  it('says how much of the audio after the interrupt was speech', async () => {
    const { agent } = await voiceAgent({ reply: LONG, paceMs: 10, honourCancel: false })
    await agent.sendText('tell me everything')
    const message = await failureOf(expect(agent).toStopOnInterrupt({ within: 50, afterMs: 200 }))
    const [, speechMs, audioMs, firstAt] = /Speech after the interrupt: (\d+) ms of the (\d+) ms, the first of it arriving at \+(\d+) ms/.exec(message)!
    expect(Number(audioMs)).toBeGreaterThan(1000)
    expect(Number(speechMs)).toBeGreaterThan(1000) // the synthetic voice is speech all along (40 ms word gaps)
    expect(Number(speechMs)).toBeLessThanOrEqual(Number(audioMs))
    expect(Number(firstAt)).toBeLessThan(1000)
    expect(message).toMatch(/Interrupted after \d+ ms of agent audio \(speech from 0 ms into it\)\./)
  })

  it('tells silence after the interrupt from speech', async () => {
    // 300 ms of speech, then 2 s of silence that the agent keeps sending after the interrupt.
    const audio = Buffer.concat([synthesizeSpeech('Hello'), silence(2000).data])
    const { agent } = await voiceAgent({ reply: { text: 'Hello', audio }, paceMs: 20, honourCancel: false })
    await agent.sendText('hi')
    const message = await failureOf(expect(agent).toStopOnInterrupt({ within: 50, afterMs: 500 }))
    expect(message).toMatch(/\d+ ms of audio arrived after the interrupt/)
    expect(message).toContain('Speech after the interrupt: none (the audio after it stayed below -45.0 dBFS).')
  })

  it('an agent that stops at once has no speech after the interrupt', async () => {
    const { agent } = await voiceAgent({ reply: LONG, paceMs: 20 })
    await agent.sendText('tell me everything')
    await expect(agent).toStopOnInterrupt()
    const timing = responseSpeechTiming(agent.currentResponse!)
    expect(timing.afterInterrupt).not.toBeNull()
    expect(timing.afterInterrupt!.speechMs).toBeLessThanOrEqual(timing.afterInterrupt!.audioMs)
    expect(timing.afterInterrupt!.audioMs).toBeLessThanOrEqual(300) // at most the chunks already in flight
  })
})
