/**
 * The fast path for audio deltas (decode.ts: base64 decoded from the frame's bytes, only the rest parsed) against
 * the full parse, on generated frames: both must leave IDENTICAL records. Each frame sequence goes through both
 * paths, as the adapter's message handler feeds them, into two Conversations, and the records are compared: turns,
 * responses (their audio chunks byte for byte), the timeline, transcripts and errors.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame } from '../../src/adapter/decode.js'
import { DECODED_SPAN } from '../../src/conversation/audio-store.js'
import { applyServerEvent, Conversation, recordSkippedFrame, responseCreateSent, responseRequested, userText } from '../../src/conversation/reducer.js'
import type { KeepAudio } from '../../src/conversation/records.js'

/** What the adapter's #onMessage does with one frame (`fast`: with the audio store, as the adapter calls it). */
function feed(c: Conversation, frame: Buffer, at: number, fast: boolean): boolean {
  const decoded = decodeFrame(frame, false, fast ? c.audio : undefined)
  if ('skipped' in decoded) {
    recordSkippedFrame(c, decoded.skipped, at)
    return false
  }
  try {
    applyServerEvent(c, decoded.type, decoded.event, at, decoded.decoded ? DECODED_SPAN : undefined)
  } catch (err) {
    recordSkippedFrame(c, `(malformed ${decoded.type} skipped: ${(err as Error).message})`, at)
  }
  return decoded.decoded === true
}

/** A conversation waiting for the response to a text turn (its response.create went out as `evt_1`). */
function conversation(keepAudio?: KeepAudio): Conversation {
  const c = new Conversation({ keepAudio })
  const turn = userText(c, 'hello', 1)
  responseCreateSent(c, responseRequested(c, turn, 1), 'evt_1', 1)
  return c
}

/** Everything the records say, as plain data (audio as hex, so a difference shows where it is). */
function records(c: Conversation) {
  return {
    turns: c.turns.map((t) => ({ ...t, audio: t.audio.map((b) => b.toString('hex')), response: t.response ? c.responses.indexOf(t.response) : null })),
    responses: c.responses.map((r) => ({
      ...r,
      audio: r.audio.map((a) => ({ data: a.data.toString('hex'), sampleRate: a.sampleRate, receivedAt: a.receivedAt })),
    })),
    currentResponse: c.currentResponse ? c.responses.indexOf(c.currentResponse) : null,
    timeline: c.timeline.map((e) => ({ ...e })),
    lastAgentTranscript: c.lastAgentTranscript,
    lastUserTranscript: c.lastUserTranscript,
    errors: c.errors.map((e) => [e.type, e.code, e.message]),
  }
}

// ---- frames ----

type Pair = [key: string, json: string]

/** JSON text of a string with some characters written as escapes (`\/`, `\u0041`): the same string, other bytes. */
const escapedString = (text: string) =>
  fc.constantFrom('none', 'none', 'none', 'none', 'none', 'slash', 'unicode', 'first').map((how) => {
    const plain = JSON.stringify(text)
    if (how === 'none') return plain
    if (how === 'slash') return plain.replaceAll('/', '\\/')
    if (how === 'unicode') return plain.replace(/[A-Z]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`)
    return plain.length > 2 ? `"\\u${plain.charCodeAt(1).toString(16).padStart(4, '0')}${plain.slice(2)}` : plain
  })

const base64Audio = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc.noBias(fc.integer({ min: 0, max: 7000 })).map((n) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255))),
    },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 900 }).map((b) => Buffer.from(b)) },
  )
  .map((bytes) => bytes.toString('base64'))

/** A `delta` value: mostly base64 audio, sometimes not (unpadded, whitespace, unicode, control characters, other types). */
const deltaJson = fc.oneof(
  { weight: 10, arbitrary: base64Audio.chain(escapedString) },
  { weight: 1, arbitrary: base64Audio.map((b) => JSON.stringify(b.replace(/=+$/, ''))) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(base64Audio, fc.constantFrom(' ', '\\n', '\\t', '\\u0000', 'é', '\u2028', '=', '-_', '😀'))
      .map(([b, ins]) => `"${b.slice(0, b.length >> 1)}${ins}${b.slice(b.length >> 1)}"`),
  },
  { weight: 1, arbitrary: base64Audio.map((b) => `"${b.slice(0, 600)}\u0001${b.slice(600)}"`) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom('""', '5', 'null', '["QUJD"]', '{"delta":"QUJD"}') },
)

