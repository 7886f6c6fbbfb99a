/**
 * The records of any `VoiceAgentAdapter`. `OpenAIRealtimeAdapter` keeps its own (fed by its socket); any other
 * adapter is instrumented on first use: its own `sendAudio`/`sendText`/`recvAudio`/`interrupt` are wrapped so that
 * what passes through them reaches the same reducer as the equivalent server and client events. Either way the
 * matchers read one kind of record, written in one place (conversation/reducer.ts).
 */
import { performance } from 'node:perf_hooks'
import type { AudioChunk, VoiceAgentAdapter } from './types.js'
import { CONVERSATION } from '../conversation/observable.js'
import {
  applyServerEvent,
  Conversation,
  interrupted,
  responseCreateSent,
  responseRequested,
  unseenAudioTurn,
  userAudio,
  userAudioCommitted,
  userText,
} from '../conversation/reducer.js'
import type { TurnRecord } from '../conversation/records.js'
import { redactorOf } from '../secrets/redact.js'

export function isVoiceAgentAdapter(value: unknown): value is VoiceAgentAdapter {
  if (value === null || typeof value !== 'object') return false
  const a = value as Partial<VoiceAgentAdapter>
  return typeof a.recvAudio === 'function' && typeof a.sendAudio === 'function' && typeof a.interrupt === 'function'
}

const instrumented = new WeakMap<VoiceAgentAdapter, Conversation>()

/** The records of `agent`: its own when it keeps them, otherwise those of its instrumentation. */
export function observe(agent: VoiceAgentAdapter): Conversation {
  // Not `instanceof`: an adapter built by another copy of this package (its ESM and CJS builds both loaded) keeps
  // records of the same shape, and the reducer's functions work on them.
  const own = (agent as { [CONVERSATION]?: Conversation })[CONVERSATION]
  if (own && Array.isArray(own.turns) && own.listeners instanceof Set) return own
  let conversation = instrumented.get(agent)
  if (!conversation) {
    conversation = instrument(agent)
    instrumented.set(agent, conversation)
  }
  return conversation
}

/**
 * Instrumented adapters whose `lastUserTranscript` is a getter of their own cannot be watched: for them this reads
 * it and records a new value; it returns false. For every other adapter the records learn of transcriptions as they
 * happen, and it returns true.
 */
export function syncUserTranscription(agent: VoiceAgentAdapter): boolean {
  const feed = unwatched.get(agent)
  if (!feed) return true
  const text = agent.lastUserTranscript
  if (text !== null && text !== observe(agent).lastUserTranscript) feed(text)
  return false
}
const unwatched = new WeakMap<VoiceAgentAdapter, (text: string) => void>()

export function latestTurn(conversation: Conversation): TurnRecord | null {
  return conversation.turns[conversation.turns.length - 1] ?? null
}

/** True when the latest turn's input has not been committed yet (the next `recvAudio` ends the turn). */
export function hasPendingInput(conversation: Conversation): boolean {
  const turn = latestTurn(conversation)
  return !!turn && turn.endedAt === null && turn.audioBytes > 0
}

function instrument(agent: VoiceAgentAdapter): Conversation {
  // A third-party adapter holding credentials may say how to remove them (`REDACT`); its records then carry that.
  const conversation = new Conversation({ redact: redactorOf(agent) })
  // Instrumentation starts at the first matcher, usually after the test already sent its input: treat that
  // unseen input as the current turn, ended by the next recvAudio (the seed's definition of the end of a turn).
  const unseen = unseenAudioTurn(conversation)
  const sendAudio = agent.sendAudio.bind(agent)
  const recvAudio = agent.recvAudio.bind(agent)
  const interrupt = agent.interrupt.bind(agent)
  const sendText = agent.sendText?.bind(agent)
  const ask = (turn: TurnRecord) => {
    const at = performance.now()
    responseCreateSent(conversation, responseRequested(conversation, turn, at), undefined, at)
  }

  agent.sendAudio = async (chunk: AudioChunk) => {
    userAudio(conversation, chunk.data)
    return sendAudio(chunk)
  }
  if (sendText) {
    agent.sendText = async (text: string) => {
      await sendText(text)
      ask(userText(conversation, text, performance.now()))
    }
  }
  agent.recvAudio = async (timeoutMs: number) => {
    const turn = latestTurn(conversation)
    if (turn && turn.endedAt === null && (turn.audioBytes > 0 || turn === unseen)) ask(userAudioCommitted(conversation, performance.now()))
    const response = conversation.currentResponse
    const chunk = await recvAudio(timeoutMs)
    if (!response) return chunk
    if (chunk) {
      applyServerEvent(conversation, 'response.output_audio.delta', { type: 'response.output_audio.delta' }, chunk.receivedAt ?? performance.now(), chunk)
    } else if (conversation.currentResponse === response && response.doneAt === null) {
      const at = performance.now()
      const transcript = agent.lastAgentTranscript ?? ''
      applyServerEvent(conversation, 'response.output_audio_transcript.done', { type: 'response.output_audio_transcript.done', transcript }, at)
      const status = response.interruptedAt !== null ? 'cancelled' : 'completed'
      applyServerEvent(conversation, 'response.done', { type: 'response.done', response: { status } }, at)
      if (agent.lastUserTranscript !== null) userTranscription(agent.lastUserTranscript)
    }
    return chunk
  }
  agent.interrupt = async () => {
    interrupted(conversation, performance.now())
    return interrupt()
  }

  const userTranscription = (transcript: string) => {
    if (latestTurn(conversation)?.input !== 'audio') return
    const event = { type: 'conversation.item.input_audio_transcription.completed', transcript }
    applyServerEvent(conversation, event.type, event, performance.now())
  }
  watchUserTranscript(agent, userTranscription)
  return conversation
}

/**
 * Turns assignments to `agent.lastUserTranscript` (a plain property, or an accessor with a setter) into
 * transcription events, so a matcher waiting for a late transcription wakes when it is set.
 */
function watchUserTranscript(agent: VoiceAgentAdapter, onSet: (text: string) => void): void {
  let owner: object | null = agent
  let descriptor: PropertyDescriptor | undefined
  while (owner && !(descriptor = Object.getOwnPropertyDescriptor(owner, 'lastUserTranscript'))) owner = Object.getPrototypeOf(owner)
  const isData = !descriptor || 'value' in descriptor
  if ((descriptor && !descriptor.configurable && owner === agent) || (!isData && !descriptor?.set)) {
    unwatched.set(agent, onSet)
    return
  }
  let value = isData ? (agent.lastUserTranscript ?? null) : null
  Object.defineProperty(agent, 'lastUserTranscript', {
    configurable: true,
    enumerable: descriptor?.enumerable ?? true,
    get: isData ? () => value : () => descriptor!.get!.call(agent),
    set: (next: string | null) => {
      if (isData) value = next
      else descriptor!.set!.call(agent, next)
      if (typeof next === 'string') onSet(next)
    },
  })
}
