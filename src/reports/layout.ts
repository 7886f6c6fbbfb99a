import type { ResponseRecord, TurnRecord } from '../conversation/records.js'
import type { AudioChunk } from '../adapter/types.js'
import { int16View } from '../audio/pcm16.js'
import { resamplePcm16 } from '../audio/resample.js'
import { responseSpeechTiming } from '../conversation/speech-timing.js'
import { attachRedactor, redactorOf } from '../secrets/redact.js'

/*
 * Lays a conversation out on one clock, the recording clock, so that user and agent audio can be written side by side
 * (a stereo WAV) and drawn (the timeline picture).
 *
 * The adapter knows when things happened (performance.now() at the socket), but not when audio would have been
 * heard: user audio is often sent faster than real time, and the realtime API streams its answer faster than real
 * time too. The recording is what a listener on the line would have heard:
 * - a user turn's audio ends at the instant the turn ended (the commit / response.create), or later if it would
 *   otherwise overlap audio already laid out (it was sent faster than it plays);
 * - the agent's audio is played the way a client plays it as it arrives: each chunk at its arrival, or right after
 *   the previous chunk if that is still playing. The first audio is therefore exactly the measured latency after the
 *   end of the user turn, and the first speech comes after the leading silence;
 * - an interrupt is placed when the listener had heard every chunk received before it (what the adapter assumes when
 *   it truncates the item); audio received after the interrupt keeps its real delay from it, so speech that goes on
 *   after an interrupt shows, and sounds, as late as it was.
 * Whenever audio had to be pushed later, everything after it moves by the same amount, so every gap the agent was
 * responsible for (latency, time to stop) keeps its measured length.
 */

export const RECORDING_RATE = 24_000

/** What `layoutConversation` needs: the turn records of an adapter (`OpenAIRealtimeAdapter`, or `observe(agent)`). */
export interface RecordableConversation {
  readonly turns: readonly TurnRecord[]
}

export interface ConversationLayout {
  sampleRate: number
  /** Length of the recording, ms. */
  durationMs: number
  /** User audio (left channel), PCM16 samples at `sampleRate`. */
  user: Int16Array
  /** Agent audio (right channel). */
  agent: Int16Array
  turns: TurnLayout[]
  /**
   * Audio the adapter did not keep (its `keepAudio` option: the oldest goes first), ms per channel; `null` when every
   * byte was kept. The recording then holds only the newest audio, each chunk still at its own time.
   */
  audioNotKept: { userMs: number; agentMs: number } | null
}

/** How much audio of `turns` was received or sent but not kept (`keepAudio`), ms per direction; `null`: none. */
export function audioNotKept(turns: readonly TurnRecord[]): { userMs: number; agentMs: number } | null {
  let user = 0
  let agent = 0
  for (const t of turns) {
    user += t.audioDroppedBytes ?? 0
    agent += t.response?.audioDroppedBytes ?? 0
  }
  return user || agent ? { userMs: Math.round(user / 48), agentMs: Math.round(agent / 48) } : null
}

/** The sentence recordings and reports give about audio not kept, or `null` when all of it was. */
export function audioNotKeptNote(turns: readonly TurnRecord[]): string | null {
  const notKept = audioNotKept(turns)
  if (!notKept) return null
  const parts = [
    notKept.agentMs ? `the oldest ${notKept.agentMs} ms of agent audio` : '',
    notKept.userMs ? `the oldest ${notKept.userMs} ms of user audio` : '',
  ].filter(Boolean)
  return `keepAudio: ${parts.join(' and ')} not kept; the recording holds the newest`
}

/** One user turn and its response on the recording clock (ms from the start of the recording). */
export interface TurnLayout {
  index: number
  input: 'audio' | 'text'
  /** What the user said: the model's transcription, else the text sent; null when unknown. */
  userText: string | null
  userStartMs: number
  /** The end of the user turn (commit / response.create). */
  userEndMs: number
  /** Whether the turn was ended (a response was asked for). */
  ended: boolean
  response: ResponseLayout | null
}

export interface ResponseLayout {
  status: string
  transcript: string
  /** First audio on the recording clock; null when none arrived. */
  firstAudioMs: number | null
  /** First speech heard, on the recording clock; null when there was none. */
  firstSpeechMs: number | null
  /** End of the agent's audio on the recording clock. */
  audioEndMs: number | null
  /** Measured: first audio − end of the user turn, ms. */
  latencyMs: number | null
  /** Measured: first speech heard − end of the user turn, ms. */
  speechLatencyMs: number | null
  leadingSilenceMs: number | null
  audioMs: number
  /** The interrupt on the recording clock; null when the response was not interrupted. */
  interruptMs: number | null
  /** Audio received after the interrupt. */
  afterInterrupt: { startMs: number; endMs: number; audioMs: number; speechMs: number } | null
  toolCalls: string[]
}

interface Placement {
  pcm: Int16Array
  atMs: number
  lane: 'user' | 'agent'
}

const msOf = (samples: number) => (samples * 1000) / RECORDING_RATE

function pcmAt24k(data: Uint8Array, sampleRate: number): Int16Array {
  const even = data.byteLength % 2 ? data.subarray(0, data.byteLength - 1) : data
  return int16View(sampleRate === RECORDING_RATE ? even : resamplePcm16(even, sampleRate, RECORDING_RATE))
}