const TYPES = [
  'response.output_audio.delta',
  'response.output_audio.delta',
  'response.output_audio.delta',
  'response.audio.delta',
  'response.output_audio_transcript.delta',
  'response.audio_transcript.delta',
  'response.output_text.delta',
  'response.done',
  'rate_limits.updated',
  'constructor',
]

const typeJson = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...TYPES).chain(escapedString) },
  { weight: 1, arbitrary: fc.constantFrom('7', 'null', '"r\\u0065sponse.output_audio.delta"') },
)

const idJson = (prefix: string) => fc.constantFrom(`"${prefix}_1"`, `"${prefix}_1"`, `"${prefix}_2"`, `"${prefix}_2"`, `"${prefix}_\\u00e9"`, 'null', '3')

/** Extra fields a server may send: obfuscation, indexes, nested objects (with their own "delta"), unicode. */
const extraPairs = fc.array(
  fc.oneof(
    fc.constant<Pair>(['obfuscation', '"aB3dE5"']),
    fc.constant<Pair>(['output_index', '0']),
    fc.constant<Pair>(['content_index', '0']),
    fc.constant<Pair>(['event_id', '"event_CXq8"']),
    fc.constant<Pair>(['item', '{"id":"item_2","type":"message","delta":"QUJD"}']),
    fc.constant<Pair>(['meta', '{"delta" : "QUJDRA==", "n": [1, {"delta":""}]}']),
    fc.constant<Pair>(['note', '"\\"delta\\":\\"QUJD\\""']),
    fc.constant<Pair>(['note', '"delta"']),
    fc.constant<Pair>(['delta', '"QUJDRA=="']),
    fc.constant<Pair>(['delta ', '"QUJD"']),
    fc.constant<Pair>(['delta', '""']),
    fc.constant<Pair>(['x"delta', '"QUJDRA=="']),
    fc.tuple(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 30 })).map(([k, v]): Pair => [k, JSON.stringify(v)]),
  ),
  { maxLength: 2 },
)

/** How the pairs are joined: compact, or with whitespace around the punctuation. */
const layout = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ afterKey: '', afterColon: '', afterComma: '', outside: '' }) },
  {
    weight: 2,
    arbitrary: fc.record({
      afterKey: fc.constantFrom('', ' ', '\n'),
      afterColon: fc.constantFrom('', '', ' ', '\t'),
      afterComma: fc.constantFrom('', '', ' ', '\r\n'),
      outside: fc.constantFrom('', ' '),
    }),
  },
)

const adversarialFrame = fc
  .record({
    type: typeJson,
    delta: fc.option(deltaJson, { freq: 12, nil: undefined }),
    responseId: fc.option(idJson('resp'), { freq: 5, nil: undefined }),
    itemId: fc.option(idJson('item'), { freq: 5, nil: undefined }),
    extra: extraPairs,
    layout,
    seed: fc.integer(),
    damage: fc.oneof(
      { weight: 20, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.constantFrom('truncate' as const, 'invalid-utf8' as const, 'array' as const, 'bom' as const) },
    ),
  })
  .map(({ type, delta, responseId, itemId, extra, layout, seed, damage }) => {
    const pairs: Pair[] = [['type', type]]
    if (responseId !== undefined) pairs.push(['response_id', responseId])
    if (itemId !== undefined) pairs.push(['item_id', itemId])
    if (delta !== undefined) pairs.push(['delta', delta])
    pairs.push(...extra)
    // Field order: a seeded shuffle (servers put `delta` anywhere).
    let s = seed >>> 0
    for (let i = pairs.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      const j = s % (i + 1)
      ;[pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!]
    }
    const body = pairs.map(([k, v]) => `${JSON.stringify(k)}${layout.afterKey}:${layout.afterColon}${v}`).join(`,${layout.afterComma}`)
    let text = `${layout.outside}{${body}}${layout.outside}`
    if (damage === 'array') text = `[${text}]`
    let frame = Buffer.from(text, 'utf8')
    if (damage === 'truncate') frame = frame.subarray(0, Math.max(1, frame.length - 1 - (s % 7)))
    if (damage === 'invalid-utf8') frame = Buffer.concat([frame.subarray(0, 1), Buffer.from('"x":"\xff\xfe",', 'latin1'), frame.subarray(1)])
    if (damage === 'bom') frame = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), frame])
    return frame
  })

