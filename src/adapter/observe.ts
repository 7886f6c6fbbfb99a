import { performance } from 'node:perf_hooks'
import type { AudioChunk, VoiceAgentAdapter } from './types.js'
import { isResponseOpen, newResponseRecord, newTurnRecord, type ResponseRecord, type TurnRecord } from '../conversation/records.js'
import type { TimelineEntry } from '../conversation/timeline.js'
import { RealtimeTimeoutError } from '../errors/index.js'

/** What the matchers read: turns with their responses. `OpenAIRealtimeAdapter` provides it natively. */
export interface VoiceObservable {
  readonly turns: readonly TurnRecord[]
  readonly currentResponse: ResponseRecord | null
  readonly timeline?: readonly TimelineEntry[]
}

export function isVoiceAgentAdapter(value: unknown): value is VoiceAgentAdapter {
  if (value === null || typeof value !== 'object') return false
  const a = value as Partial<VoiceAgentAdapter>
  return typeof a.recvAudio === 'function' && typeof a.sendAudio === 'function' && typeof a.interrupt === 'function'
}

function isObservable(agent: VoiceAgentAdapter): agent is VoiceAgentAdapter & VoiceObservable {
  const a = agent as Partial<VoiceObservable>
  return Array.isArray(a.turns) && 'currentResponse' in agent
}

const observers = new WeakMap<VoiceAgentAdapter, VoiceObservable>()

/**
 * The observable view of an adapter. Adapters that do not record turns themselves are instrumented on first use:
 * their own `sendAudio`/`sendText`/`recvAudio`/`interrupt` are wrapped so matchers see the same records.
 */
export function observe(agent: VoiceAgentAdapter): VoiceObservable {
  if (isObservable(agent)) return agent
  let observer = observers.get(agent)
  if (!observer) {
    observer = instrument(agent)
    observers.set(agent, observer)
  }
  return observer
}

export function latestTurn(obs: VoiceObservable): TurnRecord | null {
  return obs.turns[obs.turns.length - 1] ?? null
}

/** True when the latest turn's input has not been committed yet (the next `recvAudio` ends the turn). */
export function hasPendingInput(obs: VoiceObservable): boolean {
  const turn = latestTurn(obs)
  return !!turn && turn.endedAt === null && turn.audioBytes > 0
}

export interface DriveResult {
  response: ResponseRecord | null
  /** Set when the wait ran out. */
  timeout: RealtimeTimeoutError | null
}

/**
 * Drives the adapter's receive loop until `done(response)` holds, the response ends, or the deadline passes.
 * Chunks are recorded on the response (by the adapter or the instrumentation), so later matchers see them too.
 */
export async function drive(
  agent: VoiceAgentAdapter,
  timeoutMs: number,
  done: (response: ResponseRecord) => boolean,
): Promise<DriveResult> {
  const obs = observe(agent)
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const response = obs.currentResponse
    if (response && !hasPendingInput(obs) && (done(response) || !isResponseOpen(response))) {
      return { response, timeout: null }
    }
    const remaining = Math.max(0, deadline - performance.now())
    try {
      const chunk = await agent.recvAudio(remaining)
      if (chunk === null) return { response: obs.currentResponse, timeout: null }
    } catch (err) {
      if (err instanceof RealtimeTimeoutError || (err as Error)?.name === 'RealtimeTimeoutError') {
        return { response: obs.currentResponse, timeout: err as RealtimeTimeoutError }
      }
      throw err
    }
  }
}

/** Polls `read` until it returns a value (not `undefined`) or the timeout passes; used for late events. */
export async function waitForValue<T>(read: () => T | undefined, timeoutMs: number, intervalMs = 10): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    const remaining = deadline - performance.now()
    if (remaining <= 0) return undefined
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)))
  }
}

function instrument(agent: VoiceAgentAdapter): VoiceObservable {
  const turns: TurnRecord[] = []
  let current: ResponseRecord | null = null
  const newTurn = (input: 'audio' | 'text'): TurnRecord => {
    const turn = newTurnRecord(turns.length, input)
    turns.push(turn)
    return turn
  }
  const startResponse = (turn: TurnRecord) => {
    turn.endedAt = performance.now()
    current = newResponseRecord(turn.endedAt)
    current.status = 'in_progress'
    turn.response = current
  }
  // Instrumentation starts at the first matcher, usually after the test already sent its input: treat that
  // unseen input as the current turn, ended by the next recvAudio (the seed's definition of the end of a turn).
  const unseen = newTurn('audio')
  const sendAudio = agent.sendAudio.bind(agent)
  const recvAudio = agent.recvAudio.bind(agent)
  const interrupt = agent.interrupt.bind(agent)
  const sendText = agent.sendText?.bind(agent)

  agent.sendAudio = async (chunk: AudioChunk) => {
    let turn = turns[turns.length - 1]
    if (!turn || turn.endedAt !== null || turn.input !== 'audio') turn = newTurn('audio')
    turn.audio.push(chunk.data)
    turn.audioBytes += chunk.data.length
    return sendAudio(chunk)
  }
  if (sendText) {
    agent.sendText = async (text: string) => {
      const turn = newTurn('text')
      turn.text = text
      await sendText(text)
      startResponse(turn)
    }
  }
  agent.recvAudio = async (timeoutMs: number) => {
    const turn = turns[turns.length - 1]
    if (turn && turn.endedAt === null && (turn.audioBytes > 0 || turn === unseen)) startResponse(turn)
    const response = current
    const chunk = await recvAudio(timeoutMs)
    if (!response) return chunk
    if (chunk) {
      const at = chunk.receivedAt ?? performance.now()
      response.audio.push(chunk)
      response.audioBytes += chunk.data.length
      response.firstAudioAt ??= at
      response.lastAudioAt = at
      if (response.interruptedAt !== null) response.audioBytesAfterInterrupt += chunk.data.length
    } else if (isResponseOpen(response)) {
      response.status = response.interruptedAt !== null ? 'cancelled' : 'completed'
      response.doneAt = performance.now()
      response.transcript = agent.lastAgentTranscript ?? ''
      response.transcriptFinal = true
      if (turn && turn.input === 'audio') turn.transcription = agent.lastUserTranscript
    }
    return chunk
  }
  agent.interrupt = async () => {
    if (current && isResponseOpen(current)) current.interruptedAt ??= performance.now()
    return interrupt()
  }
  return {
    turns,
    get currentResponse() {
      return current
    },
  }
}