function joinSamples(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

/** Lays out every turn of the conversation (see the comment at the top of this file). */
export function layoutConversation(conversation: RecordableConversation): ConversationLayout {
  const placements: Placement[] = []
  const turns: TurnLayout[] = []
  let cursor = 0
  /** recording ms = performance.now() + shift; null until the first turn end fixes it. */
  let shift: number | null = null

  for (const turn of conversation.turns) {
    const userPcm = joinSamples(turn.audio.map((b) => pcmAt24k(b, RECORDING_RATE)))
    const userMs = msOf(userPcm.length)
    const ended = turn.endedAt !== null
    let userEndMs = cursor + userMs
    if (turn.endedAt !== null) {
      if (shift !== null) userEndMs = Math.max(turn.endedAt + shift, userEndMs)
      shift = userEndMs - turn.endedAt
    }
    const userStartMs = userEndMs - userMs
    if (userPcm.length) placements.push({ pcm: userPcm, atMs: userStartMs, lane: 'user' })
    cursor = Math.max(cursor, userEndMs)

    const layout: TurnLayout = {
      index: turn.index,
      input: turn.input,
      userText: turn.transcription || turn.text || null,
      userStartMs,
      userEndMs,
      ended,
      response: null,
    }
    turns.push(layout)
    // A turn with tool calls has several responses (the calling one, then the follow-up): all of its audio is heard.
    const responses = turn.responses?.length ? turn.responses : turn.response ? [turn.response] : []
    if (!responses.length || shift === null || turn.endedAt === null) continue
    let last: ResponseLayout | null = null
    for (const response of responses) {
      const placed = placeResponse(response, turn.endedAt, shift, cursor, placements)
      shift = placed.shift
      cursor = Math.max(cursor, placed.endMs)
      last = placed.layout
    }
    // The turn is drawn as its latest response (the answer heard), labelled with every tool call of the turn.
    layout.response = responses.length > 1 ? { ...last!, toolCalls: responses.flatMap((r) => r.toolCalls.map((t) => t.name)) } : last
  }

  const total = Math.round((cursor * RECORDING_RATE) / 1000)
  const user = new Int16Array(total)
  const agent = new Int16Array(total)
  for (const p of placements) mix(p.lane === 'user' ? user : agent, p.pcm, Math.round((p.atMs * RECORDING_RATE) / 1000))
  // The adapter's redactor goes along, so the picture drawn from this layout removes the adapter's secrets.
  return attachRedactor(
    { sampleRate: RECORDING_RATE, durationMs: msOf(total), user, agent, turns, audioNotKept: audioNotKept(conversation.turns) },
    redactorOf(conversation),
  )
}

function placeResponse(
  response: ResponseRecord,
  turnEndedAt: number,
  shiftIn: number,
  cursorIn: number,
  placements: Placement[],
): { layout: ResponseLayout; shift: number; endMs: number } {
  let shift = shiftIn
  const chunks = response.audio.filter((c: AudioChunk) => c.data.byteLength >= 2)
  const speech = responseSpeechTiming(response)
  const interruptedAt = response.interruptedAt
  let end: number | null = null
  let interruptMs: number | null = null
  let afterStart: number | null = null
  let audioOffset = 0 // ms into the response audio
  let firstSpeechMs: number | null = null
  let firstAudioMs: number | null = null

  for (const c of chunks) {
    if (interruptedAt !== null && interruptMs === null && (c.receivedAt ?? -Infinity) > interruptedAt) {
      // The listener had heard every chunk received before the interrupt.
      interruptMs = Math.max(interruptedAt + shift, end ?? -Infinity)
      shift = interruptMs - interruptedAt
    }
    const pcm = pcmAt24k(c.data, c.sampleRate)
    const arrived = c.receivedAt !== undefined ? c.receivedAt + shift : (end ?? Math.max(cursorIn, turnEndedAt + shift))
    const start: number = end === null ? arrived : Math.max(arrived, end)
    const dur = msOf(pcm.length)
    if (interruptMs !== null && afterStart === null) afterStart = start
    firstAudioMs ??= start
    if (speech.firstSpeechMs !== null && firstSpeechMs === null && speech.firstSpeechMs < audioOffset + dur) {
      firstSpeechMs = start + Math.max(0, speech.firstSpeechMs - audioOffset)
    }
    placements.push({ pcm, atMs: start, lane: 'agent' })
    end = start + dur
    audioOffset += dur
  }
  if (interruptedAt !== null && interruptMs === null) {
    interruptMs = Math.max(interruptedAt + shift, end ?? -Infinity)
    shift = interruptMs - interruptedAt
  }

  const turnEnd = turnEndedAt
  const layout: ResponseLayout = {
    status: response.status,
    transcript: response.transcript,
    firstAudioMs,
    firstSpeechMs,
    audioEndMs: end,
    latencyMs: response.firstAudioAt !== null ? response.firstAudioAt - turnEnd : null,
    speechLatencyMs: speech.firstSpeechAt !== null ? speech.firstSpeechAt - turnEnd : null,
    leadingSilenceMs: chunks.length ? speech.leadingSilenceMs : null,
    audioMs: speech.audioMs,
    interruptMs,
    afterInterrupt:
      interruptMs !== null && speech.afterInterrupt && speech.afterInterrupt.audioMs > 0 && afterStart !== null
        ? { startMs: afterStart, endMs: end ?? afterStart, audioMs: speech.afterInterrupt.audioMs, speechMs: speech.afterInterrupt.speechMs }
        : null,
    toolCalls: response.toolCalls.map((t) => t.name),
  }
  return { layout, shift, endMs: Math.max(end ?? 0, interruptMs ?? 0, cursorIn) }
}

function mix(lane: Int16Array, pcm: Int16Array, at: number): void {
  const from = Math.max(0, at)
  const n = Math.min(pcm.length - (from - at), lane.length - from)
  for (let i = 0; i < n; i++) {
    const v = lane[from + i]! + pcm[from - at + i]!
    lane[from + i] = v > 32767 ? 32767 : Math.max(v, -32768)
  }
}