/** An audio delta as servers send it (compact, any field order, GA or legacy name, odd or even sizes). */
const typicalFrame = fc
  .record({
    legacy: fc.boolean(),
    bytes: fc.noBias(fc.integer({ min: 300, max: 7000 })),
    responseId: fc.constantFrom('resp_1', 'resp_1', 'resp_2'),
    itemId: fc.constantFrom('item_1', 'item_2'),
    obfuscation: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ legacy, bytes, responseId, itemId, obfuscation, seed }) => {
    const event: Record<string, unknown> = {
      type: legacy ? 'response.audio.delta' : 'response.output_audio.delta',
      event_id: `event_${seed >>> 20}`,
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: Buffer.from(Uint8Array.from({ length: bytes }, (_, i) => (i * 13 + seed) & 255)).toString('base64'),
    }
    if (obfuscation) event.obfuscation = 'Zq3x'
    const keys = Object.keys(event)
    const k = (seed >>> 0) % keys.length
    return Buffer.from(JSON.stringify(Object.fromEntries([...keys.slice(k), ...keys.slice(0, k)].map((key) => [key, event[key]]))))
  })

const frameArb = fc.oneof({ weight: 2, arbitrary: typicalFrame }, { weight: 3, arbitrary: adversarialFrame })

/** Frames as a server sends them: the response starts, then deltas; sometimes the response ends in between. */
const framesArb = fc
  .array(fc.noBias(frameArb), { minLength: 1, maxLength: 25 })
  .map((frames) => [Buffer.from('{"type":"response.created","response":{"id":"resp_1","status":"in_progress"}}'), ...frames])

describe('audio delta fast path', () => {
  it('leaves the same records as the full parse, for any frames (field order, whitespace, escapes, extra and nested keys, odd sizes, damage)', () => {
    let fastFrames = 0
    let frames = 0
    fc.assert(
      fc.property(framesArb, fc.constantFrom<KeepAudio | undefined>(undefined, 'all', 'none', { lastMs: 30 }), (list, keepAudio) => {
        const fast = conversation(keepAudio)
        const full = conversation(keepAudio)
        list.forEach((frame, i) => {
          frames++
          if (feed(fast, frame, 10 + i, true)) fastFrames++
          expect(feed(full, frame, 10 + i, false)).toBe(false)
        })
        expect(records(fast)).toEqual(records(full))
      }),
      { numRuns: 400 },
    )
    // The comparison means something only if the fast path was taken, and not for every frame.
    expect(fastFrames).toBeGreaterThan(frames * 0.1)
    expect(fastFrames).toBeLessThan(frames * 0.9)
  })

  it('takes the fast path for the frames OpenAI sends, with or without obfuscation, GA or legacy name', () => {
    const audio = Buffer.alloc(4800, 7).toString('base64')
    const frames = [
      `{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"${audio}"}`,
      `{"type":"response.output_audio.delta","event_id":"event_2","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"${audio}","obfuscation":"x1Yz"}`,
      `{"type":"response.audio.delta","response_id":"resp_1","item_id":"item_1","delta":"${audio}"}`,
    ]
    const c = conversation()
    for (const [i, text] of frames.entries()) expect(feed(c, Buffer.from(text), 20 + i, true)).toBe(true)
    const response = c.responses[0]!
    expect(response.audio.map((a) => a.data.equals(Buffer.alloc(4800, 7)))).toEqual([true, true, true])
    expect(response.audioBytes).toBe(14_400)
  })

  it('parses whole what it cannot take apart safely: an escape, a second "delta", unpadded or non-base64 text', () => {
    const audio = Buffer.alloc(960, 3).toString('base64')
    const cases = [
      `{"type":"response.output_audio.delta","response_id":"resp_1","delta":"${audio.replace('A', '\\u0041')}"}`,
      `{"type":"response.output_audio.delta","response_id":"resp_1","delta":"${audio}","x":{"delta":"QUJD"}}`,
      `{"type":"response.output_audio.delta","response_id":"resp_1","delta":"${audio}A"}`,
      `{"type":"response.output_audio.delta","response_id":"resp_1","delta":"${audio.slice(0, 600)} ${audio.slice(600)}"}`,
      `{"type":"response.output_audio_transcript.delta","response_id":"resp_1","delta":"${audio}"}`,
    ]
    for (const text of cases) expect(feed(conversation(), Buffer.from(text), 20, true)).toBe(false)
  })
})
