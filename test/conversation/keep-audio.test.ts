/** Retention (`keepAudio`) in the reducer: what stays in the records, what is counted, what is handed out. */
import { describe, expect, it } from 'vitest'
import {
  applyServerEvent,
  Conversation,
  responseCreateSent,
  responseRequested,
  userAudio,
  userAudioCommitted,
  userText,
} from '../../src/conversation/reducer.js'
import type { KeepAudio, ResponseRecord } from '../../src/conversation/records.js'
import { conversationReport } from '../../src/reports/conversation-report.js'
import { layoutConversation } from '../../src/reports/layout.js'
import { speechWatcher } from '../../src/conversation/speech-timing.js'
import { synthesizeSpeech } from '../../src/audio/synthetic-voice.js'

/** `n` deltas of `ms` ms each (PCM16 at 24 kHz), every byte of delta i equal to i & 255. */
function stream(c: Conversation, response: string, n: number, ms: number, start = 0) {
  const outcomes = []
  for (let i = 0; i < n; i++) {
    const delta = Buffer.alloc(ms * 48, (start + i) & 255).toString('base64')
    outcomes.push(
      applyServerEvent(
        c,
        'response.output_audio.delta',
        { type: 'response.output_audio.delta', response_id: response, item_id: `item_${response}`, delta },
        1000 + start + i,
      ),
    )
  }
  return outcomes
}

function withResponse(keepAudio: KeepAudio, id = 'resp_1', c = new Conversation({ keepAudio })): { c: Conversation; r: ResponseRecord } {
  const r = responseRequested(c, userText(c, 'hi', 1), 1)
  responseCreateSent(c, r, `evt_${id}`, 1)
  applyServerEvent(c, 'response.created', { type: 'response.created', response: { id, status: 'in_progress' } }, 2)
  return { c, r }
}

const keptMs = (r: ResponseRecord) => r.audio.reduce((n, a) => n + a.data.length / 48, 0)

