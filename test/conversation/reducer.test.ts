/** The reducer on event lists alone: no socket, no adapter. */
import { describe, expect, it } from 'vitest'
import {
  applyServerEvent,
  Conversation,
  hasOpenResponse,
  interrupted,
  responseCreateSent,
  followUpAwaited,
  responseRequested,
  subscribe,
  toolCallSettled,
  toolCallStarted,
  toolOutputSent,
  turnOfToolCall,
  userAudio,
  userAudioCommitted,
  userText,
} from '../../src/conversation/reducer.js'
import type { ServerEvent } from '../../src/protocol/events.js'
import { isTurnOpen } from '../../src/conversation/records.js'
import { formatTranscript } from '../../src/conversation/transcript-serializer.js'

const b64 = (bytes: number) => Buffer.alloc(bytes, 1).toString('base64')

/** Applies `events` at t = 100, 110, 120, ... and returns the outcomes. */
function feed(c: Conversation, events: ServerEvent[], start = 100) {
  return events.map((e, i) => applyServerEvent(c, e.type, e, start + i * 10))
}

/** A user audio turn ended at t = 50 whose response.create went out with event id `evt_1`. */
function audioTurn(c = new Conversation()) {
  userAudio(c, Buffer.alloc(4800))
  const turn = userAudioCommitted(c, 50)
  const response = responseRequested(c, turn, 50)
  responseCreateSent(c, response, 'evt_1', 50)
  return { c, turn, response }
}

