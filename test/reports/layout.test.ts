import { describe, expect, it } from 'vitest'
import type { ResponseRecord, TurnRecord } from '../../src/index.js'
import { silence, tone } from '../../src/audio.js'
import { conversationWav, layoutConversation } from '../../src/reports.js'
import { responseRecord, turnRecord } from '../helpers/builders.js'
import { firstNonZero, readPcm16Wav } from '../helpers/wav-info.js'

const RATE = 24_000
const at = (ms: number) => Math.round((ms * RATE) / 1000)

function turn(index: number, input: 'audio' | 'text', audio: Buffer[], endedAt: number | null, response: ResponseRecord | null): TurnRecord {
  return turnRecord(index, input, {
    text: input === 'text' ? 'typed line' : null,
    audio,
    transcription: input === 'audio' ? `turn ${index + 1} words` : null,
    endedAt,
    response,
  })
}

/** A response whose 100 ms tone chunks arrived at the given instants. */
function response(arrivals: number[], extra: Partial<ResponseRecord> = {}): ResponseRecord {
  return responseRecord(arrivals, { chunk: tone(400, 100, { amplitude: 0.5, phase: Math.PI / 2 }), transcript: 'agent words', ...extra })
}

/**
 * Turn 1: 1000 ms of user audio ending at t=5000, five agent chunks streamed fast from t=5200 (200 ms latency).
 * Turn 2: 500 ms of user audio sent while the agent's answer was still playing (ends at t=5300), the answer starts
 * 100 ms later, is interrupted after two chunks (t=5402), and a third chunk still arrives 48 ms after the interrupt.
 */
function twoTurns() {
  const first = response([5200, 5201, 5202, 5203, 5204])
  const second = response([5400, 5401, 5450], { interruptedAt: 5402, status: 'cancelled' })
  return [
    turn(0, 'audio', [tone(300, 1000, { amplitude: 0.3, phase: Math.PI / 2 }).data], 5000, first),
    turn(1, 'audio', [tone(300, 500, { amplitude: 0.3, phase: Math.PI / 2 }).data], 5300, second),
  ]
}