describe('keepAudio', () => {
  it("'all' (the default) keeps every chunk", () => {
    const { c, r } = withResponse('all')
    stream(c, 'resp_1', 500, 20)
    expect(r.audio).toHaveLength(500)
    expect(r.audioBytes).toBe(500 * 960)
    expect(r.audioDroppedBytes).toBe(0)
    expect(r.audio[499]!.data.equals(Buffer.alloc(960, 499 & 255))).toBe(true)
  })

  it('{ lastMs } keeps the newest lastMs (at least) and counts the rest, over an hour of audio, with flat memory', () => {
    const { c, r } = withResponse({ lastMs: 1000 })
    const outcomes = stream(c, 'resp_1', 36_000, 100) // one hour in 100 ms deltas
    expect(outcomes.every((o) => o.chunk?.data.length === 4800)).toBe(true)
    expect(r.audioBytes).toBe(36_000 * 4800)
    expect(keptMs(r)).toBe(1000)
    expect(r.audioDroppedBytes).toBe(r.audioBytes - 1000 * 48)
    // The newest chunks, in order, with their own arrival times.
    expect(r.audio.map((a) => a.data[0])).toEqual(Array.from({ length: 10 }, (_, i) => (35_990 + i) & 255))
    expect(r.audio.map((a) => a.receivedAt)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + 35_990 + i))
    expect(r.firstAudioAt).toBe(1000)
    // Only the slabs of the newest audio are still referenced.
    expect(new Set(r.audio.map((a) => a.data.buffer)).size).toBeLessThanOrEqual(2)
  })

  it('{ lastMs } lets the audio of earlier responses go first, and the current response keeps its newest', () => {
    const { c, r: first } = withResponse({ lastMs: 500 })
    stream(c, 'resp_1', 10, 100)
    applyServerEvent(c, 'response.done', { type: 'response.done', response: { id: 'resp_1', status: 'completed' } }, 1500)
    const { r: second } = withResponse({ lastMs: 500 }, 'resp_2', c)
    stream(c, 'resp_2', 3, 100, 100)
    expect(keptMs(first)).toBe(200)
    expect(keptMs(second)).toBe(300)
    expect(first.audioDroppedBytes).toBe(8 * 4800)
    stream(c, 'resp_2', 4, 100, 200)
    expect(keptMs(first)).toBe(0)
    expect(keptMs(second)).toBe(500)
    expect(second.audio.map((a) => a.data[0])).toEqual([102, 200, 201, 202, 203])
  })

  it("'none' keeps no audio bytes, counts them all, and still hands every chunk out", () => {
    const { c, r } = withResponse('none')
    const outcomes = stream(c, 'resp_1', 50, 20)
    expect(outcomes.map((o) => o.chunk?.data[0])).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(r.audio).toEqual([])
    expect(r.audioBytes).toBe(50 * 960)
    expect(r.audioDroppedBytes).toBe(50 * 960)
    expect(r.firstAudioAt).toBe(1000)
    expect(r.lastAudioAt).toBe(1049)
  })

  it('applies to the user audio sent, too', () => {
    const c = new Conversation({ keepAudio: { lastMs: 3000 } })
    for (let i = 0; i < 500; i++) userAudio(c, Buffer.alloc(960, i & 255)) // 10 s in 20 ms chunks
    const turn = userAudioCommitted(c, 50)
    expect(turn.audioBytes).toBe(480_000)
    const kept = turn.audio.reduce((n, b) => n + b.length, 0)
    expect(kept).toBeGreaterThanOrEqual(3000 * 48)
    expect(kept).toBeLessThan(6000 * 48)
    expect(turn.audioDroppedBytes).toBe(480_000 - kept)
    expect(
      Buffer.concat(turn.audio)
        .subarray(-960)
        .equals(Buffer.alloc(960, 499 & 255)),
    ).toBe(true)
    const none = new Conversation({ keepAudio: 'none' })
    const sent = userAudio(none, Buffer.alloc(960, 7))
    expect(sent.equals(Buffer.alloc(960, 7))).toBe(true)
    expect(none.turns[0]).toMatchObject({ audio: [], audioBytes: 960, audioDroppedBytes: 960 })
  })

  it('failure reports and recordings say which audio was not kept', () => {
    const c = new Conversation({ keepAudio: { lastMs: 1000 } })
    userAudio(c, Buffer.alloc(4800))
    const turn = userAudioCommitted(c, 5)
    const r = responseRequested(c, turn, 5)
    responseCreateSent(c, r, 'evt_1', 5)
    applyServerEvent(c, 'response.created', { type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } }, 6)
    stream(c, 'resp_1', 30, 100)
    const report = conversationReport({ transcript: c.transcript, turns: c.turns })
    expect(report).toContain('3000 ms of agent audio (the oldest 2000 ms not kept)')
    expect(report).toContain('keepAudio: the oldest 2000 ms of agent audio not kept; the recording holds the newest.')
    expect(layoutConversation(c).audioNotKept).toEqual({ userMs: 0, agentMs: 2000 })
    const all = withResponse('all')
    stream(all.c, 'resp_1', 3, 100)
    expect(layoutConversation(all.c).audioNotKept).toBeNull()
    expect(conversationReport({ transcript: all.c.transcript, turns: all.c.turns })).not.toContain('keepAudio')
  })
})

describe('speech timing with keepAudio', () => {
  /** Feeds `pcm` as 100 ms deltas, asking the watcher after each one, as a waiting matcher does. */
  function watch(keepAudio: KeepAudio, pcm: Buffer): { heard: boolean[]; r: ResponseRecord } {
    const { c, r } = withResponse(keepAudio)
    const watcher = speechWatcher()
    const heard: boolean[] = []
    for (let off = 0; off < pcm.length; off += 4800) {
      const delta = pcm.subarray(off, off + 4800).toString('base64')
      applyServerEvent(
        c,
        'response.output_audio.delta',
        { type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_resp_1', delta },
        10 + off,
      )
      heard.push(watcher(r))
    }
    return { heard, r }
  }

  it('{ lastMs } shorter than the leading silence: speech is still found, in the chunks that arrive after the drop', () => {
    // 2 s of silence, then speech: with 300 ms kept, the silent head is dropped long before the speech arrives.
    const pcm = Buffer.concat([Buffer.alloc(2000 * 48), synthesizeSpeech('the table is booked for four people')])
    const all = watch('all', pcm)
    const bounded = watch({ lastMs: 300 }, pcm)
    expect(bounded.r.audioDroppedBytes).toBeGreaterThan(0)
    expect(all.heard.indexOf(true)).toBeGreaterThanOrEqual(20)
    // The same delta confirms the speech whether or not the head was let go.
    expect(bounded.heard.indexOf(true)).toBe(all.heard.indexOf(true))
  })
})