const GA_AUDIO_TURN: ServerEvent[] = [
  { type: 'input_audio_buffer.committed', item_id: 'item_user' },
  { type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } },
  { type: 'response.output_item.added', response_id: 'resp_1', item: { id: 'item_agent', type: 'message' } },
  { type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_agent', delta: 'Hello ' },
  { type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_agent', delta: b64(4800) },
  { type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: 'item_agent', delta: 'there' },
  { type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_agent', delta: b64(2400) },
  { type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_agent', transcript: 'Hello there.' },
  { type: 'response.done', response: { id: 'resp_1', status: 'completed' } },
  { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_user', transcript: 'hi' },
]

describe('conversation reducer', () => {
  it('turns a GA audio turn into one turn record with its response, timings and transcripts', () => {
    const { c, turn, response } = audioTurn()
    const outcomes = feed(c, GA_AUDIO_TURN)
    expect(turn).toMatchObject({ input: 'audio', audioBytes: 4800, itemId: 'item_user', endedAt: 50, transcription: 'hi' })
    expect(response).toMatchObject({
      id: 'resp_1',
      status: 'completed',
      createdAt: 110,
      firstTranscriptAt: 130,
      firstAudioAt: 140,
      lastAudioAt: 160,
      doneAt: 180,
      audioBytes: 7200,
      transcript: 'Hello there.',
      transcriptFinal: true,
    })
    expect(response.audio.map((a) => a.receivedAt)).toEqual([140, 160])
    // The audio of the response being read is handed to the caller; the end of the response is announced.
    expect(outcomes.filter((o) => o.chunk).map((o) => o.chunk!.data.length)).toEqual([4800, 2400])
    expect(outcomes[8]!.done).toBe(response)
    expect(c.lastAgentTranscript).toBe('Hello there.')
    expect(c.lastUserTranscript).toBe('hi')
    expect(c.transcript).toEqual([
      { role: 'user', kind: 'audio', text: 'hi', status: 'completed' },
      { role: 'agent', kind: 'audio', text: 'Hello there.', status: 'completed' },
    ])
    // The interleaved audio and transcript deltas of the agent's item are one entry of each.
    expect(c.timeline.filter((e) => e.direction === 'in').map((e) => [e.type, e.count ?? 1, e.bytes, e.at])).toEqual([
      ['input_audio_buffer.committed', 1, undefined, 100],
      ['response.created', 1, undefined, 110],
      ['response.output_item.added', 1, undefined, 120],
      ['response.output_audio_transcript.delta', 2, undefined, 130],
      ['response.output_audio.delta', 2, 7200, 140],
      ['response.output_audio_transcript.done', 1, undefined, 170],
      ['response.done', 1, undefined, 180],
      ['conversation.item.input_audio_transcription.completed', 1, undefined, 190],
    ])
  })

  it('keeps the interleaved deltas of one item as two runs, and starts new runs after any other event or item', () => {
    const { c } = audioTurn()
    const audio = (item: string) => ({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: item, delta: b64(480) })
    const words = (item: string) => ({ type: 'response.output_audio_transcript.delta', response_id: 'resp_1', item_id: item, delta: 'w ' })
    feed(c, [
      { type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } },
      ...Array.from({ length: 50 }, (_, i) => (i % 2 ? audio('item_a') : words('item_a'))),
      { type: 'response.output_audio.done', response_id: 'resp_1', item_id: 'item_a' },
      audio('item_a'),
      words('item_b'),
      audio('item_b'),
      audio('item_a'),
    ])
    expect(
      c.timeline.filter((e) => e.direction === 'in' && e.type !== 'response.created').map((e) => [e.type.slice(16), e.itemId, e.count ?? 1, e.bytes]),
    ).toEqual([
      ['audio_transcript.delta', 'item_a', 25, undefined],
      ['audio.delta', 'item_a', 25, 25 * 480],
      ['audio.done', 'item_a', 1, undefined],
      ['audio.delta', 'item_a', 1, 480],
      ['audio_transcript.delta', 'item_b', 1, undefined],
      ['audio.delta', 'item_b', 1, 480],
      ['audio.delta', 'item_a', 1, 480],
    ])
  })

  it('drops a trailing odd byte of a delta and hands out no audio that arrives after response.done', () => {
    const { c, response } = audioTurn()
    const [odd] = feed(c, [{ type: 'response.output_audio.delta', response_id: 'resp_1', delta: b64(481) }])
    expect(odd!.chunk!.data.length).toBe(480)
    const late = feed(
      c,
      [
        { type: 'response.done', response: { id: 'resp_1', status: 'completed' } },
        { type: 'response.output_audio.delta', response_id: 'resp_1', delta: b64(480) },
      ],
      300,
    )
    expect(late[1]!.chunk).toBeUndefined()
    expect(response.audioBytes).toBe(960)
  })

  it('reads an unknown or missing final status as completed, and finalises a streamed transcript on cancel', () => {
    const { c, response } = audioTurn()
    feed(c, [
      { type: 'response.created', response: { id: 'resp_1' } },
      { type: 'response.output_audio_transcript.delta', response_id: 'resp_1', delta: 'Half a sen' },
      { type: 'response.done', response: { id: 'resp_1', status: 'cancelled' } },
    ])
    expect(response).toMatchObject({ status: 'cancelled', transcript: 'Half a sen', transcriptFinal: true })
    const second = audioTurn(c).response
    feed(c, [{ type: 'response.done', response: { status: 'in_progress' } }], 400)
    expect(second.status).toBe('completed')
  })

  it('records an interrupt: open responses marked, audio after it counted, truncation at the audio received', () => {
    const { c, response } = audioTurn()
    feed(c, GA_AUDIO_TURN.slice(0, 5))
    const target = interrupted(c, 145)
    expect(target.active).toEqual([response])
    expect(target.truncate).toEqual({ itemId: 'item_agent', audioEndMs: 100 })
    feed(c, [{ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_agent', delta: b64(960) }], 150)
    expect(response).toMatchObject({ interruptedAt: 145, audioBytesAfterInterrupt: 960 })
    expect(c.transcript.at(-1)?.status).toBe('interrupted')
  })

  it('does not let a late response.created take the record of the next response', () => {
    const { c, response } = audioTurn()
    feed(c, [{ type: 'response.output_audio.delta', response_id: 'resp_1', delta: b64(480) }])
    const next = audioTurn(c).response
    feed(
      c,
      [
        { type: 'response.created', response: { id: 'resp_1' } },
        { type: 'response.created', response: { id: 'resp_2' } },
      ],
      200,
    )
    expect(response.id).toBe('resp_1')
    expect(next.id).toBe('resp_2')
  })

  it('keeps a response the server started on its own apart from the one being read', () => {
    const c = new Conversation()
    feed(c, [
      { type: 'response.created', response: { id: 'resp_vad' } },
      { type: 'response.output_audio.delta', response_id: 'resp_vad', delta: b64(480) },
    ])
    expect(c.responses).toHaveLength(1)
    expect(c.currentResponse).toBeNull()
    expect(hasOpenResponse(c)).toBe(true)
  })

  it('ignores routine errors, retries a refused create, fails a response whose create was rejected', () => {
    const { c, response } = audioTurn()
    const [routine] = feed(c, [{ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'no' } }])
    expect(routine).toEqual({})
    expect(c.errors).toHaveLength(0)
    const [busy] = feed(c, [
      { type: 'error', error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'busy', event_id: 'evt_1' } },
    ])
    expect(busy!.retry).toBe(response)
    expect(c.awaitingCreated).not.toContain(response)
    responseCreateSent(c, response, 'evt_2', 200)
    const [refused] = feed(c, [{ type: 'error', error: { type: 'invalid_request_error', code: 'bad', message: 'nope', event_id: 'evt_2' } }], 210)
    expect(refused!.error).toMatchObject({ name: 'RealtimeServerError', code: 'bad', serverMessage: 'nope' })
    expect(response).toMatchObject({ status: 'failed', doneAt: 210 })
  })

  it('redacts every server-chosen string of an error', () => {
    const c = new Conversation({ redact: (t) => t.replaceAll('SECRET', '[redacted]') })
    const [outcome] = feed(c, [{ type: 'error', error: { type: 'SECRET_type', code: 'SECRET', message: 'echo SECRET', param: 'SECRET' } }])
    expect(JSON.stringify({ ...outcome!.error, message: outcome!.error!.message })).not.toContain('SECRET')
  })

  it('keeps the newest 100 server errors and counts the rest', () => {
    const c = new Conversation()
    feed(
      c,
      Array.from({ length: 250 }, (_, i) => ({ type: 'error', error: { type: 'server_error', code: `e${i}`, message: 'flood' } })),
    )
    expect(c.errors).toHaveLength(100)
    expect(c.errors[0]!.code).toBe('e150')
    expect(c.droppedErrors).toBe(150)
  })

  it('records each function call once, on its response', () => {
    const { c, response } = audioTurn()
    const call = {
      type: 'response.function_call_arguments.done',
      response_id: 'resp_1',
      item_id: 'fc_1',
      call_id: 'call_1',
      name: 'book',
      arguments: '{"party":2}',
    }
    feed(c, [{ type: 'response.created', response: { id: 'resp_1' } }, call, call])
    expect(response.toolCalls).toEqual([
      {
        name: 'book',
        callId: 'call_1',
        arguments: '{"party":2}',
        responseId: 'resp_1',
        itemId: 'fc_1',
        receivedAt: 110,
        output: null,
        startedAt: null,
        endedAt: null,
        error: null,
      },
    ])
    expect(c.toolCalls).toEqual(response.toolCalls)
  })

  it('keeps a tool call and its follow-up response on one turn, the latest response being the one heard', () => {
    const { c, turn, response } = audioTurn()
    const [, outcome] = feed(c, [
      { type: 'response.created', response: { id: 'resp_1' } },
      {
        type: 'response.function_call_arguments.done',
        response_id: 'resp_1',
        item_id: 'fc_1',
        call_id: 'call_1',
        name: 'book_table',
        arguments: '{"party":2}',
      },
    ])
    const call = outcome!.toolCall!
    expect(call).toBe(response.toolCalls[0])
    followUpAwaited(c, response, true)
    toolCallStarted(c, call, 125)
    feed(c, [{ type: 'response.done', response: { id: 'resp_1', status: 'completed' } }], 130)
    // The response is done but the turn is not: its follow-up is still to come.
    expect(isTurnOpen(turn)).toBe(true)
    toolCallSettled(c, call, 140)
    expect(toolOutputSent(c, 'call_1', '{"ok":true}', 141)).toBe(call)
    expect(turnOfToolCall(c, 'call_1')).toBe(turn)
    const followUp = responseRequested(c, turn, 142)
    responseCreateSent(c, followUp, 'evt_2', 142)
    feed(
      c,
      [
        { type: 'response.created', response: { id: 'resp_2' } },
        { type: 'response.output_audio_transcript.done', response_id: 'resp_2', transcript: 'Booked for two.' },
        { type: 'response.done', response: { id: 'resp_2', status: 'completed' } },
      ],
      150,
    )
    expect(c.turns).toHaveLength(1)
    expect(turn.responses).toEqual([response, followUp])
    expect(turn.response).toBe(followUp)
    expect(response.awaitingFollowUp).toBe(false)
    expect(isTurnOpen(turn)).toBe(false)
    expect(call).toMatchObject({ output: '{"ok":true}', startedAt: 125, endedAt: 140, error: null })
    expect(formatTranscript(c.transcript)).toBe(
      ['user: … [not transcribed]', 'agent: [tool call] book_table({"party":2}) → {"ok":true}', 'agent: Booked for two.'].join('\n'),
    )
  })

  it('marks a failed tool call in the transcript, and an interrupt cancels an awaited follow-up', () => {
    const { c, turn, response } = audioTurn()
    const [, outcome] = feed(c, [
      { type: 'response.created', response: { id: 'resp_1' } },
      { type: 'response.function_call_arguments.done', response_id: 'resp_1', call_id: 'call_1', name: 'f', arguments: '{}' },
    ])
    followUpAwaited(c, response, true)
    interrupted(c, 130)
    expect(response.awaitingFollowUp).toBe(false)
    toolCallSettled(c, outcome!.toolCall!, 131, 'boom')
    expect(isTurnOpen(turn)).toBe(true) // resp_1 itself is still open until its response.done
    feed(c, [{ type: 'response.done', response: { id: 'resp_1', status: 'cancelled' } }], 140)
    expect(isTurnOpen(turn)).toBe(false)
    expect(formatTranscript(c.transcript)).toBe(['user: … [not transcribed]', 'agent: [tool call] f({}) [failed]', 'agent: … [interrupted]'].join('\n'))
  })

  it('wakes its listeners on every change, until they unsubscribe', () => {
    const c = new Conversation()
    let calls = 0
    const unsubscribe = subscribe(c, () => calls++)
    userText(c, 'hello', 1)
    feed(c, [{ type: 'response.created', response: { id: 'r' } }])
    expect(calls).toBe(2)
    unsubscribe()
    feed(c, [{ type: 'response.done', response: { id: 'r' } }])
    expect(calls).toBe(2)
  })

  it('attributes a transcription to the turn of its item, else to the latest ended audio turn', () => {
    const c = new Conversation()
    const first = audioTurn(c).turn
    feed(c, [{ type: 'input_audio_buffer.committed', item_id: 'item_a' }])
    const second = audioTurn(c).turn
    feed(c, [
      { type: 'conversation.item.input_audio_transcription.completed', transcript: 'second' },
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_a', transcript: 'first' },
      { type: 'conversation.item.input_audio_transcription.failed', item_id: 'nope', error: { message: 'too quiet' } },
    ])
    expect(first.transcription).toBe('first')
    expect(second).toMatchObject({ transcription: 'second', transcriptionFailed: 'too quiet' })
  })
})