describe('layoutConversation', () => {
  it('places every response of a tool turn (the spoken lead-in, then the follow-up) and labels its tool calls', () => {
    const call = {
      name: 'book_table',
      callId: 'call_1',
      arguments: '{}',
      responseId: null,
      itemId: null,
      receivedAt: 5250,
      output: '{}',
      startedAt: 5250,
      endedAt: 5300,
      error: null,
    }
    const lead = response([5200], { toolCalls: [call] })
    const answer = response([5400, 5401])
    const t = turnRecord(0, 'text', { text: 'book', endedAt: 5000, response: answer, responses: [lead, answer] })
    const layout = layoutConversation({ turns: [t] })
    expect(layout.turns[0]!.response!.toolCalls).toEqual(['book_table'])
    // 300 ms of agent audio: the lead-in's chunk and the follow-up's two.
    const agentMs = (Array.from(layout.agent).filter((v) => v !== 0).length / RATE) * 1000
    expect(agentMs).toBeGreaterThan(250)
    expect(layout.agent[at(200 + 50)]).not.toBe(0)
    expect(layout.agent[at(400 + 50)]).not.toBe(0)
  })

  it('places user audio before the end of its turn and agent audio as a client would play it', () => {
    const layout = layoutConversation({ turns: twoTurns() })
    const [t1, t2] = layout.turns
    expect(t1).toMatchObject({ userStartMs: 0, userEndMs: 1000, ended: true, userText: 'turn 1 words' })
    expect(t1!.response).toMatchObject({ firstAudioMs: 1200, audioEndMs: 1700, latencyMs: 200, interruptMs: null, afterInterrupt: null })
    expect(t1!.response!.firstSpeechMs).toBeCloseTo(1200, 0)
    // Turn 2's audio cannot start before turn 1's answer finished playing: it is pushed to 1700..2200.
    expect(t2).toMatchObject({ userStartMs: 1700, userEndMs: 2200 })
    // Its answer keeps the measured 100 ms latency; the interrupt comes once the two chunks received before it played.
    expect(t2!.response).toMatchObject({ firstAudioMs: 2300, latencyMs: 100, interruptMs: 2500, status: 'cancelled' })
    // The chunk that arrived 48 ms after the interrupt is placed 48 ms after it.
    expect(t2!.response!.afterInterrupt).toMatchObject({ startMs: 2548, endMs: 2648, audioMs: 100, speechMs: 100 })
    expect(layout.durationMs).toBe(2648)
  })

  it('puts the samples where the layout says, on separate lanes', () => {
    const layout = layoutConversation({ turns: twoTurns() })
    expect(layout.user.length).toBe(at(2648))
    expect(layout.agent.length).toBe(at(2648))
    expect(firstNonZero(layout.user)).toBe(0)
    expect(firstNonZero(layout.agent)).toBe(at(1200))
    expect(firstNonZero(layout.user, at(1000))).toBe(at(1700))
    // Silence between the end of the answer and the post-interrupt chunk.
    expect(layout.agent.subarray(at(2500), at(2548)).every((v) => v === 0)).toBe(true)
    expect(firstNonZero(layout.agent, at(2500))).toBe(at(2548))
  })

  it('measures first speech after leading silence', () => {
    const r = responseRecord([], { requestedAt: 99 })
    const speech = Buffer.concat([silence(300).data, tone(400, 500, { amplitude: 0.5 }).data])
    for (let i = 0; i < speech.length; i += 4800) r.audio.push({ data: speech.subarray(i, i + 4800), sampleRate: RATE, receivedAt: 1100 + i / 4800 })
    r.firstAudioAt = 1100
    const layout = layoutConversation({ turns: [turn(0, 'text', [], 1000, r)] })
    const resp = layout.turns[0]!.response!
    expect(resp.latencyMs).toBe(100)
    expect(resp.leadingSilenceMs).toBeCloseTo(300, 0)
    expect(resp.speechLatencyMs).toBeCloseTo(400, 0)
    expect(resp.firstSpeechMs! - resp.firstAudioMs!).toBeCloseTo(300, 0)
    expect(layout.turns[0]).toMatchObject({ input: 'text', userText: 'typed line', userStartMs: 0, userEndMs: 0 })
  })

  it('copes with turns that never ended and responses without audio', () => {
    const noAudio = responseRecord([], { requestedAt: 10, status: 'failed' })
    const layout = layoutConversation({
      turns: [turn(0, 'text', [], 10, noAudio), turn(1, 'audio', [tone(300, 200).data], null, null)],
    })
    expect(layout.turns[0]!.response).toMatchObject({ firstAudioMs: null, firstSpeechMs: null, latencyMs: null, status: 'failed' })
    expect(layout.turns[1]).toMatchObject({ ended: false, userStartMs: 0, userEndMs: 200, response: null })
    expect(layout.durationMs).toBe(200)
    expect(layoutConversation({ turns: [] })).toMatchObject({ durationMs: 0, turns: [] })
  })
})

describe('conversationWav', () => {
  it('is a stereo PCM16 WAV of the layout: user left, agent right, exact length', () => {
    const layout = layoutConversation({ turns: twoTurns() })
    const wav = readPcm16Wav(conversationWav(layout))
    expect(wav).toMatchObject({ channels: 2, sampleRate: 24_000, bitsPerSample: 16, frames: at(2648), durationMs: 2648 })
    const bytes = (a: Int16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
    expect(bytes(wav.channelData[0]!).equals(bytes(layout.user))).toBe(true)
    expect(bytes(wav.channelData[1]!).equals(bytes(layout.agent))).toBe(true)
  })

  it('writes a valid (empty) WAV for an empty conversation', () => {
    const wav = readPcm16Wav(conversationWav(layoutConversation({ turns: [] })))
    expect(wav).toMatchObject({ channels: 2, frames: 0 })
  })
})
